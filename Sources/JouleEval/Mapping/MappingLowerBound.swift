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
/// - a projection (a GEMM's operands) reaches a level from its parent as its whole tensor
///   (the real tiles of the dimensions it depends on add up to it, `TileCounts`) once per real
///   tile of every other dimension above the innermost known level with a loop it depends on
///   (the loop order only decides how many more loops refetch it), times its replicas over
///   the other dimensions' spatial loops;
/// - below c, the next level's tile must fit its size, so c's loop over each dimension takes
///   at least ceil(t_c / reach) steps, reach being the largest extent that level's tile can
///   take along it (`reach`); c's loops sure to run are ordered like the known levels' (each
///   choice a branch of its own), and a projection filling a level below c that depends on
///   one of them is refetched at least once per real tile of the sure loops outside it (real
///   tiles only grow with a loop bound);
/// - any other operand (a sliding window) takes, per instance, at least its tile, exact at a
///   known level and bounded below it (`smallestTile`), once per step of every loop above that
///   level; the parent serves it over its multicast;
/// - output read-backs and the partial sums sent back down count zero, and an output word is
///   the narrower of the output's and the accumulator's, unless a spatial reduction above the
///   level makes it hold partial sums whatever the tiling; once every tile is known the
///   read-backs are exact;
/// - compute takes, per dimension, at least one step per spatial extent below level c of each
///   real tile at level c (exact once every tile is known; SCALE-Sim's cycles on a systolic
///   array).
///
/// A test checks the bound of every branch against every mapping of the brute-force corpus.
struct MappingLowerBound {
    /// One operand's fills of one level from its parent.
    private struct Fill {
        var operand: Int
        var level: Int
        var parent: Int
        /// Instances of the level (its spatial fanout above), those over dimensions the operand
        /// does not depend on (its replicas) and the multicast since the parent.
        var instances: Double
        var replicas: Double
        var multicast: Double
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
    /// Each operand's elements.
    private let tensors: [Double]
    /// The loop orders the mapper tries (`LoopOrders`), shared by a search's pairs.
    private let orders: LoopOrders
    /// `reach[i * dims + d]`: the largest temporal extent along d that level i's tile can take
    /// and fit its size with every other dimension at one step (`Int.max` where nothing the
    /// level holds depends on d), so the loop of the level above over d has at least
    /// ceil(t / reach) steps.
    private let reach: [Int]

