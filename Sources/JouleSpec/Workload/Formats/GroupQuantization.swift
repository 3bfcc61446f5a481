/// Group-wise integer quantization of a weight matrix (GPTQ, AWQ): every `groupSize`
/// consecutive elements along the reduction dimension share one scale, and optionally one
/// zero-point, stored beside the codes and moved with them.
///
/// Bits per weight = element bits + (scale bits + zero-point bits) / group size; int4 with
/// groups of 128 and an fp16 scale: 4 + 16/128 = 4.125 bits.
public struct GroupQuantization: Sendable, Hashable, CustomStringConvertible {
    /// Elements sharing one scale (128 in GPTQ's and AWQ's default configurations).
    public var groupSize: Int
    /// The format of each group's scale (fp16 in GPTQ/AWQ checkpoints).
    public var scale: Precision
    /// The format of each group's zero-point, or nil for symmetric quantization.
    /// AutoGPTQ and AWQ pack zero-points at the weight width (`qzeros`: eight 4-bit values per int32).
    public var zeroPoint: Precision?

    /// A grouping; `groupSize` must be positive (checked by `init(parsing:element:)`).
    public init(groupSize: Int, scale: Precision = .fp16, zeroPoint: Precision? = nil) {
        self.groupSize = groupSize
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// Bits of scale and zero-point per element.
    public var overheadBits: Double {
        Double(scale.bits + (zeroPoint?.bits ?? 0)) / Double(max(1, groupSize))
    }

    /// Vector-unit operations per element to apply the group's scale (one multiply) and
    /// zero-point (one subtract): `w = s x (q - z)`.
    public var dequantizeOps: Double { zeroPoint == nil ? 1 : 2 }

    /// `g128`, `g128-sbf16`, `g128-zp`: the suffix `PrecisionConfig` reads and prints.
    public var description: String {
        "g\(groupSize)" + (scale == .fp16 ? "" : "-s\(scale.rawValue)") + (zeroPoint == nil ? "" : "-zp")
    }

    /// Reads the suffix parts after a format (`["g128", "sbf16", "zp"]`); `element` is the
    /// quantized format, whose width the zero-point takes.
    public init(parsing parts: [String], element: Precision) throws(PrecisionConfig.ParseError) {
        var size: Int?
        var scale = Precision.fp16
        var zero: Precision?
        for part in parts {
            if part == "zp" {
                zero = element
            } else if part.hasPrefix("g"), let n = Int(part.dropFirst()) {
                guard n > 0 else { throw .init(message: "group size must be positive, found '\(part)'") }
                size = n
            } else if part.hasPrefix("s"), let format = Precision(rawValue: String(part.dropFirst())) {
                scale = format
            } else {
                throw .init(
                    message:
                        "unknown quantization part '\(part)'; expected g<group size> (g128), s<scale format> (sbf16) or zp"
                )
            }
        }
        guard let size else {
            throw .init(message: "a quantization suffix needs a group size, e.g. int4-g128")
        }
        self.init(groupSize: size, scale: scale, zeroPoint: zero)
    }
}
