import YAML

/// A number format a MAC array or a tensor is held in.
public enum Precision: String, Sendable, Hashable, CaseIterable, Keyword, Encodable, Comparable, CustomStringConvertible
{
    public static let keywordNoun = "precision"

    case int4, int8, int16, int32, fp8, fp16, bf16, fp32

    /// Bits per value.
    public var bits: Int {
        switch self {
        case .int4: return 4
        case .int8, .fp8: return 8
        case .int16, .fp16, .bf16: return 16
        case .int32, .fp32: return 32
        }
    }

    /// Bytes per value (0.5 for int4).
    public var bytes: Double { Double(bits) / 8 }

    /// Whether the format is floating point.
    public var isFloatingPoint: Bool {
        switch self {
        case .fp8, .fp16, .bf16, .fp32: return true
        default: return false
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: Precision, rhs: Precision) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

}
