import JouleSpec

/// Why a mapping cannot run on the hardware.
public struct MappingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the level and the numbers.
    public var message: String
    /// The memory level at fault (an index into the hardware's levels), when there is one.
    public var level: Int?
    /// The problem dimension at fault, when there is one.
    public var dimension: Int?
    public var description: String { message }

    /// An error with what it is about.
    public init(message: String, level: Int? = nil, dimension: Int? = nil) {
        self.message = message
        self.level = level
        self.dimension = dimension
    }
}

/// Derives per-level, per-operand access counts from a mapping, with Timeloop's accounting:
///
/// - a level's tile spans every loop at and below it: along a dimension of bound P that the
///   loops above it split F ways, ceil(P / F) (so a bound that does not divide leaves a last,
///   smaller tile, costed as the remainder it is; `TileCounts`);
/// - compute steps through the real temporal tiles of every dimension, and a projection's
///   (a GEMM operand's) fills move its real tiles only; a sliding window's operand moves its
///   nominal tile per step;
/// - fills from the parent count each tile once per iteration of the loops above the level,
///   except the innermost run of loops irrelevant to the operand (the tile stays resident);
///   along the innermost relevant loop only new data is fetched (sliding windows reuse their
///   overlap);
/// - one parent read multicast to children along spatial loops irrelevant to the operand
///   counts once, and partial sums of spatial loops irrelevant to the output are reduced
///   before they update the parent;
/// - the innermost level holding an operand serves every MAC;
/// - output reads are updates minus the first write of each output (not preceded by a read),
///   and those partial sums refill the child;
/// - the output is stored and moves at the accumulator's width at levels that hold partial
///   sums (`holdsPartialSums`).
public enum ReuseAnalysis {
    /// Checks that `mapping` covers the problem and fits the fanouts, then counts accesses.
    public static func analyze(problem: Problem, mapping: Mapping, hardware: Accelerator) throws(MappingError)
        -> AccessCounts
    {
        try validate(problem: problem, mapping: mapping, hardware: hardware)
        return counts(
            problem: problem, mapping: mapping,
            holds: holdMatrix(problem: problem, mapping: mapping, hardware: hardware))
    }

    /// Which levels hold which operand: the hardware's `holds` less the mapping's bypasses.
    public static func holdMatrix(problem: Problem, mapping: Mapping, hardware: Accelerator) -> [[Bool]] {
        problem.operands.map { operand in
            hardware.memory.indices.map { i in
                hardware.memory[i].holds.contains(operand.operand)
                    && !(i < mapping.levels.count && mapping.levels[i].bypass.contains(operand.operand))
            }
        }
    }

    /// The spatial fanout available below each level: instances of the next level per instance,
    /// and for the innermost level the PEs (times MACs per PE) per instance.
    public static func fanouts(_ hardware: Accelerator, macsPerPE: Int) -> [Int] {
        hardware.memory.indices.map { i in
            if i + 1 < hardware.memory.count { return hardware.fanout(below: i) }
            return hardware.compute.processingElements / max(1, hardware.memory[i].instances) * macsPerPE
        }
    }

    /// The largest product of one dimension's loop bounds a mapping may have (2^62), so that
    /// tile extents stay exact integers.
    static let largestExtent = 1 << 62

