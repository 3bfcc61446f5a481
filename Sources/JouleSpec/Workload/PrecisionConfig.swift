import YAML

/// The number formats of each operand class of a workload (W4A16, W8A8, FP8, BF16 ...).
public struct PrecisionConfig: Sendable, Hashable, CustomStringConvertible {
    /// Weight matrices.
    public var weights: Precision
    /// Activations (GEMM inputs and outputs, vector operands).
    public var activations: Precision
    /// The KV cache.
    public var kvCache: Precision
    /// Partial sums inside a GEMM.
    public var accumulators: Precision
    /// Optimizer state (AdamW moments) in training.
    public var optimizerState: Precision
    /// Group-wise quantization of the weights (scales and zero-points moved with them), or nil.
    public var weightGroups: GroupQuantization?
    /// The preset name, when this is a preset.
    public var name: String?

    /// A precision mix.
    public init(
        weights: Precision, activations: Precision, kvCache: Precision, accumulators: Precision,
        optimizerState: Precision = .fp32, weightGroups: GroupQuantization? = nil, name: String? = nil
    ) {
        self.weightGroups = weightGroups
        self.weights = weights
        self.activations = activations
        self.kvCache = kvCache
        self.accumulators = accumulators
        self.optimizerState = optimizerState
        self.name = name
    }

    /// The named presets. Quantised-weight presets keep the KV cache at fp16, as weight-only
    /// (GPTQ/AWQ) and SmoothQuant W8A8 deployments do; `int8` and `fp8` quantise it too.
    public static let presets: [String: PrecisionConfig] = [
        "fp32": .init(weights: .fp32, activations: .fp32, kvCache: .fp32, accumulators: .fp32, name: "fp32"),
        "bf16": .init(weights: .bf16, activations: .bf16, kvCache: .bf16, accumulators: .fp32, name: "bf16"),
        "fp16": .init(weights: .fp16, activations: .fp16, kvCache: .fp16, accumulators: .fp32, name: "fp16"),
        "fp8": .init(weights: .fp8, activations: .fp8, kvCache: .fp8, accumulators: .fp32, name: "fp8"),
        "w8a8": .init(weights: .int8, activations: .int8, kvCache: .fp16, accumulators: .int32, name: "w8a8"),
        "w4a16": .init(weights: .int4, activations: .fp16, kvCache: .fp16, accumulators: .fp32, name: "w4a16"),
        "w8a16": .init(weights: .int8, activations: .fp16, kvCache: .fp16, accumulators: .fp32, name: "w8a16"),
        "int8": .init(weights: .int8, activations: .int8, kvCache: .int8, accumulators: .int32, name: "int8"),
    ]

    /// The default: bf16 weights, activations and KV cache, fp32 accumulators.
    public static let standard =
        presets["bf16"] ?? .init(weights: .bf16, activations: .bf16, kvCache: .bf16, accumulators: .fp32)

    /// Why a precision text could not be read.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Bits moved per weight element: the format's storage bits (MX block scales included)
    /// plus the group scales and zero-points (int4, groups of 128, fp16 scale: 4.125).
    public var weightBits: Double { weights.storageBits + (weightGroups?.overheadBits ?? 0) }

