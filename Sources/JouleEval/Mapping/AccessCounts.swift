import JouleSpec

/// Accesses of one operand at one memory level, summed over the level's instances.
public struct OperandAccess: Sendable, Hashable {
    /// Reads served to the child level or to the MACs (one multicast read counts once).
    public var reads: Double = 0
    /// Writes of data arriving from the parent (for outputs: partial sums sent back down).
    public var fills: Double = 0
    /// Output updates (writes of new partial sums from the child or the MACs).
    public var updates: Double = 0
    /// Elements of the operand one instance holds (its tile).
    public var tile: Double = 0
    /// Whether the level holds the operand under this mapping.
    public var held = false
    /// Bits per word of these accesses: the operand's word size, or for outputs at a level
    /// that holds partial sums the accumulator's (`ReuseAnalysis.holdsPartialSums`).
    public var wordBits: Double = 0

    /// Every access, reads and writes.
    public var total: Double { reads + fills + updates }
}

/// What a mapping makes every level do: the counts the energy and latency models multiply.
/// Counts are independent of energies, so one analysis serves every energy table and
/// operating point.
public struct AccessCounts: Sendable, Hashable {
    /// Level-major accesses: `accesses[level * operandCount + operand]`.
    public var accesses: [OperandAccess]
    /// Operands per level (3: weights, inputs, outputs).
    public var operandCount: Int
    /// Multiply-accumulates performed (masked ones excluded).
    public var macs: Double
    /// MAC slots the mapping occupies, padding of imperfect tiles included.
    public var paddedMACs: Double
    /// Cycles of the temporal loops (the compute time of a parallel array).
    public var temporalCycles: Double
    /// PEs (or MAC units) the mapping uses at once.
    public var spatialUnits: Double

    /// One operand's accesses at one level.
    @inline(__always) public func access(level: Int, operand: Int) -> OperandAccess {
        accesses[level * operandCount + operand]
    }

    /// `levels[i][o]`: level i (outermost first), operand o (weights, inputs, outputs).
    public var levels: [[OperandAccess]] {
        stride(from: 0, to: accesses.count, by: operandCount).map { Array(accesses[$0..<$0 + operandCount]) }
    }

    /// Bytes moved in or out of a level.
    public func bytes(level: Int) -> Double { bits(level: level) / 8 }

    /// Bits moved in or out of a level.
    public func bits(level: Int) -> Double {
        var total = 0.0
        for o in 0..<operandCount {
            let access = access(level: level, operand: o)
            total += access.total * access.wordBits
        }
        return total
    }
}