    static func validate(problem: Problem, mapping: Mapping, hardware: Accelerator) throws(MappingError) {
        guard mapping.levels.count == hardware.memory.count else {
            throw MappingError(
                message:
                    "the mapping has \(mapping.levels.count) levels but \(hardware.name) has \(hardware.memory.count) memory levels"
            )
        }
        var covered = [Int](repeating: 1, count: problem.bounds.count)
        for (i, level) in mapping.levels.enumerated() {
            for loop in level.temporal + level.spatialX + level.spatialY {
                guard loop.dimension >= 0 && loop.dimension < problem.bounds.count else {
                    throw MappingError(
                        message: "level \(hardware.memory[i].name) loops over a dimension the operator lacks", level: i)
                }
                guard loop.bound >= 1 else {
                    throw MappingError(
                        message: "level \(hardware.memory[i].name): loop bound \(loop.bound) must be at least 1",
                        level: i, dimension: loop.dimension)
                }
                // Tile extents are products of these factors: past 2^62 they would overflow.
                let (product, overflow) = covered[loop.dimension].multipliedReportingOverflow(by: loop.bound)
                guard !overflow, product <= Self.largestExtent else {
                    throw MappingError(
                        message:
                            "the factors of \(problem.dimensions[loop.dimension]) multiply past 2^62 at level \(hardware.memory[i].name); no loop needs to be longer than the dimension's bound \(problem.bounds[loop.dimension])",
                        level: i, dimension: loop.dimension)
                }
                covered[loop.dimension] = product
            }
        }
        for d in problem.bounds.indices where covered[d] < problem.bounds[d] {
            throw MappingError(
                message:
                    "the factors of \(problem.dimensions[d]) multiply to \(covered[d]), which does not cover its bound \(problem.bounds[d])",
                dimension: d)
        }
        let holds = holdMatrix(problem: problem, mapping: mapping, hardware: hardware)
        for (o, operand) in problem.operands.enumerated() where !holds[o].contains(true) {
            throw MappingError(
                message: "no level holds \(operand.operand) under this mapping (every level bypasses it)",
                level: hardware.memory.lastIndex { $0.holds.contains(operand.operand) })
        }
        try checkCapacity(problem: problem, mapping: mapping, hardware: hardware, holds: holds)
        let maxRate = hardware.compute.precisions.values.map(\.macsPerPEPerCycle).max() ?? 1
        let fanout = fanouts(hardware, macsPerPE: maxRate)
        for (i, level) in mapping.levels.enumerated() where level.spatialFanout > fanout[i] {
            throw MappingError(
                message:
                    "level \(hardware.memory[i].name) fans out \(level.spatialFanout) ways but has only \(fanout[i]) children",
                level: i)
        }
    }

    /// The bytes the tiles of the operands held at `level` take, with each one's share as text
    /// (`weights 2 B`) for messages, when the output's words are `outputBits` wide there.
    static func heldTileBytes(problem: Problem, extents: [Int], holds: [[Bool]], level: Int, outputBits: Double) -> (
        bytes: Double, parts: [String]
    ) {
        var bytes = 0.0
        var parts: [String] = []
        for (o, var operand) in problem.operands.enumerated() where holds[o][level] {
            if operand.operand == .outputs { operand.wordBits = outputBits }
            let size = extents.withUnsafeBufferPointer { operand.tileBytes($0) }
            bytes += size
            parts.append("\(operand.operand) \(Bytes(si: size))")
        }
        return (bytes, parts)
    }

    /// Checks that the tiles each level holds fit its size, the output's at the accumulator's
    /// width where the level holds partial sums.
    static func checkCapacity(problem: Problem, mapping: Mapping, hardware: Accelerator, holds: [[Bool]])
        throws(MappingError)
    {
        // Level i's tile: ceil(P / F) along each dimension, F the product of the loops above it.
        var product = [Int](repeating: 1, count: problem.bounds.count)
        var tiles: [[Int]] = []
        for level in mapping.levels {
            tiles.append(problem.bounds.indices.map { d in (problem.bounds[d] + product[d] - 1) / product[d] })
            for loop in level.temporal + level.spatialX + level.spatialY { product[loop.dimension] *= loop.bound }
        }
        let output = problem.operands.firstIndex { $0.operand == .outputs }
        let counts = output == nil ? nil : counts(problem: problem, mapping: mapping, holds: holds)
        for i in stride(from: mapping.levels.count - 1, through: 0, by: -1) {
            let extents = tiles[i]
            let outputBits = output.flatMap { counts?.access(level: i, operand: $0).wordBits } ?? 0
            let (bytes, parts) = heldTileBytes(
                problem: problem, extents: extents, holds: holds, level: i, outputBits: outputBits)
            let capacity = hardware.memory[i].size.si
            if bytes > capacity {
                throw MappingError(
                    message:
                        "the tiles at \(hardware.memory[i].name) need \(Bytes(si: bytes)) (\(parts.joined(separator: ", "))) but it holds \(hardware.memory[i].size)",
                    level: i)
            }
        }
    }

    /// One loop of the flattened nest.
    struct FlatLoop {
        var level: Int
        var dimension: Int
        var bound: Int
        var spatial: Bool
    }

    /// What a count yields besides the per-level accesses.
    struct NestTotals {
        /// MAC slots, padding included.
        var paddedMACs: Double
        /// Product of the temporal bounds.
        var temporalCycles: Double
        /// Product of the spatial bounds.
        var spatialUnits: Double
    }

