/// What a search minimises.
public enum Objective: String, Sendable, Hashable, CaseIterable {
    /// Joules.
    case energy
    /// Seconds.
    case latency
    /// Energy-delay product (joule-seconds).
    case edp

    /// The figure to minimise for a cost.
    public func score(energy: Double, seconds: Double) -> Double {
        switch self {
        case .energy: return energy
        case .latency: return seconds
        case .edp: return energy * seconds
        }
    }
}
