/// Where a number in a hardware description came from.
public enum Provenance: Sendable, Hashable, CustomStringConvertible {
    /// Written in the file.
    case given
    /// Left out of the file and estimated by a rule from the estimate tables.
    case estimated(rule: String)

    /// Whether the number was estimated.
    public var isEstimated: Bool {
        if case .estimated = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .given: return "given"
        case .estimated(let rule): return "estimated: \(rule)"
        }
    }
}

/// A value that remembers whether it was given or estimated, and by which rule.
public struct Figure<Value: Sendable & Hashable>: Sendable, Hashable {
    /// The value.
    public var value: Value
    /// Where it came from.
    public var provenance: Provenance

    /// A figure with its provenance.
    public init(_ value: Value, _ provenance: Provenance) {
        self.value = value
        self.provenance = provenance
    }

    /// A figure written in the file.
    public static func given(_ value: Value) -> Figure { Figure(value, .given) }
}