    /// Counts the accesses of a mapping on a validated mapping.
    static func counts(problem: Problem, mapping: Mapping, holds: [[Bool]]) -> AccessCounts {
        var loops: [FlatLoop] = []
        for (i, level) in mapping.levels.enumerated() {
            for loop in level.temporal {
                loops.append(FlatLoop(level: i, dimension: loop.dimension, bound: loop.bound, spatial: false))
            }
            for loop in level.spatialX + level.spatialY {
                loops.append(FlatLoop(level: i, dimension: loop.dimension, bound: loop.bound, spatial: true))
            }
        }
        let levelCount = mapping.levels.count
        let operandCount = problem.operands.count
        let held = holds.flatMap { $0 }
        var accesses = [OperandAccess](repeating: OperandAccess(), count: levelCount * operandCount)
        let totals = loops.withUnsafeBufferPointer { loops in
            held.withUnsafeBufferPointer { held in
                accesses.withUnsafeMutableBufferPointer { accesses in
                    count(problem: problem, loops: loops, levelCount: levelCount, holds: held, into: accesses)
                }
            }
        }
        return AccessCounts(
            accesses: accesses, operandCount: operandCount, macs: problem.macs,
            paddedMACs: totals.paddedMACs, temporalCycles: totals.temporalCycles, spatialUnits: totals.spatialUnits)
    }

    /// The counting itself: `loops` is the nest outermost first (so grouped by level, in level
    /// order), `holds[o * levelCount + i]` whether level i holds operand o, and `accesses`
    /// (level-major, zeroed here) receives the counts. `tileCounts`, when given, holds what
    /// `TileCounts.count` would find: the real tiles after each loop, then each dimension's
    /// steps (a nest's loop order within a level changes neither). Scratch lives on the stack and
    /// projections skip the index sums: this is the mapper's hot path.
    static func count(
        problem: Problem, loops: UnsafeBufferPointer<FlatLoop>, levelCount: Int, holds: UnsafeBufferPointer<Bool>,
        into accesses: UnsafeMutableBufferPointer<OperandAccess>, tileCounts: UnsafeBufferPointer<Double>? = nil
    ) -> NestTotals {
        let dims = problem.bounds.count
        accesses.update(repeating: OperandAccess())
        return problem.operands.withUnsafeBufferPointer { operands in
            problem.bounds.withUnsafeBufferPointer { bounds in
                let operandCount = operands.count
                return withUnsafeTemporaryAllocation(of: Int.self, capacity: (levelCount + 2) * (dims + 1)) { ints in
                    withUnsafeTemporaryAllocation(
                        of: Double.self, capacity: levelCount * (operandCount + 1) + loops.count + dims
                    ) { doubles in
                        // extents[i * dims + d]: level i's tile along d, the nominal extent the
                        // loops above it leave (`TileCounts`).
                        let extents = UnsafeMutableBufferPointer(rebasing: ints[0..<(levelCount + 1) * dims])
                        let product = UnsafeMutableBufferPointer(
                            rebasing: ints[(levelCount + 1) * dims..<(levelCount + 2) * dims])
                        // firstLoop[i]: the position of level i's first loop, or of the first loop below it.
                        let firstLoop = UnsafeMutableBufferPointer(
                            rebasing: ints[(levelCount + 2) * dims..<ints.count])
                        // spatialAll[i], spatialIrrelevant[o * levelCount + i]: products of level i's spatial bounds.
                        let spatialEnd = levelCount * (operandCount + 1)
                        let spatialAll = UnsafeMutableBufferPointer(rebasing: doubles[0..<levelCount])
                        let spatialIrrelevant = UnsafeMutableBufferPointer(rebasing: doubles[levelCount..<spatialEnd])
                        let tiles = UnsafeMutableBufferPointer(rebasing: doubles[spatialEnd..<spatialEnd + loops.count])
                        let steps = UnsafeMutableBufferPointer(
                            rebasing: doubles[spatialEnd + loops.count..<doubles.count])
                        product.update(repeating: 1)
                        spatialAll.update(repeating: 1)
                        spatialIrrelevant.update(repeating: 1)
                        var totals = NestTotals(paddedMACs: 1, temporalCycles: 1, spatialUnits: 1)
                        var pos = 0
                        for i in 0..<levelCount {
                            for d in 0..<dims { extents[i * dims + d] = (bounds[d] + product[d] - 1) / product[d] }
                            firstLoop[i] = pos
                            while pos < loops.count && loops[pos].level == i {
                                let loop = loops[pos]
                                product[loop.dimension] *= loop.bound
                                let bound = Double(loop.bound)
                                totals.paddedMACs *= bound
                                if loop.spatial {
                                    totals.spatialUnits *= bound
                                    spatialAll[i] *= bound
                                    for o in 0..<operandCount where !operands[o].isRelevant(loop.dimension) {
                                        spatialIrrelevant[o * levelCount + i] *= bound
                                    }
                                }
                                pos += 1
                            }
                        }
                        for d in 0..<dims { extents[levelCount * dims + d] = 1 }
                        firstLoop[levelCount] = loops.count
                        if let tileCounts {
                            // Given in loop order, then the steps per dimension.
                            _ = tiles.update(fromContentsOf: tileCounts[0..<loops.count])
                            _ = steps.update(fromContentsOf: tileCounts[loops.count..<loops.count + dims])
                        } else {
                            TileCounts.count(bounds: bounds, loops: loops, into: tiles, steps: steps)
                        }
                        for d in 0..<dims { totals.temporalCycles *= steps[d] }
                        let nest = Nest(
                            loops: loops, extents: UnsafeBufferPointer(extents), bounds: bounds,
                            tiles: UnsafeBufferPointer(tiles), dims: dims)
                        let macs = problem.macs
                        for o in 0..<operandCount {
                            countOperand(
                                o, of: operands[o], macs: macs, nest: nest,
                                firstLoop: UnsafeBufferPointer(firstLoop),
                                spatialAll: UnsafeBufferPointer(spatialAll),
                                spatialIrrelevant: UnsafeBufferPointer(
                                    rebasing: spatialIrrelevant[o * levelCount..<(o + 1) * levelCount]),
                                holds: UnsafeBufferPointer(rebasing: holds[o * levelCount..<(o + 1) * levelCount]),
                                accumulatorBits: problem.accumulatorBits,
                                operandCount: operandCount, into: accesses)
                        }
                        return totals
                    }
                }
            }
        }
    }

