import JouleSpec

/// Why a mapping cannot run on the hardware.
public struct MappingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, naming the level and the numbers.
    public var message: String
    public var description: String { message }
}

/// Derives per-level, per-operand access counts from a mapping, with Timeloop's accounting:
///
/// - a level's tile spans every loop at and below it;
/// - fills from the parent count each tile once per iteration of the loops above the level,
///   except the innermost run of loops irrelevant to the operand (the tile stays resident);
///   along the innermost relevant loop only new data is fetched (sliding windows reuse their
///   overlap);
/// - one parent read multicast to children along spatial loops irrelevant to the operand
///   counts once, and partial sums of spatial loops irrelevant to the output are reduced
///   before they update the parent;
/// - the innermost level holding an operand serves every MAC;
/// - output reads are updates minus the first write of each output (not preceded by a read),
///   and those partial sums refill the child.
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
                        message: "level \(hardware.memory[i].name) loops over a dimension the operator lacks")
                }
                guard loop.bound >= 1 else {
                    throw MappingError(
                        message: "level \(hardware.memory[i].name): loop bound \(loop.bound) must be at least 1")
                }
                covered[loop.dimension] *= loop.bound
            }
        }
        for d in problem.bounds.indices where covered[d] < problem.bounds[d] {
            throw MappingError(
                message:
                    "the factors of \(problem.dimensions[d]) multiply to \(covered[d]), which does not cover its bound \(problem.bounds[d])"
            )
        }
        let holds = holdMatrix(problem: problem, mapping: mapping, hardware: hardware)
        for (o, operand) in problem.operands.enumerated() where !holds[o].contains(true) {
            throw MappingError(
                message: "no level holds \(operand.operand) under this mapping (every level bypasses it)")
        }
        try checkCapacity(problem: problem, mapping: mapping, hardware: hardware, holds: holds)
        let maxRate = hardware.compute.precisions.values.map(\.macsPerPEPerCycle).max() ?? 1
        let fanout = fanouts(hardware, macsPerPE: maxRate)
        for (i, level) in mapping.levels.enumerated() where level.spatialFanout > fanout[i] {
            throw MappingError(
                message:
                    "level \(hardware.memory[i].name) fans out \(level.spatialFanout) ways but has only \(fanout[i]) children"
            )
        }
    }

    /// The bytes the tiles of the operands held at `level` take, with each one's share as text
    /// (`weights 2 B`) for messages.
    static func heldTileBytes(problem: Problem, extents: [Int], holds: [[Bool]], level: Int) -> (
        bytes: Double, parts: [String]
    ) {
        var bytes = 0.0
        var parts: [String] = []
        for (o, operand) in problem.operands.enumerated() where holds[o][level] {
            let size = extents.withUnsafeBufferPointer { operand.footprint($0) } * Double(operand.wordBits) / 8
            bytes += size
            parts.append("\(operand.operand) \(Bytes(si: size))")
        }
        return (bytes, parts)
    }

    /// Checks that the tiles each level holds fit its size.
    static func checkCapacity(problem: Problem, mapping: Mapping, hardware: Accelerator, holds: [[Bool]])
        throws(MappingError)
    {
        let dims = problem.bounds.count
        var extents = [Int](repeating: 1, count: dims)
        for i in stride(from: mapping.levels.count - 1, through: 0, by: -1) {
            let level = mapping.levels[i]
            for loop in level.temporal + level.spatialX + level.spatialY { extents[loop.dimension] *= loop.bound }
            let (bytes, parts) = heldTileBytes(problem: problem, extents: extents, holds: holds, level: i)
            let capacity = hardware.memory[i].size.si
            if bytes > capacity {
                throw MappingError(
                    message:
                        "the tiles at \(hardware.memory[i].name) need \(Bytes(si: bytes)) (\(parts.joined(separator: ", "))) but it holds \(hardware.memory[i].size)"
                )
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

    /// The counting itself, on a validated mapping. Flat arrays only: this is the mapper's hot path.
    static func counts(problem: Problem, mapping: Mapping, holds: [[Bool]]) -> AccessCounts {
        let levelCount = mapping.levels.count
        let dims = problem.bounds.count
        let operandCount = problem.operands.count
        // Flatten the nest outermost first, remembering each loop's level and kind.
        var loops: [FlatLoop] = []
        loops.reserveCapacity(24)
        for (i, level) in mapping.levels.enumerated() {
            for loop in level.temporal {
                loops.append(FlatLoop(level: i, dimension: loop.dimension, bound: loop.bound, spatial: false))
            }
            for loop in level.spatialX {
                loops.append(FlatLoop(level: i, dimension: loop.dimension, bound: loop.bound, spatial: true))
            }
            for loop in level.spatialY {
                loops.append(FlatLoop(level: i, dimension: loop.dimension, bound: loop.bound, spatial: true))
            }
        }
        let n = loops.count
        // inner[pos * dims + d]: product of bounds of loops at positions >= pos in dimension d.
        var inner = [Int](repeating: 1, count: (n + 1) * dims)
        var firstLoop = [Int](repeating: n, count: levelCount + 1)
        var paddedMACs = 1.0
        var temporal = 1.0
        var spatialUnits = 1.0
        // spatialAll[i], spatialIrrelevant[o * levelCount + i]: products of level i's spatial bounds.
        var spatialAll = [Double](repeating: 1, count: levelCount)
        var spatialIrrelevant = [Double](repeating: 1, count: operandCount * levelCount)
        for pos in stride(from: n - 1, through: 0, by: -1) {
            let loop = loops[pos]
            for d in 0..<dims { inner[pos * dims + d] = inner[(pos + 1) * dims + d] }
            inner[pos * dims + loop.dimension] *= loop.bound
            firstLoop[loop.level] = pos
            let bound = Double(loop.bound)
            paddedMACs *= bound
            if loop.spatial {
                spatialUnits *= bound
                spatialAll[loop.level] *= bound
                for (o, operand) in problem.operands.enumerated() where !operand.isRelevant(loop.dimension) {
                    spatialIrrelevant[o * levelCount + loop.level] *= bound
                }
            } else {
                temporal *= bound
            }
        }
        for i in stride(from: levelCount - 1, through: 0, by: -1) where firstLoop[i] > firstLoop[i + 1] {
            firstLoop[i] = firstLoop[i + 1]
        }
        let macs = problem.macs
        var accesses = [OperandAccess](repeating: OperandAccess(), count: levelCount * operandCount)
        inner.withUnsafeBufferPointer { inner in
            for (o, operand) in problem.operands.enumerated() {
                let isOutput = operand.operand == .outputs
                let holdsOperand = holds[o]
                var parent = -1
                var instances = 1.0  // spatial fanout above the current level
                var multicast = 1.0  // irrelevant spatial fanout since the parent
                var replication = 1.0  // irrelevant spatial fanout above the current level
                for i in 0..<levelCount {
                    if holdsOperand[i] {
                        let extents = UnsafeBufferPointer(
                            rebasing: inner[firstLoop[i] * dims..<(firstLoop[i] + 1) * dims])
                        let tile = operand.footprint(extents)
                        accesses[i * operandCount + o].tile = tile
                        accesses[i * operandCount + o].held = true
                        if parent >= 0 {
                            let perInstance = fills(
                                operand: operand, tile: tile, extents: extents, loops: loops, inner: inner, dims: dims,
                                above: firstLoop[i])
                            let total = perInstance * instances
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
                    multicast *= spatialIrrelevant[o * levelCount + i]
                    replication *= spatialIrrelevant[o * levelCount + i]
                }
                guard parent >= 0 else { continue }
                // The innermost holder serves every MAC, once per multicast group below it.
                var below = 1.0
                for i in parent..<levelCount { below *= spatialIrrelevant[o * levelCount + i] }
                if isOutput {
                    accesses[parent * operandCount + o].updates += macs / below
                    // Padded outputs: an imperfect tile writes its padding once too, never reads it back.
                    let outputSize = operand.footprint(UnsafeBufferPointer(rebasing: inner[0..<dims]))
                    var previous = -1
                    for i in 0..<levelCount where holdsOperand[i] {
                        let index = i * operandCount + o
                        let replicas = accesses[index].fills
                        accesses[index].reads = max(0, accesses[index].updates - outputSize * replicas)
                        accesses[index].fills = previous >= 0 ? accesses[previous * operandCount + o].reads : 0
                        previous = i
                    }
                } else {
                    accesses[parent * operandCount + o].reads += macs / below
                }
            }
        }
        return AccessCounts(
            accesses: accesses, operandCount: operandCount, wordBits: problem.wordBits, macs: macs,
            paddedMACs: paddedMACs, temporalCycles: temporal, spatialUnits: spatialUnits)
    }

    /// Per-instance fills of a tile: walking the temporal loops above it from the innermost out,
    /// irrelevant loops keep it resident, the first relevant loop fetches only new data per step,
    /// and every loop outside that refetches.
    @inline(__always)
    private static func fills(
        operand: ProblemOperand, tile: Double, extents: UnsafeBufferPointer<Int>, loops: [FlatLoop],
        inner: UnsafeBufferPointer<Int>, dims: Int, above: Int
    ) -> Double {
        var result = tile
        var foundRelevant = false
        var outer = 1.0
        for position in stride(from: above - 1, through: 0, by: -1) {
            let entry = loops[position]
            if entry.spatial || entry.bound == 1 { continue }
            if foundRelevant {
                outer *= Double(entry.bound)
                continue
            }
            guard operand.isRelevant(entry.dimension) else { continue }
            foundRelevant = true
            let d = entry.dimension
            let step = inner[(position + 1) * dims + d]
            var fraction = 1.0
            for index in operand.indices {
                guard let term = index.first(where: { $0.dimension == d }) else { continue }
                var span = 1
                for t in index { span += t.stride * (extents[t.dimension] - 1) }
                fraction *= min(Double(span), Double(term.stride * step)) / Double(span)
            }
            result = tile + Double(entry.bound - 1) * tile * fraction
        }
        return result * outer
    }
}
