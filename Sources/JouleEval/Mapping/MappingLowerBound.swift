import JouleSpec

/// A lower bound on the score of every mapping that shares one spatial choice, one
/// keep/bypass choice and the tiles of its outer levels, whatever the tiles below and the
/// loop orders: the mapper's branch and bound (`Mapper.best`) skips a spatial and keep/bypass
/// pair, or a branch of the tiling walk, whose bound is no better than the best mapping found
/// so far, so the search stays whole without costing every mapping.
///
/// The bound costs *relaxed counts* through the cost table that scores the mappings
/// (`CostTable.energyAndSeconds`), which only grows with every count and word width, so each
/// relaxed count only has to be at most the count `ReuseAnalysis` gives any mapping of the
/// branch. With the tiles t of levels 0 to c chosen (level 0's is the whole problem), a level's
/// loop bounds above c are known, b_j = ceil(t_j / t_{j+1}), and:
///
/// - the innermost holder of an operand serves every MAC, once per multicast group below it
///   (`macs / below`): fixed by the spatial loops, so exact;
/// - a level i ≤ c filled from a parent takes, per instance, at least its tile (the nest spans
///   at least t_i, padding only adds) once per step of every loop above it over a dimension the
///   operand depends on (the loop order only decides how many *other* loops refetch it; a
///   sliding window's operand is counted once); a level below c at least its smallest tile (every
///   temporal extent 1) per instance. For a projection (a GEMM's operands) that is never below the
///   whole tensor once, since each instance group sees every element it needs. The parent
///   serves it over its multicast;
/// - output read-backs and the partial sums sent back down count zero, and an output word is
///   the narrower of the output's and the accumulator's, unless a spatial reduction above the
///   level makes it hold partial sums whatever the tiling;
/// - compute takes at least the product of the known loop bounds and t_c (the temporal steps
///   the spatial loops leave, when only level 0 is known; SCALE-Sim's cycles on a systolic array).
///
/// A test checks the bound of every branch against every mapping of the brute-force corpus.
struct MappingLowerBound {
    /// One operand's fills of one level from its parent.
    private struct Fill {
        var operand: Int
        var level: Int
        var parent: Int
        /// Instances of the level (its spatial fanout above) and the multicast since the parent.
        var instances: Double
        var multicast: Double
        /// The smallest tile's elements and the whole tensor's (0 unless a projection).
        var smallest: Double
        var tensor: Double
    }

    private let problem: Problem
    private let dataflow: Dataflow
    private let table: CostTable
    private let objective: Objective
    private let levels: Int
    private let dims: Int
    /// `below[i * dims + d]`: dimension d's spatial bounds at and below level i.
    private let below: [Int]
    private let fills: [Fill]
    /// The accesses every branch has: the MACs' service, held flags and word widths.
    private let base: [OperandAccess]
    /// The output's operand index, and the levels that hold it with the irrelevant spatial
    /// fanout above each (its replicas), outermost first.
    private let output: Int?
    private let outputHolders: [(level: Int, replicas: Double)]