    /// The flattened nest with each level's tile extents, as `count` builds them.
    struct Nest {
        var loops: UnsafeBufferPointer<FlatLoop>
        var extents: UnsafeBufferPointer<Int>
        /// The problem's bounds.
        var bounds: UnsafeBufferPointer<Int>
        /// `tiles[p]`: the tiles of loop p's dimension after it (`TileCounts`).
        var tiles: UnsafeBufferPointer<Double>
        var dims: Int

        /// Extents of level i's tile (level 0's spans the whole problem).
        @inline(__always) func extents(ofLevel i: Int) -> UnsafeBufferPointer<Int> {
            UnsafeBufferPointer(rebasing: extents[i * dims..<(i + 1) * dims])
        }

        /// One step of the loop at `position`: the nominal extent of dimension d it leaves.
        func step(after position: Int, dimension d: Int) -> Int {
            var product = 1
            for p in 0...position where loops[p].dimension == d { product *= loops[p].bound }
            return (bounds[d] + product - 1) / product
        }

        /// Per instance, the distinct tiles of the irrelevant dimensions of an operand that the
        /// loops before `position` step through (each dimension's deepest temporal loop there).
        func irrelevantTiles(before position: Int, relevance: UInt32) -> Double {
            var seen = relevance
            var product = 1.0
            for p in stride(from: position - 1, through: 0, by: -1) {
                let loop = loops[p]
                let bit = UInt32(1) << UInt32(loop.dimension)
                guard !loop.spatial, seen & bit == 0 else { continue }
                seen |= bit
                product *= tiles[p]
            }
            return product
        }
    }

