import YAML

/// A number format a MAC array or a tensor is held in.
///
/// Element formats (`int4` ... `fp32`, `tf32`, the two OCP FP8 encodings `fp8_e4m3` and
/// `fp8_e5m2`, the NormalFloat `nf4`) and OCP Microscaling block formats (`mxfp8`, `mxfp6`,
/// `mxfp4`, `mxint8`: 32 elements sharing one 8-bit E8M0 scale). `fp8` is kept as the
/// format-agnostic 8-bit float older files name: in a hardware file it means MACs that take
/// both FP8 encodings; as a tensor format it is costed as 8 bits like either encoding.
/// Storage, block scales and dequantization are in `Precision+Format.swift`.
public enum Precision: String, Sendable, Hashable, CaseIterable, Keyword, Encodable, Comparable, CustomStringConvertible
{
    public static let keywordNoun = "precision"

    // Order (used by `<`): the original eight keep their relative order (int4, int8, int16,
    // int32, fp8, fp16, bf16, fp32), with each new format placed just before its relative.
    case int4, nf4, mxfp4, mxfp6, int8, mxint8, int16, int32
    case fp8E5M2 = "fp8_e5m2"
    case fp8E4M3 = "fp8_e4m3"
    case mxfp8, fp8, fp16, bf16, tf32, fp32

    /// Bits of one element, without any shared block scale (tf32 is held in 32-bit words).
    public var bits: Int {
        switch self {
        case .int4, .nf4, .mxfp4: return 4
        case .mxfp6: return 6
        case .int8, .mxint8, .fp8, .fp8E4M3, .fp8E5M2, .mxfp8: return 8
        case .int16, .fp16, .bf16: return 16
        case .int32, .fp32, .tf32: return 32
        }
    }

    /// Bytes per value moved or stored, block scales included (0.5 for int4, 0.53125 for mxfp4).
    public var bytes: Double { storageBits / 8 }

    /// Whether the format is floating point (MX float formats and nf4 included; mxint8 is not).
    public var isFloatingPoint: Bool {
        switch self {
        case .int4, .int8, .int16, .int32, .mxint8: return false
        default: return true
        }
    }

    public var description: String { rawValue }

    public static func < (lhs: Precision, rhs: Precision) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }

}
