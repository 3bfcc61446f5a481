import JouleSpec

/// Where the joules of an operator or a graph go: by memory level and operand, MACs, vector
/// operations and static power. Every figure is in joules.
public struct Breakdown: Sendable, Hashable {
    /// Level names, outermost first.
    public var levelNames: [String]
    /// Whether each level is off chip (DRAM).
    public var offChip: [Bool]
    /// `memory[level][operand]`: joules of accesses (operands weights, inputs, outputs).
    public var memory: [[Double]]
    /// MAC energy.
    public var mac: Double
    /// Vector-unit operation energy.
    public var vector: Double
    /// Static (leakage) energy over the latency.
    public var leakage: Double

    /// An empty breakdown over a hardware's levels.
    public init(levels: [MemoryLevel]) {
        levelNames = levels.map(\.name)
        offChip = levels.map(\.isOffChip)
        memory = [[Double]](repeating: [0, 0, 0], count: levels.count)
        mac = 0
        vector = 0
        leakage = 0
    }

    /// Every joule.
    public var total: Double { memory.joined().reduce(0, +) + mac + vector + leakage }
    /// Joules per level.
    public var byLevel: [Double] { memory.map { $0.reduce(0, +) } }
    /// Joules per operand class (weights, inputs, outputs) over all levels.
    public var byOperand: [Double] { (0..<3).map { o in memory.reduce(0) { $0 + $1[o] } } }
    /// DRAM access energy.
    public var dram: Double { zip(byLevel, offChip).reduce(0) { $0 + ($1.1 ? $1.0 : 0) } }
    /// On-chip memory access energy.
    public var onChip: Double { zip(byLevel, offChip).reduce(0) { $0 + ($1.1 ? 0 : $1.0) } }

    /// Adds another breakdown `times` times (identical layers).
    public mutating func add(_ other: Breakdown, times: Double = 1) {
        for i in memory.indices where i < other.memory.count {
            for o in 0..<3 { memory[i][o] += other.memory[i][o] * times }
        }
        mac += other.mac * times
        vector += other.vector * times
        leakage += other.leakage * times
    }

    /// Scales every dynamic figure (memory, MAC, vector) by `factor`, as a supply voltage change does.
    public func scalingDynamic(by factor: Double) -> Breakdown {
        var copy = self
        copy.memory = memory.map { $0.map { $0 * factor } }
        copy.mac *= factor
        copy.vector *= factor
        return copy
    }
}