    /// Reads a preset name (`w4a16`), a single format for everything (`int16`, `mxfp4`,
    /// `fp8_e4m3`), or an explicit mix (`weights=int4,activations=fp16,kv=fp8,acc=fp32,opt=fp32`;
    /// unnamed classes default to bf16). A preset or the weights' format may carry a group-wise
    /// quantization suffix: `w4a16-g128`, `w4a16-g128-zp`, `weights=int4-g64-sbf16`
    /// (`GroupQuantization`: group size, scale format, default fp16, and `zp` for zero-points).
    public init(parsing text: String) throws(ParseError) {
        let trimmed = text.trimmingWhitespace().lowercased()
        if let preset = Self.presets[trimmed] {
            self = preset
            return
        }
        if let uniform = Precision(rawValue: trimmed) {
            self = .uniform(uniform)
            return
        }
        let dashed = trimmed.split(separator: "-").map(String.init)
        if !trimmed.contains("="), dashed.count > 1,
            let base = Self.presets[dashed[0]] ?? Precision(rawValue: dashed[0]).map(Self.uniform)
        {
            var grouped = base
            grouped.weightGroups = try GroupQuantization(parsing: Array(dashed.dropFirst()), element: base.weights)
            grouped.name = trimmed
            self = grouped
            return
        }
        guard trimmed.contains("=") else {
            let names = Self.presets.keys.sorted()
            throw ParseError(
                message:
                    "unknown precision '\(text)'; \(Suggestion.hint(for: trimmed, among: names)); or a mix such as weights=int4,activations=fp16"
            )
        }
        var mix = Self.standard
        mix.name = nil
        for part in trimmed.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingWhitespace() }
            guard pair.count == 2 else { throw ParseError(message: "expected class=precision, found '\(part)'") }
            let valueParts = pair[1].split(separator: "-").map(String.init)
            let formatText = valueParts.first ?? pair[1]
            guard let precision = Precision(rawValue: formatText) else {
                throw ParseError(
                    message:
                        "unknown precision '\(formatText)'; \(Suggestion.hint(for: formatText, among: Precision.allCases.map(\.rawValue)))"
                )
            }
            let isWeights = pair[0] == "weights" || pair[0] == "w"
            if valueParts.count > 1 {
                guard isWeights else {
                    throw ParseError(message: "a group suffix ('\(pair[1])') applies to weights only")
                }
                mix.weightGroups = try GroupQuantization(parsing: Array(valueParts.dropFirst()), element: precision)
            }
            switch pair[0] {
            case "weights", "w": mix.weights = precision
            case "activations", "a": mix.activations = precision
            case "kv", "kv_cache", "kvcache": mix.kvCache = precision
            case "accumulators", "acc": mix.accumulators = precision
            case "optimizer", "opt", "optimizer_state": mix.optimizerState = precision
            default:
                throw ParseError(
                    message: "unknown operand class '\(pair[0])'; expected weights, activations, kv, acc or opt")
            }
        }
        self = mix
    }

    /// Weights, activations and KV cache all in one format, accumulating in fp32 (floating
    /// point) or int32 (integers); named after the format.
    /// `nf4`, which no MAC takes, quantizes the weights only, with bf16 for the rest (QLoRA's
    /// compute type).
    public static func uniform(_ precision: Precision) -> PrecisionConfig {
        if !precision.isMACFormat {
            return PrecisionConfig(
                weights: precision, activations: .bf16, kvCache: .bf16, accumulators: .fp32, name: precision.rawValue)
        }
        return PrecisionConfig(
            weights: precision, activations: precision, kvCache: precision,
            accumulators: precision.isFloatingPoint ? .fp32 : .int32, name: precision.rawValue)
    }

    /// The format a MAC runs in for two operand formats: integer pairs at the wider integer;
    /// otherwise the floating-point operand's format, widened to fp16 or fp32 when the other
    /// operand has more bits (W4A16 runs fp16 MACs on dequantised weights).
    /// A format no MAC takes (`nf4`) is always dequantized to the other operand's.
    public static func macPrecision(_ a: Precision, _ b: Precision) -> Precision {
        if !a.isMACFormat || !b.isMACFormat {
            let other = a.isMACFormat ? a : b
            return other.isMACFormat && other.bits >= 16 ? other : .bf16
        }
        let need = max(a.bits, b.bits)
        if !a.isFloatingPoint && !b.isFloatingPoint { return a.bits >= b.bits ? a : b }
        let floats = [a, b].filter(\.isFloatingPoint)
        if let widest = floats.max(by: { $0.bits < $1.bits }), widest.bits >= need { return widest }
        return need <= 16 ? .fp16 : .fp32
    }

    public var description: String {
        if let name { return name }
        let groups = weightGroups.map { "-\($0)" } ?? ""
        return
            "weights=\(weights)\(groups),activations=\(activations),kv=\(kvCache),acc=\(accumulators),opt=\(optimizerState)"
    }
}
