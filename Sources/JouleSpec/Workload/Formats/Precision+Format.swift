extension Precision {
    /// Elements that share one scale in an OCP Microscaling (MX) block format.
    ///
    /// Source: OCP Microscaling Formats (MX) Specification v1.0 (2023), §5 and Table 1: every
    /// MX-compliant format (MXFP8 E4M3/E5M2, MXFP6 E3M2/E2M3, MXFP4 E2M1, MXINT8) has block
    /// size k = 32 and a shared scale X of type E8M0 (8 bits).
    public static let mxBlockSize = 32
    /// Bits of an MX block's shared E8M0 scale (OCP MX v1.0, §5.1 / Table 1).
    public static let mxScaleBits = 8

    /// Whether this is an OCP Microscaling block format.
    public var isMicroscaling: Bool {
        switch self {
        case .mxfp4, .mxfp6, .mxfp8, .mxint8: return true
        default: return false
        }
    }

    /// Bits stored per element, the shared block scale spread over the block:
    /// `bits + 8 / 32` for MX formats (MXFP4: 4 + 8/32 = 4.25), `bits` otherwise.
    public var storageBits: Double {
        isMicroscaling ? Double(bits) + Double(Self.mxScaleBits) / Double(Self.mxBlockSize) : Double(bits)
    }

    /// Whether a MAC array can take the format as an operand. `nf4` is a lookup-table code
    /// (QLoRA's NormalFloat: 16 quantiles of a normal distribution, Dettmers et al. 2023, §3):
    /// no MAC multiplies it directly, so it is always dequantized to the other operand's format.
    public var isMACFormat: Bool { self != .nf4 }

    /// The hardware-file keys whose MACs take this format natively, in order of preference:
    /// the format itself, then the older `fp8` key for either OCP FP8 encoding (a file that
    /// says `fp8:` has MACs that take E4M3 and E5M2, as H100's FP8 tensor cores do — NVIDIA
    /// H100 Tensor Core GPU Architecture whitepaper, 2022, "FP8": both formats supported).
    public var nativeKeys: [Precision] {
        switch self {
        case .fp8E4M3, .fp8E5M2: return [self, .fp8]
        default: return [self]
        }
    }

    /// Vector-unit operations to turn one element of this format into a MAC format
    /// (charged on the vector unit when the MAC runs in another format, see `Dequantization`):
    /// an integer or float code is converted (1 op); nf4 is a table lookup then a multiply by
    /// its block's absmax (2 ops, QLoRA §3 "double dequantization" left out); an MX element is
    /// converted and multiplied by its block's scale 2^X (2 ops, OCP MX v1.0 §6.3).
    public var dequantizeOps: Double {
        if isMicroscaling || self == .nf4 { return 2 }
        return 1
    }

    /// The key of `EstimateTables.mac45nm` used for this format's MAC when a file leaves its
    /// energy out: FP8 encodings and MXFP8 as `fp8`; MXFP4 and MXFP6 also as `fp8` (their
    /// narrower multiplier is dwarfed by the fp32 accumulator, so this is an upper bound);
    /// MXINT8 as `int8`; tf32 (an 11-bit significand like fp16, fp32 accumulate) as `fp16`;
    /// nf4 as `int4` (never a MAC format; the key only keeps estimates total).
    public var estimateKey: String {
        switch self {
        case .fp8E4M3, .fp8E5M2, .mxfp8, .mxfp6, .mxfp4: return "fp8"
        case .mxint8: return "int8"
        case .tf32: return "fp16"
        case .nf4: return "int4"
        default: return rawValue
        }
    }
}
