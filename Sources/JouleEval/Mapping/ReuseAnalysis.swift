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
    public static func analyze(problem: Problem, mapping: Mapping, hardware: Accelerator) throws(MappingError) -> AccessCounts {
        try validate(problem: problem, mapping: mapping, hardware: hardware)
        return counts(problem: problem, mapping: mapping, holds: holdMatrix(problem: problem, mapping: mapping, hardware: hardware))
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
            throw MappingError(message: "the mapping has \(mapping.levels.count) levels but \(hardware.name) has \(hardware.memory.count) memory levels")
        }
        var covered = [Int](repeating: 1, count: problem.bounds.count)
        for (i, level) in mapping.levels.enumerated() {
            for loop in level.temporal + level.spatialX + level.spatialY {
                guard loop.dimension >= 0 && loop.dimension < problem.bounds.count else {
                    throw MappingError(message: "level \(hardware.memory[i].name) loops over a dimension the operator lacks")
                }
                guard loop.bound >= 1 else {
                    throw MappingError(message: "level \(hardware.memory[i].name): loop bound \(loop.bound) must be at least 1")
                }
                covered[loop.dimension] *= loop.bound
            }
        }
        for d in problem.bounds.indices where covered[d] < problem.bounds[d] {
            throw MappingError(message: "the factors of \(problem.dimensions[d]) multiply to \(covered[d]), which does not cover its bound \(problem.bounds[d])")
        }
        let holds = holdMatrix(problem: problem, mapping: mapping, hardware: hardware)
        for (o, operand) in problem.operands.enumerated() where !holds[o].contains(true) {
            throw MappingError(message: "no level holds \(operand.operand) under this mapping (every level bypasses it)")
        }
        try checkCapacity(problem: problem, mapping: mapping, hardware: hardware, holds: holds)
        let maxRate = hardware.compute.precisions.values.map(\.macsPerPEPerCycle).max() ?? 1
        let fanout = fanouts(hardware, macsPerPE: maxRate)
        for (i, level) in mapping.levels.enumerated() where level.spatialFanout > fanout[i] {
            throw MappingError(message: "level \(hardware.memory[i].name) fans out \(level.spatialFanout) ways but has only \(fanout[i]) children")
        }
    }

    /// Checks that the tiles each level holds fit its size.
    static func checkCapacity(problem: Problem, mapping: Mapping, hardware: Accelerator, holds: [[Bool]]) throws(MappingError) {
        let dims = problem.bounds.count
        var extents = [Int](repeating: 1, count: dims)
        for i in stride(from: mapping.levels.count - 1, through: 0, by: -1) {
            let level = mapping.levels[i]
            for loop in level.temporal + level.spatialX + level.spatialY { extents[loop.dimension] *= loop.bound }
            var bytes = 0.0
            var parts: [String] = []
            for (o, operand) in problem.operands.enumerated() where holds[o][i] {
                let size = extents.withUnsafeBufferPointer { operand.footprint($0) } * Double(operand.wordBits) / 8
                bytes += size
                parts.append("\(operand.operand) \(Bytes(si: size))")
            }
            let capacity = hardware.memory[i].size.si
            if bytes > capacity {
                throw MappingError(
                    message: "the tiles at \(hardware.memory[i].name) need \(Bytes(si: bytes)) (\(parts.joined(separator: ", "))) but it holds \(hardware.memory[i].size)")
            }
        }
    }

    /// The counting itself, on a validated mapping.
    static func counts(problem: Problem, mapping: Mapping, holds: [[Bool]]) -> AccessCounts {
        let levelCount = mapping.levels.count
        let dims = problem.bounds.count
        // Flatten the nest outermost first, remembering each loop's level and kind.
        var loops: [(level: Int, loop: Loop, spatial: Bool)] = []
        for (i, level) in mapping.levels.enumerated() {
            for loop in level.temporal { loops.append((i, loop, false)) }
            for loop in level.spatialX + level.spatialY { loops.append((i, loop, true)) }
        }
        // innerExtent[pos][d]: product of bounds of loops after position pos in dimension d.
        var innerExtent = [[Int]](repeating: [Int](repeating: 1, count: dims), count: loops.count + 1)
        for pos in stride(from: loops.count - 1, through: 0, by: -1) {
            innerExtent[pos] = innerExtent[pos + 1]
            innerExtent[pos][loops[pos].loop.dimension] *= loops[pos].loop.bound
        }
        // firstLoop[i]: position of level i's first loop; extents of level i's tile.
        var firstLoop = [Int](repeating: loops.count, count: levelCount + 1)
        for pos in stride(from: loops.count - 1, through: 0, by: -1) { firstLoop[loops[pos].level] = pos }
        for i in stride(from: levelCount - 1, through: 0, by: -1) where firstLoop[i] > firstLoop[i + 1] {
            firstLoop[i] = firstLoop[i + 1]
        }
        let paddedMACs = loops.reduce(1.0) { $0 * Double($1.loop.bound) }
        let macs = problem.macs
        var levels = [[OperandAccess]](repeating: [OperandAccess](repeating: OperandAccess(), count: problem.operands.count), count: levelCount)

        func spatialProduct(levels range: Range<Int>, irrelevantTo operand: ProblemOperand?) -> Double {
            var product = 1.0
            for entry in loops where entry.spatial && range.contains(entry.level) {
                if let operand, operand.isRelevant(entry.loop.dimension) { continue }
                product *= Double(entry.loop.bound)
            }
            return product
        }

        for (o, operand) in problem.operands.enumerated() {
            let holders = (0..<levelCount).filter { holds[o][$0] }
            let isOutput = operand.operand == .outputs
            var tiles: [Int: Double] = [:]
            for i in holders {
                let extents = innerExtent[firstLoop[i]]
                tiles[i] = extents.withUnsafeBufferPointer { operand.footprint($0) }
                levels[i][o].tile = tiles[i] ?? 0
                levels[i][o].held = true
            }
            for (p, c) in zip(holders, holders.dropFirst()) {
                let tile = tiles[c] ?? 0
                let perInstance = fills(operand: operand, tile: tile, tileExtents: innerExtent[firstLoop[c]], loops: loops, innerExtent: innerExtent, above: firstLoop[c])
                let instances = spatialProduct(levels: 0..<c, irrelevantTo: nil)
                let multicast = spatialProduct(levels: p..<c, irrelevantTo: operand)
                let total = perInstance * instances
                if isOutput {
                    levels[p][o].updates += total / multicast
                } else {
                    levels[c][o].fills += total
                    levels[p][o].reads += total / multicast
                }
            }
            if let innermost = holders.last {
                let multicast = spatialProduct(levels: innermost..<levelCount, irrelevantTo: operand)
                if isOutput {
                    levels[innermost][o].updates += macs / multicast
                } else {
                    levels[innermost][o].reads += macs / multicast
                }
            }
            if isOutput {
                let outputSize = problem.bounds.withUnsafeBufferPointer { operand.footprint($0) }
                for i in holders {
                    let replication = spatialProduct(levels: 0..<i, irrelevantTo: operand)
                    levels[i][o].reads = max(0, levels[i][o].updates - outputSize * replication)
                }
                for (p, c) in zip(holders, holders.dropFirst()) { levels[c][o].fills = levels[p][o].reads }
            }
        }
        let temporal = loops.reduce(1.0) { $0 * ($1.spatial ? 1 : Double($1.loop.bound)) }
        let spatialUnits = loops.reduce(1.0) { $0 * ($1.spatial ? Double($1.loop.bound) : 1) }
        return AccessCounts(
            levels: levels, wordBits: problem.operands.map(\.wordBits), macs: macs, paddedMACs: paddedMACs,
            temporalCycles: temporal, spatialUnits: spatialUnits)
    }

    /// Per-instance fills of a tile: walking the temporal loops above it from the innermost out,
    /// irrelevant loops keep it resident, the first relevant loop fetches only new data per step,
    /// and every loop outside that refetches.
    private static func fills(
        operand: ProblemOperand, tile: Double, tileExtents: [Int], loops: [(level: Int, loop: Loop, spatial: Bool)],
        innerExtent: [[Int]], above: Int
    ) -> Double {
        var result = tile
        var foundRelevant = false
        var outer = 1.0
        for position in stride(from: above - 1, through: 0, by: -1) {
            let entry = loops[position]
            if entry.spatial || entry.loop.bound == 1 { continue }
            if foundRelevant {
                outer *= Double(entry.loop.bound)
                continue
            }
            guard operand.isRelevant(entry.loop.dimension) else { continue }
            foundRelevant = true
            let d = entry.loop.dimension
            let step = innerExtent[position + 1][d]
            var fraction = 1.0
            for index in operand.indices {
                guard let term = index.first(where: { $0.dimension == d }) else { continue }
                var span = 1
                for t in index { span += t.stride * (tileExtents[t.dimension] - 1) }
                fraction *= min(Double(span), Double(term.stride * step)) / Double(span)
            }
            result = tile + Double(entry.loop.bound - 1) * tile * fraction
        }
        return result * outer
    }
}
