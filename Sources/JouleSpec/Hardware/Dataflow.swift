import YAML

/// A spatial mapping style of a MAC array: which operand stays in the PE.
public enum Dataflow: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// Weights stay in the PEs; inputs stream through, partial sums flow out (TPU).
    case weightStationary = "weight_stationary"
    /// Partial sums stay in the PEs until complete (ShiDianNao, Gemmini OS).
    case outputStationary = "output_stationary"
    /// Inputs stay in the PEs; weights stream through.
    case inputStationary = "input_stationary"

    public var description: String { rawValue }

    /// The short form used in tables (WS, OS, IS).
    public var abbreviation: String {
        switch self {
        case .weightStationary: return "WS"
        case .outputStationary: return "OS"
        case .inputStationary: return "IS"
        }
    }

    /// Reads a dataflow name (also WS/OS/IS), with a suggestion when it is misspelt.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        if let value = Dataflow(name: text) {
            self = value
        } else {
            throw decoder.diagnostic(
                "unknown dataflow '\(text)'", hint: Suggestion.hint(for: text, among: Self.allCases.map(\.rawValue)))
        }
    }

    /// A dataflow from its name or abbreviation.
    public init?(name: String) {
        if let value = Dataflow(rawValue: name.lowercased()) {
            self = value
        } else if let value = Dataflow.allCases.first(where: { $0.abbreviation == name.uppercased() }) {
            self = value
        } else {
            return nil
        }
    }
}