    /// The bound's parts for one spatial choice and hold matrix (`holds[o][i]`).
    init(
        problem: Problem, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]], dataflow: Dataflow, table: CostTable,
        objective: Objective, orders: LoopOrders, capacities: [Double], reach: [Int]? = nil
    ) {
        self.orders = orders
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
        let levelLoops = spatial.map { $0.x + $0.y }
        var fills: [Fill] = []
        var outputHolders: [(level: Int, replicas: Double)] = []
        var base = [OperandAccess](repeating: OperandAccess(), count: levels * operandCount)
        let macs = problem.macs
        for (o, operand) in problem.operands.enumerated() {
            let isOutput = operand.operand == .outputs
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
                        fills.append(
                            Fill(
                                operand: o, level: i, parent: parent, instances: instances, replicas: replication,
                                multicast: multicast))
                    }
                    parent = i
                    multicast = 1
                }
                for loop in levelLoops[i] {
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
                for loop in levelLoops[i] where !operand.isRelevant(loop.dimension) {
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
        tensors = problem.operands.map { operand in problem.bounds.withUnsafeBufferPointer { operand.footprint($0) } }
        self.output = problem.operands.firstIndex { $0.operand == .outputs }
        self.outputHolders = outputHolders
        self.reach =
            reach
            ?? (0..<levels).flatMap { i in
                Self.reach(problem: problem, level: i, holds: holds, below: below, capacity: capacities[i])
            }
    }

    /// Level i's largest temporal extent along each dimension that fits its `capacity` with the
    /// other dimensions at one step (`below`: every level's spatial extents at and below it,
    /// `TilingSpace.spatialBelow`), at the widths the tiling walk sizes tiles at
    /// (`TilingSpace.fits`): every tiling the walk gives stays within it. `Int.max` where no
    /// operand the level holds depends on the dimension, and at level 0, whose tile is the
    /// whole problem. The mapper keeps the rows of a search, which recur across its pairs.
    static func reach(problem: Problem, level i: Int, holds: [[Bool]], below: [Int], capacity: Double) -> [Int] {
        let dims = problem.bounds.count
        var reach = [Int](repeating: Int.max, count: dims)
        guard i > 0 else { return reach }
        let outputBits = problem.searchOutputBits
        problem.operands.withUnsafeBufferPointer { operands in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: dims) { extents in
                for e in 0..<dims { extents[e] = below[i * dims + e] }
                /// The held operands' bytes at `extents`: those that depend on d (`growing`)
                /// and the rest.
                func bytes(_ d: Int) -> (fixed: Double, growing: Double) {
                    var (fixed, growing) = (0.0, 0.0)
                    for (o, operand) in operands.enumerated() where holds[o][i] {
                        let bits = operand.operand == .outputs ? outputBits : operand.wordBits
                        let size = operand.footprint(UnsafeBufferPointer(extents)) * bits / 8
                        if operand.isRelevant(d) { growing += size } else { fixed += size }
                    }
                    return (fixed, growing)
                }
                let projections = operands.indices.allSatisfy { !holds[$0][i] || operands[$0].isProjection }
                for d in 0..<dims where problem.bounds[d] > 1 {
                    let unit = bytes(d)
                    guard unit.growing > 0 else { continue }
                    let top = problem.bounds[d]
                    func fits(_ extent: Int) -> Bool {
                        extents[d] = extent * below[i * dims + d]
                        defer { extents[d] = below[i * dims + d] }
                        let (fixed, growing) = bytes(d)
                        return fixed + growing <= capacity
                    }
                    // The fitting extents are a prefix of 1 ... top.
                    guard unit.fixed + unit.growing <= capacity else {
                        reach[d] = 1
                        continue
                    }
                    var (low, high) = (1, top)
                    if projections {
                        // A projection's bytes grow linearly with d's extent: the last that fits
                        // is (capacity - the others' bytes) / the growing ones' bytes per step,
                        // to within rounding, which the checks below settle.
                        let estimate = Int(min(Double(top), ((capacity - unit.fixed) / unit.growing).rounded(.down)))
                        low = max(1, min(top, estimate - 1))
                        high = max(low, min(top, estimate + 1))
                        if !fits(low) { (low, high) = (1, low) }
                        if high < top && fits(high) { (low, high) = (high, top) }
                    }
                    while low < high {
                        let middle = (low + high + 1) / 2
                        if fits(middle) { low = middle } else { high = middle - 1 }
                    }
                    reach[d] = low
                }
            }
        }
        return reach
    }

    /// The bound of every mapping whose levels 0 to `known - 1` take the temporal tiles in
    /// `tiles` (`tiles[i * dims + d]`, as `TilingSpace` builds them; `known` at least 1, since
    /// level 0 always holds the whole problem).
    func score(_ tiles: UnsafeBufferPointer<Int>, known: Int) -> Double {
        let dims = self.dims
        // Loop bounds are known above the deepest known level, and at every level once all are.
        let looped = known == levels ? levels : known - 1
        let scratch = TileCounts.scratchSize(loops: 2 * levels)
        return withUnsafeTemporaryAllocation(of: OperandAccess.self, capacity: base.count) { accesses in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: dims * (looped + 2) + scratch) { ints in
                withUnsafeTemporaryAllocation(of: Double.self, capacity: dims * (looped + 2) + scratch) { doubles in
                    problem.operands.withUnsafeBufferPointer { operands in
                        score(
                            tiles, known: known, looped: looped, operands: operands, accesses: accesses, ints: ints,
                            doubles: doubles)
                    }
                }
            }
        }
    }

    /// `score(_:known:)` with its scratch: `accesses` for the relaxed counts; `ints` for the
    /// known loop bounds, one tile's extents, the least loop bounds of the deepest known level
    /// and `TileCounts`; `doubles` for the real tiles after each known level, each dimension's
    /// steps, the least real tiles after the deepest known level and `TileCounts`.
    @inline(__always)
    private func score(
        _ tiles: UnsafeBufferPointer<Int>, known: Int, looped: Int, operands: UnsafeBufferPointer<ProblemOperand>,
        accesses: UnsafeMutableBufferPointer<OperandAccess>, ints: UnsafeMutableBufferPointer<Int>,
        doubles: UnsafeMutableBufferPointer<Double>
    ) -> Double {
        let dims = self.dims
        _ = accesses.initialize(from: base)
        defer { accesses.deinitialize() }
        // loopBound[j * dims + d] and realTiles[j * dims + d] (the real tiles along d after
        // level j's loops) for the levels whose loops are known (j < looped).
        let loopBound = UnsafeMutableBufferPointer(rebasing: ints[0..<dims * looped])
        let extents = UnsafeMutableBufferPointer(rebasing: ints[dims * looped..<dims * (looped + 1)])
        let realTiles = UnsafeMutableBufferPointer(rebasing: doubles[0..<dims * looped])
        let steps = UnsafeMutableBufferPointer(rebasing: doubles[dims * looped..<dims * (looped + 1)])
        // With a level below the deepest known one (c = known - 1), its tile fits that level's
        // size, so c's loop over d takes at least ceil(t_c / reach) steps (`least`), and
        // leaves at least `leastTiles[d]` real tiles (`TileCounts` only grow with a loop bound).
        let deepest = known - 1
        let partial = known < levels
        let least = UnsafeMutableBufferPointer(rebasing: ints[dims * (looped + 1)..<dims * (looped + 2)])
        let leastTiles = UnsafeMutableBufferPointer(rebasing: doubles[dims * (looped + 1)..<dims * (looped + 2)])
        for j in 0..<looped {
            for d in 0..<dims {
                let inner = j + 1 < levels ? tiles[(j + 1) * dims + d] : 1
                loopBound[j * dims + d] = (tiles[j * dims + d] + inner - 1) / inner
            }
        }
        for d in 0..<dims {
            var dimension = TileCounts(
                bound: problem.bounds[d], loops: 2 * levels,
                extents: UnsafeMutableBufferPointer(rebasing: ints[dims * (looped + 2)..<ints.count]),
                counts: UnsafeMutableBufferPointer(rebasing: doubles[dims * (looped + 2)..<doubles.count]))
            for j in 0..<looped {
                dimension.split(by: loopBound[j * dims + d], spatial: false)
                dimension.split(by: below[j * dims + d] / below[(j + 1) * dims + d], spatial: true)
                realTiles[j * dims + d] = dimension.tiles
            }
            // Each step covers at most the spatial extent below the deepest known level.
            steps[d] = known == levels ? dimension.tiles : dimension.steps(width: below[(known - 1) * dims + d])
            if partial {
                let reach = self.reach[(deepest + 1) * dims + d]
                let tile = tiles[deepest * dims + d]
                least[d] = reach == Int.max ? 1 : (tile + reach - 1) / reach
                dimension.split(by: least[d], spatial: false)
                leastTiles[d] = dimension.tiles
            }
        }
        var cycles = 1.0
        for d in 0..<dims { cycles *= steps[d] }
        // The loop orders the mapper tries (`LoopOrders`) at the known levels above
        // the two innermost, and at the deepest known level when a level lies below it: each
        // combination is a branch of its own, so the bound is the least over them. Deeper
        // levels' orders stay free (their refetches count zero).
        let ordered = max(0, min(known - 1, levels - 2)) + (partial ? 1 : 0)
        // Each level's choices (`LoopOrders`), memoized there; the deepest known level's over
        // its sure loops.
        var sure: UInt32 = 0
        if partial { for d in 0..<dims where least[d] > 1 { sure |= 1 << UInt32(d) } }
        let choices = (0..<ordered).map { j in
            partial && j == deepest
                ? self.orders.relaxedChoices(level: j, sure: sure)
                : self.orders.choices(level: j, bounds: UnsafeBufferPointer(loopBound), dims: dims)
        }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * ordered) { scratch in
            let orders = UnsafeMutableBufferPointer(rebasing: scratch[0..<ordered])
            let digits = UnsafeMutableBufferPointer(rebasing: scratch[ordered..<2 * ordered])
            for j in 0..<ordered {
                digits[j] = 0
                orders[j] = choices[j][0]
            }
            var lowest = Double.infinity
            while true {
                _ = accesses.update(fromContentsOf: base)
                lowest = min(
                    lowest,
                    evaluate(
                        known: known, orders: UnsafeBufferPointer(orders), operands: operands, accesses: accesses,
                        loopBound: UnsafeBufferPointer(loopBound), realTiles: UnsafeBufferPointer(realTiles),
                        least: partial ? UnsafeBufferPointer(least) : nil, leastTiles: UnsafeBufferPointer(leastTiles),
                        extents: extents, tiles: tiles, cycles: cycles))
                if !LoopOrders.advance(orders, digits: digits, choices: choices) { return lowest }
            }
        }
    }

    /// The score of the relaxed counts with the loop orders of the levels above `orders.count`
    /// fixed (`orders[j]`: level j's order code, `LoopOrders`).
    /// With `least` (a level lies below the deepest known one, c), `orders[c]` orders c's
    /// loops that are sure to run, and a projection filling a level below c with one of them
    /// is refetched at least per real tile (`leastTiles`) of the sure loops outside it.
    @inline(__always)
    private func evaluate(
        known: Int, orders: UnsafeBufferPointer<Int>, operands: UnsafeBufferPointer<ProblemOperand>,
        accesses: UnsafeMutableBufferPointer<OperandAccess>, loopBound: UnsafeBufferPointer<Int>,
        realTiles: UnsafeBufferPointer<Double>, least: UnsafeBufferPointer<Int>?,
        leastTiles: UnsafeBufferPointer<Double>,
        extents: UnsafeMutableBufferPointer<Int>, tiles: UnsafeBufferPointer<Int>, cycles: Double
    ) -> Double {
        let operandCount = operands.count
        let dims = self.dims
        let deepest = known - 1
        for fill in fills {
            let i = fill.level
            let operand = operands[fill.operand]
            let relevance = operand.relevance
            // Below c, the sure loops of c the operand depends on, and those outside the innermost.
            var sureRelevant = false
            var sureOutside: UInt32 = 0
            if let least, i > deepest {
                var seen: UInt32 = 0
                LoopOrders.loops(least, level: 0, dims: dims, order: orders[deepest]) { loop in
                    if relevance & (1 << UInt32(loop.dimension)) != 0 {
                        sureOutside = seen
                        sureRelevant = true
                    }
                    seen |= 1 << UInt32(loop.dimension)
                }
            }
            // Loop bounds above level i are known down to level m - 1.
            let m = min(i, known - 1)
            // The innermost known level above i with a loop the operand depends on: the
            // first such loop lies there or below, so every loop above that level refetches,
            // and, where that level's order is fixed, every loop of it outside its innermost
            // loop the operand depends on.
            var refetching = -1
            search: for j in stride(from: m - 1, through: 0, by: -1) {
                for d in 0..<dims where relevance & (1 << UInt32(d)) != 0 && loopBound[j * dims + d] > 1 {
                    refetching = j
                    break search
                }
            }
            // The dimensions whose loops at that level lie outside its innermost relevant one.
            var outside: UInt32 = 0
            if refetching >= 0 && refetching < orders.count {
                var seen: UInt32 = 0
                LoopOrders.loops(loopBound, level: refetching, dims: dims, order: orders[refetching]) { loop in
                    if relevance & (1 << UInt32(loop.dimension)) != 0 { outside = seen }
                    seen |= 1 << UInt32(loop.dimension)
                }
            }
            let total: Double
            if operand.isProjection {
                // The real tiles of the dimensions it depends on add up to the tensor; each
                // is fetched again per real tile of the other dimensions' refetching loops.
                var refetches = 1.0
                if sureRelevant {
                    // Every loop above c refetches; c's sure loops outside its innermost
                    // relevant one at least `leastTiles` times.
                    for d in 0..<dims where relevance & (1 << UInt32(d)) == 0 {
                        if sureOutside & (1 << UInt32(d)) != 0 {
                            refetches *= leastTiles[d]
                        } else if deepest > 0 {
                            refetches *= realTiles[(deepest - 1) * dims + d]
                        }
                    }
                } else if refetching >= 0 {
                    for d in 0..<dims where relevance & (1 << UInt32(d)) == 0 {
                        if outside & (1 << UInt32(d)) != 0 {
                            refetches *= realTiles[refetching * dims + d]
                        } else if refetching > 0 {
                            refetches *= realTiles[(refetching - 1) * dims + d]
                        }
                    }
                }
                total = tensors[fill.operand] * refetches * fill.replicas
            } else {
                for d in 0..<dims { extents[d] = smallestTile(i, d, tiles, loopBound, known: known) }
                var perInstance = operand.footprint(UnsafeBufferPointer(extents))
                for j in 0..<max(0, refetching) {
                    for d in 0..<dims { perInstance *= Double(loopBound[j * dims + d]) }
                }
                for d in 0..<dims where outside & (1 << UInt32(d)) != 0 {
                    perInstance *= Double(loopBound[refetching * dims + d])
                }
                total = perInstance * fill.instances
            }
            let served = total / fill.multicast
            if operand.operand == .outputs {
                accesses[fill.parent * operandCount + fill.operand].updates += served
            } else {
                accesses[fill.level * operandCount + fill.operand].fills += total
                accesses[fill.parent * operandCount + fill.operand].reads += served
            }
        }
        // Each holder reads back what it is updated beyond its first write of each output,
        // and those reads are partial sums, accumulator-wide, that refill the holder below:
        // from updates that are at most the real ones these are too (exact once every tile
        // is known), and a holder read back even so holds partial sums in every mapping.
        if let o = output {
            var previous = -1
            for (i, replicas) in outputHolders {
                let index = i * operandCount + o
                let reads = max(0, accesses[index].updates - tensors[o] * replicas)
                accesses[index].reads = reads
                if reads > 0 { accesses[index].wordBits = problem.accumulatorBits }
                accesses[index].fills = previous >= 0 ? accesses[previous * operandCount + o].reads : 0
                previous = i
            }
        }
        let (energy, seconds) = table.energyAndSeconds(
            accesses: UnsafeBufferPointer(accesses), problem: problem, macs: problem.macs,
            computeCycles: table.computeCycles(cycles, problem: problem, dataflow: dataflow))
        return objective.score(energy: energy, seconds: seconds)
    }

    /// A lower bound on level i's tile along d (`TileCounts`: ceil(P / F), F the product of the
    /// loops above it) over every mapping of the branch: exact for a known level; below the deepest
    /// known level c, each unknown bound ceil(t_k / t_(k+1)) is at most 2 t_k / t_(k+1), so the
    /// temporal bounds from c down to i multiply to at most 2^(i - c) t_c.
    @inline(__always)
    private func smallestTile(
        _ i: Int, _ d: Int, _ tiles: UnsafeBufferPointer<Int>, _ loopBound: UnsafeBufferPointer<Int>,
        known: Int
    ) -> Int {
        let bound = problem.bounds[d]
        // F, saturated at the bound (past it the tile is one element).
        var product = below[d] / below[i * dims + d]
        func times(_ factor: Int) {
            let (next, overflow) = product.multipliedReportingOverflow(by: factor)
            product = overflow ? bound : min(next, bound)
        }
        for j in 0..<min(i, known - 1) { times(loopBound[j * dims + d]) }
        if i >= known {
            times(tiles[(known - 1) * dims + d])
            for _ in known...i { times(2) }
        }
        return (bound + product - 1) / product
    }
}
