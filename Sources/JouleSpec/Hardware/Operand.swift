import YAML

/// The operand classes a memory level can hold: a GEMM's weights (or its second activation
/// such as the KV cache), its inputs, and its outputs (partial sums).
public enum Operand: String, Sendable, Hashable, CaseIterable, Keyword, Encodable, CustomStringConvertible {
    public static let keywordNoun = "operand"

    case weights, inputs, outputs

    public var description: String { rawValue }

}
