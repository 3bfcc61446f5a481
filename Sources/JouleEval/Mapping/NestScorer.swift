import JouleSpec

/// Scores the mappings of one problem, dataflow and cost table straight from a tiling and
/// each level's innermost dimension (or constrained permutation): the loop nest goes into stack memory, the counts into
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
    /// Each level's constrained loop order (`MapspaceConstraints.Level.permutation`), or nil.
    let permutations: [[Int]?]

    init(
        problem: Problem, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]], dataflow: Dataflow, table: CostTable,
        objective: Objective, permutations: [[Int]?] = []
    ) {
        self.permutations = permutations.count == spatial.count ? permutations : spatial.map { _ in nil }
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

    /// The objective's score of a tiling, given as its loop bounds (`Mapper.loopBounds`), with
    /// `orders[i]` innermost at level i.
    func score(_ bounds: [Int], orders: [Int]) -> Double {
        let operandCount = problem.operands.count
        return withUnsafeTemporaryAllocation(
            of: ReuseAnalysis.FlatLoop.self, capacity: levels * dims + spatialLoops.count
        ) { loops in
            var n = 0
            for i in 0..<levels {
                bounds.withUnsafeBufferPointer { bounds in
                    Mapper.temporalLoops(
                        bounds, level: i, dims: dims, innermost: orders[i], permutation: permutations[i]
                    ) { loop in
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
            return withUnsafeTemporaryAllocation(of: OperandAccess.self, capacity: levels * operandCount) { accesses in
                let totals = holds.withUnsafeBufferPointer { holds in
                    ReuseAnalysis.count(
                        problem: problem, loops: UnsafeBufferPointer(rebasing: loops[0..<n]), levelCount: levels,
                        holds: holds, into: accesses)
                }
                let (energy, seconds) = table.energyAndSeconds(
                    accesses: UnsafeBufferPointer(accesses), problem: problem, macs: macs,
                    computeCycles: table.computeCycles(totals.temporalCycles, problem: problem, dataflow: dataflow))
                return objective.score(energy: energy, seconds: seconds)
            }
        }
    }
}
