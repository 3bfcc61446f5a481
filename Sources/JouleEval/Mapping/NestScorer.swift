import JouleSpec

/// Scores the mappings of one problem, dataflow and cost table straight from a tiling and
/// each level's loop order (`LoopOrders`): the loop nest goes into stack memory, the counts into
/// stack memory, and nothing is allocated, since the mapper calls this for every candidate.
/// The counts are `ReuseAnalysis`'s and the cost `CostTable`'s, so a score equals costing the
/// built `Mapping`.
struct NestScorer {
    let problem: Problem
    let dataflow: Dataflow
    let table: CostTable
    let objective: Objective
    /// `holds[o * levels + i]`: whether level i holds operand o.
    let holds: [Bool]
    /// Every level's spatial loops (X then Y), and where each level's start in that list.
    let spatialLoops: [ReuseAnalysis.FlatLoop]
    let spatialStart: [Int]
    let levels: Int
    let dims: Int
    /// The problem's MACs (a product over its bounds, taken once).
    let macs: Double

    init(
        problem: Problem, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]], dataflow: Dataflow, table: CostTable,
        objective: Objective
    ) {
        self.problem = problem
        self.dataflow = dataflow
        self.table = table
        self.objective = objective
        self.holds = holds.flatMap { $0 }
        levels = spatial.count
        dims = problem.bounds.count
        macs = problem.macs
        var loops: [ReuseAnalysis.FlatLoop] = []
        var start: [Int] = []
        for (i, level) in spatial.enumerated() {
            start.append(loops.count)
            for loop in level.x + level.y {
                loops.append(
                    ReuseAnalysis.FlatLoop(level: i, dimension: loop.dimension, bound: loop.bound, spatial: true))
            }
        }
        start.append(loops.count)
        spatialLoops = loops
        spatialStart = start
    }

    /// The real tiles of a tiling, which every loop order shares (`TileCounts`): after each
    /// level's temporal loop over each dimension (`[i * dims + d]`), after each spatial loop (in
    /// `spatialLoops` order, from `levels * dims`), then each dimension's steps.
    func tileCounts(_ bounds: [Int]) -> [Double] {
        var table = [Double](repeating: 1, count: levels * dims + spatialLoops.count + dims)
        withUnsafeTemporaryAllocation(of: ReuseAnalysis.FlatLoop.self, capacity: levels * dims + spatialLoops.count) {
            loops in
            let n = nest(bounds, orders: nil, into: loops)
            withUnsafeTemporaryAllocation(of: Double.self, capacity: n + dims) { counts in
                problem.bounds.withUnsafeBufferPointer { problemBounds in
                    TileCounts.count(
                        bounds: problemBounds, loops: UnsafeBufferPointer(rebasing: loops[0..<n]),
                        into: UnsafeMutableBufferPointer(rebasing: counts[0..<n]),
                        steps: UnsafeMutableBufferPointer(rebasing: counts[n..<n + dims]))
                }
                tableIndices(UnsafeBufferPointer(rebasing: loops[0..<n])) { table[$1] = counts[$0] }
            }
        }
        return table
    }

    /// Where a nest's real tiles sit in a `tileCounts` table: `body(p, index)` for each loop p
    /// (its level's temporal loop over its dimension, or the next spatial loop), then for each
    /// dimension's steps (p past the loops).
    @inline(__always)
    private func tableIndices(_ loops: UnsafeBufferPointer<ReuseAnalysis.FlatLoop>, _ body: (Int, Int) -> Void) {
        var spatial = levels * dims
        for (p, loop) in loops.enumerated() {
            if loop.spatial {
                body(p, spatial)
                spatial += 1
            } else {
                body(p, loop.level * dims + loop.dimension)
            }
        }
        for d in 0..<dims { body(loops.count + d, levels * dims + spatialLoops.count + d) }
    }

    /// Builds the nest of a tiling's loop bounds into `loops` (level i in the order whose code
    /// is `orders[i]`, `LoopOrders`; nil: dimension order), and says how many loops it has.
    @inline(__always)
    private func nest(_ bounds: [Int], orders: [Int]?, into loops: UnsafeMutableBufferPointer<ReuseAnalysis.FlatLoop>)
        -> Int
    {
        var n = 0
        for i in 0..<levels {
            bounds.withUnsafeBufferPointer { bounds in
                LoopOrders.loops(bounds, level: i, dims: dims, order: orders?[i] ?? 0) { loop in
                    loops[n] = ReuseAnalysis.FlatLoop(
                        level: i, dimension: loop.dimension, bound: loop.bound, spatial: false)
                    n += 1
                }
            }
            for s in spatialStart[i]..<spatialStart[i + 1] {
                loops[n] = spatialLoops[s]
                n += 1
            }
        }
        return n
    }

    /// The objective's score of a tiling, given as its loop bounds (`Mapper.loopBounds`), with
    /// level i in the order whose code is `orders[i]` (`LoopOrders`); `tileCounts` is the
    /// tiling's (`tileCounts(_:)`), found once for all its orders.
    func score(_ bounds: [Int], orders: [Int], tileCounts: [Double]) -> Double {
        let operandCount = problem.operands.count
        return withUnsafeTemporaryAllocation(
            of: ReuseAnalysis.FlatLoop.self, capacity: levels * dims + spatialLoops.count
        ) { loops in
            let n = nest(bounds, orders: orders, into: loops)
            return withUnsafeTemporaryAllocation(of: OperandAccess.self, capacity: levels * operandCount) { accesses in
                let totals = withUnsafeTemporaryAllocation(of: Double.self, capacity: n + dims) { counts in
                    tableIndices(UnsafeBufferPointer(rebasing: loops[0..<n])) { counts[$0] = tileCounts[$1] }
                    return holds.withUnsafeBufferPointer { holds in
                        ReuseAnalysis.count(
                            problem: problem, loops: UnsafeBufferPointer(rebasing: loops[0..<n]), levelCount: levels,
                            holds: holds, into: accesses, tileCounts: UnsafeBufferPointer(counts))
                    }
                }
                let (energy, seconds) = table.energyAndSeconds(
                    accesses: UnsafeBufferPointer(accesses), problem: problem, macs: macs,
                    computeCycles: table.computeCycles(totals.temporalCycles, problem: problem, dataflow: dataflow))
                return objective.score(energy: energy, seconds: seconds)
            }
        }
    }
}
