import JouleSpec

/// Where the joules of an operator or a graph go: by memory level and operand, MACs, vector
/// operations and static power. Every figure is in joules.
public struct Breakdown: Sendable, Hashable {
    /// Level names, outermost first.
    public var levelNames: [String]
    /// Whether each level is off chip (DRAM).
    public var offChip: [Bool]
    /// Joules of accesses, level-major: `memory[level * 3 + operand]` (weights, inputs, outputs);
    /// read and write it through `self[level, operand]`.
    public var memory: [Double]
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
        memory = [Double](repeating: 0, count: levels.count * 3)
        mac = 0
        vector = 0
        leakage = 0
    }

    /// Joules of one operand's accesses at one level.
    public subscript(level: Int, operand: Int) -> Double {
        get { memory[level * 3 + operand] }
        set { memory[level * 3 + operand] = newValue }
    }

    /// Joules of every access at one level.
    public func level(_ index: Int) -> Double { memory[index * 3] + memory[index * 3 + 1] + memory[index * 3 + 2] }

    /// Every joule.
    public var total: Double { memory.reduce(0, +) + mac + vector + leakage }
    /// Joules per level.
    public var byLevel: [Double] { levelNames.indices.map(level) }
    /// Joules per operand class (weights, inputs, outputs) over all levels.
    public var byOperand: [Double] { (0..<3).map { o in levelNames.indices.reduce(0) { $0 + memory[$1 * 3 + o] } } }
    /// DRAM access energy.
    public var dram: Double { zip(byLevel, offChip).reduce(0) { $0 + ($1.1 ? $1.0 : 0) } }
    /// On-chip memory access energy.
    public var onChip: Double { zip(byLevel, offChip).reduce(0) { $0 + ($1.1 ? 0 : $1.0) } }

    /// Adds another breakdown `times` times (identical layers).
    public mutating func add(_ other: Breakdown, times: Double = 1) {
        for i in memory.indices where i < other.memory.count { memory[i] += other.memory[i] * times }
        mac += other.mac * times
        vector += other.vector * times
        leakage += other.leakage * times
    }

    /// Scales every dynamic figure (memory, MAC, vector) by `factor`, as a supply voltage change does.
    public mutating func scaleDynamic(by factor: Double) {
        guard factor != 1 else { return }
        for i in memory.indices { memory[i] *= factor }
        mac *= factor
        vector *= factor
    }
}
