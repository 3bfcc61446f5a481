import JouleSpec

/// What bounds an operator's latency.
public enum Bound: Sendable, Hashable, CustomStringConvertible {
    /// The MAC array or vector unit.
    case compute
    /// A memory level's bandwidth (its name).
    case memory(String)

    public var description: String {
        switch self {
        case .compute: return "compute"
        case .memory(let name): return name
        }
    }
}

/// The cost of one operator on one accelerator at one operating point.
public struct OperatorCost: Sendable, Hashable {
    /// Latency in seconds.
    public var seconds: Double
    /// Cycles at the operating point's clock (seconds x frequency).
    public var cycles: Double
    /// Compute-only seconds (MAC array or vector unit).
    public var computeSeconds: Double
    /// Transfer seconds per memory level.
    public var levelSeconds: [Double]
    /// Energy by level, operand and kind.
    public var energy: Breakdown
    /// The binding resource.
    public var bound: Bound
    /// MACs done over MAC slots available during the latency (0 for vector operators).
    public var utilization: Double
    /// Per-level access counts (nil for vector operators and ideal rooflines).
    public var counts: AccessCounts?
    /// The mapping evaluated (nil where none is used).
    public var mapping: Mapping?
    /// Vector-unit operations performed (a vector operator's, plus the rescaling a fused
    /// online softmax adds).
    public var vectorOperations: Double = 0
}