    /// The bound's parts for one spatial choice and hold matrix (`holds[o][i]`).
    init(
        problem: Problem, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]], dataflow: Dataflow, table: CostTable,
        objective: Objective
    ) {
        self.problem = problem
        self.dataflow = dataflow
        self.table = table
        self.objective = objective
        let levels = spatial.count
        let dims = problem.bounds.count
        let operandCount = problem.operands.count
        self.levels = levels
        self.dims = dims
        let below = TilingSpace.spatialBelow(spatial, dims: dims)
        self.below = below
        var fills: [Fill] = []
        var outputHolders: [(level: Int, replicas: Double)] = []
        var base = [OperandAccess](repeating: OperandAccess(), count: levels * operandCount)
        let macs = problem.macs
        for (o, operand) in problem.operands.enumerated() {
            let isOutput = operand.operand == .outputs
            let tensor = operand.isProjection ? problem.bounds.withUnsafeBufferPointer { operand.footprint($0) } : 0
            var parent = -1
            var instances = 1.0  // spatial fanout above the current level
            var multicast = 1.0  // irrelevant spatial fanout since the parent
            var replication = 1.0  // irrelevant spatial fanout above the current level
            for i in 0..<levels {
                if holds[o][i] {
                    let index = i * operandCount + o
                    base[index].held = true
                    base[index].wordBits =
                        isOutput
                        ? (replication > 1 ? problem.accumulatorBits : min(operand.wordBits, problem.accumulatorBits))
                        : operand.wordBits
                    if isOutput { outputHolders.append((i, replication)) }
                    if parent >= 0 {
                        let smallest = below[i * dims..<(i + 1) * dims].withUnsafeBufferPointer {
                            operand.footprint($0)
                        }
                        fills.append(
                            Fill(
                                operand: o, level: i, parent: parent, instances: instances, multicast: multicast,
                                smallest: smallest, tensor: tensor))
                    }
                    parent = i
                    multicast = 1
                }
                for loop in spatial[i].x + spatial[i].y {
                    instances *= Double(loop.bound)
                    if !operand.isRelevant(loop.dimension) {
                        multicast *= Double(loop.bound)
                        replication *= Double(loop.bound)
                    }
                }
            }
            guard parent >= 0 else { continue }
            var served = 1.0
            for i in parent..<levels {
                for loop in spatial[i].x + spatial[i].y where !operand.isRelevant(loop.dimension) {
                    served *= Double(loop.bound)
                }
            }
            if isOutput {
                base[parent * operandCount + o].updates += macs / served
            } else {
                base[parent * operandCount + o].reads += macs / served
            }
        }
        self.fills = fills
        self.base = base
        self.output = problem.operands.firstIndex { $0.operand == .outputs }
        self.outputHolders = outputHolders
    }

    /// The bound of every mapping whose levels 0 to `known - 1` take the temporal tiles in
    /// `tiles` (`tiles[i * dims + d]`, as `TilingSpace` builds them; `known` at least 1, since
    /// level 0 always holds the whole problem).
    func score(_ tiles: UnsafeBufferPointer<Int>, known: Int) -> Double {
        let dims = self.dims
        return withUnsafeTemporaryAllocation(of: OperandAccess.self, capacity: base.count) { accesses in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: dims * known) { ints in
                problem.operands.withUnsafeBufferPointer { operands in
                    score(tiles, known: known, operands: operands, accesses: accesses, scratch: ints)
                }
            }
        }
    }

    /// `score(_:known:)` with its scratch: `accesses` for the relaxed counts, `scratch` for the
    /// known loop bounds and one tile's extents (`dims * known` integers).
    @inline(__always)
    private func score(
        _ tiles: UnsafeBufferPointer<Int>, known: Int, operands: UnsafeBufferPointer<ProblemOperand>,
        accesses: UnsafeMutableBufferPointer<OperandAccess>, scratch: UnsafeMutableBufferPointer<Int>
    ) -> Double {
        let operandCount = operands.count
        let dims = self.dims
        _ = accesses.initialize(from: base)
        defer { accesses.deinitialize() }
        // loopBound[j * dims + d] for the levels whose loops are known (j < known - 1).
        let loopBound = UnsafeMutableBufferPointer(rebasing: scratch[0..<dims * (known - 1)])
        let extents = UnsafeMutableBufferPointer(rebasing: scratch[dims * (known - 1)..<dims * known])
        for j in 0..<(known - 1) {
            for d in 0..<dims {
                let inner = tiles[(j + 1) * dims + d]
                loopBound[j * dims + d] = (tiles[j * dims + d] + inner - 1) / inner
            }
        }
        for fill in fills {
            let i = fill.level
            let relevance = operands[fill.operand].relevance
            // Loop bounds above level i are known down to level m - 1.
            let m = min(i, known - 1)
            // The innermost known level above i with a loop the operand depends on: the
            // first such loop lies there or below, so every loop above that level refetches.
            var refetching = 0
            search: for j in stride(from: m - 1, through: 0, by: -1) {
                for d in 0..<dims where relevance & (1 << UInt32(d)) != 0 && loopBound[j * dims + d] > 1 {
                    refetching = j
                    break search
                }
            }
            var perInstance: Double
            if operands[fill.operand].isProjection {
                // Per dimension it depends on, the tile at level i times the loops above
                // spans at least level m's tile times the known loops above m.
                perInstance = 1
                for d in 0..<dims where relevance & (1 << UInt32(d)) != 0 {
                    perInstance *= Double(tiles[m * dims + d] * below[i * dims + d])
                }
                for j in 0..<m {
                    for d in 0..<dims where relevance & (1 << UInt32(d)) != 0 || j < refetching {
                        perInstance *= Double(loopBound[j * dims + d])
                    }
                }
            } else {
                if i < known {
                    for d in 0..<dims { extents[d] = tiles[i * dims + d] * below[i * dims + d] }
                    perInstance = operands[fill.operand].footprint(UnsafeBufferPointer(extents))
                } else {
                    perInstance = fill.smallest
                }
                for j in 0..<refetching {
                    for d in 0..<dims { perInstance *= Double(loopBound[j * dims + d]) }
                }
            }
            let total = max(perInstance * fill.instances, fill.tensor)
            let served = max(total / fill.multicast, fill.tensor)
            if operands[fill.operand].operand == .outputs {
                accesses[fill.parent * operandCount + fill.operand].updates += served
            } else {
                accesses[fill.level * operandCount + fill.operand].fills += total
                accesses[fill.parent * operandCount + fill.operand].reads += served
            }
        }
        // Each dimension's known loop bounds times level known - 1's tile.
        var steps = 1.0
        for d in 0..<dims {
            var product = tiles[(known - 1) * dims + d]
            for j in 0..<(known - 1) { product *= loopBound[j * dims + d] }
            extents[d] = product * below[d]
            steps *= Double(product)
        }
        // With every tile known the nest's extent, and so the output's size, is exact:
        // each holder reads back what it is updated beyond its first write of each
        // output, and those reads are partial sums, accumulator-wide, that refill the
        // holder below.
        if known == levels, let o = output {
            let size = operands[o].footprint(UnsafeBufferPointer(extents))
            var previous = -1
            for (i, replicas) in outputHolders {
                let index = i * operandCount + o
                let reads = max(0, accesses[index].updates - size * replicas)
                accesses[index].reads = reads
                if reads > 0 { accesses[index].wordBits = problem.accumulatorBits }
                accesses[index].fills = previous >= 0 ? accesses[previous * operandCount + o].reads : 0
                previous = i
            }
        }
        let (energy, seconds) = table.energyAndSeconds(
            accesses: UnsafeBufferPointer(accesses), problem: problem, macs: problem.macs,
            computeCycles: table.computeCycles(steps, problem: problem, dataflow: dataflow))
        return objective.score(energy: energy, seconds: seconds)
    }
}
