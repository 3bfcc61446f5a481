import YAML

/// The operand classes a memory level can hold: a GEMM's weights (or its second activation
/// such as the KV cache), its inputs, and its outputs (partial sums).
public enum Operand: String, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    case weights, inputs, outputs

    public var description: String { rawValue }

    /// Reads an operand name, with a suggestion when it is misspelt.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Operand(rawValue: text) else {
            throw decoder.diagnostic(
                "unknown operand '\(text)'", hint: Suggestion.hint(for: text, among: Self.allCases.map(\.rawValue)))
        }
        self = value
    }
}