    /// One operand's reads, fills and updates at every level.
    @inline(__always)
    private static func countOperand(
        _ o: Int, of operand: ProblemOperand, macs: Double, nest: Nest, firstLoop: UnsafeBufferPointer<Int>,
        spatialAll: UnsafeBufferPointer<Double>, spatialIrrelevant: UnsafeBufferPointer<Double>,
        holds: UnsafeBufferPointer<Bool>, accumulatorBits: Double,
        operandCount: Int, into accesses: UnsafeMutableBufferPointer<OperandAccess>
    ) {
        let levelCount = holds.count
        let isOutput = operand.operand == .outputs
        // The operand's real size: the loops' remainders are never padded (`TileCounts`).
        let tensor = operand.footprint(nest.bounds)
        var parent = -1
        var instances = 1.0  // spatial fanout above the current level
        var multicast = 1.0  // irrelevant spatial fanout since the parent
        var replication = 1.0  // irrelevant spatial fanout above the current level
        for i in 0..<levelCount {
            if holds[i] {
                let extents = nest.extents(ofLevel: i)
                let tile = operand.footprint(extents)
                accesses[i * operandCount + o].tile = tile
                accesses[i * operandCount + o].held = true
                accesses[i * operandCount + o].wordBits = operand.wordBits
                if parent >= 0 {
                    let total =
                        operand.isProjection
                        ? tensor * projectionRefetches(operand, nest: nest, above: firstLoop[i]) * replication
                        : fills(operand: operand, tile: tile, extents: extents, nest: nest, above: firstLoop[i])
                            * instances
                    if isOutput {
                        accesses[parent * operandCount + o].updates += total / multicast
                    } else {
                        accesses[i * operandCount + o].fills += total
                        accesses[parent * operandCount + o].reads += total / multicast
                    }
                }
                if isOutput { accesses[i * operandCount + o].fills = replication }  // stash, resolved below
                parent = i
                multicast = 1
            }
            instances *= spatialAll[i]
            multicast *= spatialIrrelevant[i]
            replication *= spatialIrrelevant[i]
        }
        guard parent >= 0 else { return }
        // The innermost holder serves every MAC, once per multicast group below it.
        var below = 1.0
        for i in parent..<levelCount { below *= spatialIrrelevant[i] }
        if isOutput {
            accesses[parent * operandCount + o].updates += macs / below
            let outputSize = tensor
            var previous = -1
            for i in 0..<levelCount where holds[i] {
                let index = i * operandCount + o
                let replicas = accesses[index].fills
                let reads = max(0, accesses[index].updates - outputSize * replicas)
                accesses[index].reads = reads
                if holdsPartialSums(reads: reads, replicas: replicas) { accesses[index].wordBits = accumulatorBits }
                accesses[index].fills = previous >= 0 ? accesses[previous * operandCount + o].reads : 0
                previous = i
            }
        } else {
            accesses[parent * operandCount + o].reads += macs / below
        }
    }

    /// How many times a projection's tiles, together the whole tensor, reach a level per
    /// instance group: once per real tile of every irrelevant dimension whose loop lies outside
    /// the innermost loop the operand depends on (inside it the tile stays resident). The
    /// relevant dimensions' tiles, remainders included, add up to the tensor, so no padding is
    /// moved.
    @inline(__always)
    private static func projectionRefetches(_ operand: ProblemOperand, nest: Nest, above: Int) -> Double {
        for position in stride(from: above - 1, through: 0, by: -1) {
            let entry = nest.loops[position]
            if !entry.spatial && entry.bound > 1 && operand.isRelevant(entry.dimension) {
                return nest.irrelevantTiles(before: position, relevance: operand.relevance)
            }
        }
        return 1
    }

    /// Per-instance fills of a tile that is not a projection: walking the temporal loops above it from the innermost out,
    /// irrelevant loops keep it resident, the first relevant loop fetches only new data per step,
    /// and every loop outside that refetches.
    @inline(__always)
    private static func fills(
        operand: ProblemOperand, tile: Double, extents: UnsafeBufferPointer<Int>, nest: Nest, above: Int
    ) -> Double {
        var result = tile
        var foundRelevant = false
        var outer = 1.0
        for position in stride(from: above - 1, through: 0, by: -1) {
            let entry = nest.loops[position]
            if entry.spatial || entry.bound == 1 { continue }
            if foundRelevant {
                outer *= Double(entry.bound)
                continue
            }
            guard operand.isRelevant(entry.dimension) else { continue }
            foundRelevant = true
            // A projection's tiles never overlap: each step fetches a whole new tile.
            let fraction =
                operand.isProjection
                ? 1.0 : slidingFraction(operand, dimension: entry.dimension, extents: extents, nest: nest, at: position)
            result = tile + Double(entry.bound - 1) * tile * fraction
        }
        return result * outer
    }

    /// The share of a tile that is new after one step of the loop at `position` over
    /// `dimension` (sliding windows reuse their overlap).
    private static func slidingFraction(
        _ operand: ProblemOperand, dimension d: Int, extents: UnsafeBufferPointer<Int>, nest: Nest, at position: Int
    ) -> Double {
        let step = nest.step(after: position, dimension: d)
        var fraction = 1.0
        for (axis, index) in operand.indices.enumerated() {
            guard let term = index.first(where: { $0.dimension == d }) else { continue }
            let span = Double(operand.span(axis, extents))
            fraction *= min(span, Double(term.stride * step)) / span
        }
        return fraction
    }
}
