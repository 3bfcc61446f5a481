import Foundation
import JouleSpec
import Testing

/// Precision presets, explicit mixes, and the MAC-format rule.
@Suite struct PrecisionConfigTests {
    /// A precision text and the formats it must give each operand class.
    struct PresetCase: Sendable, CustomTestStringConvertible {
        let text: String
        let weights: Precision
        let activations: Precision
        let kvCache: Precision
        let accumulators: Precision
        /// The format a weight GEMM's MACs run in.
        let mac: Precision
        var testDescription: String { text }
    }

    /// Weight-only quantisation (w4a16, w8a16) and SmoothQuant w8a8 keep the KV cache at fp16;
    /// a w4a16 MAC runs in fp16 on dequantised weights.
    static let presets: [PresetCase] = [
        PresetCase(text: "bf16", weights: .bf16, activations: .bf16, kvCache: .bf16, accumulators: .fp32, mac: .bf16),
        PresetCase(text: "fp16", weights: .fp16, activations: .fp16, kvCache: .fp16, accumulators: .fp32, mac: .fp16),
        PresetCase(text: "fp32", weights: .fp32, activations: .fp32, kvCache: .fp32, accumulators: .fp32, mac: .fp32),
        PresetCase(text: "fp8", weights: .fp8, activations: .fp8, kvCache: .fp8, accumulators: .fp32, mac: .fp8),
        PresetCase(text: "w4a16", weights: .int4, activations: .fp16, kvCache: .fp16, accumulators: .fp32, mac: .fp16),
        PresetCase(text: "w8a16", weights: .int8, activations: .fp16, kvCache: .fp16, accumulators: .fp32, mac: .fp16),
        PresetCase(text: "w8a8", weights: .int8, activations: .int8, kvCache: .fp16, accumulators: .int32, mac: .int8),
        PresetCase(text: "int8", weights: .int8, activations: .int8, kvCache: .int8, accumulators: .int32, mac: .int8),
        PresetCase(
            text: " W4A16 ", weights: .int4, activations: .fp16, kvCache: .fp16, accumulators: .fp32, mac: .fp16),
        PresetCase(
            text: "weights=int4,activations=fp16,kv=fp8", weights: .int4, activations: .fp16, kvCache: .fp8,
            accumulators: .fp32, mac: .fp16),
        PresetCase(
            text: "w=int8, a=int8, kv=int8, acc=int32", weights: .int8, activations: .int8, kvCache: .int8,
            accumulators: .int32, mac: .int8),
    ]

    @Test(arguments: presets)
    func presetAndMixFormats(_ c: PresetCase) throws {
        let precision = try PrecisionConfig(parsing: c.text)
        #expect(precision.weights == c.weights)
        #expect(precision.activations == c.activations)
        #expect(precision.kvCache == c.kvCache)
        #expect(precision.accumulators == c.accumulators)
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128), precision: precision)
        let q = try #require(graph.gemms(.qProj).first)
        #expect(q.macPrecision == c.mac)
    }

    /// An explicit mix has no preset name: it prints every class (unnamed ones default to bf16 / fp32).
    @Test func explicitMixPrintsEveryClass() throws {
        let mix = try PrecisionConfig(parsing: "weights=int4,activations=fp16,kv=fp8")
        #expect(mix.name == nil)
        #expect(mix.optimizerState == .fp32)
        #expect(mix.description == "weights=int4,activations=fp16,kv=fp8,acc=fp32,opt=fp32")
        #expect(try PrecisionConfig(parsing: "w4a16").description == "w4a16")
    }

    /// Llama-2-7B decode at context 128 under w4a16: weights are half a byte each, so the
    /// q projection reads 4096 x 4096 / 2 bytes; the KV cache stays fp16 (524,288 bytes per token).
    @Test func w4a16HalvesWeightBytesAndKeepsAnFP16Cache() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128),
            precision: PrecisionConfig(parsing: "w4a16"))
        #expect(Precision.int4.bytes == 0.5)
        #expect(graph.gemms(.qProj).allSatisfy { $0.secondBytes == 4096 * 4096 / 2 })
        #expect(graph.weightBytes == 6_738_415_616 / 2)
        #expect(graph.kvBytesPerToken == 524_288)
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.secondPrecision == .fp16)
        #expect(score.macPrecision == .fp16)
    }

    /// With an fp8 cache and fp16 activations the attention MACs run in fp16 and the cache is
    /// 1 byte per value: 2 x 32 x 4096 x 1 = 262,144 bytes per token.
    @Test func fp8CacheUnderFP16Activations() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128),
            precision: PrecisionConfig(parsing: "weights=int4,activations=fp16,kv=fp8"))
        #expect(graph.kvBytesPerToken == 262_144)
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.secondPrecision == .fp8)
        #expect(score.macPrecision == .fp16)
    }

    /// A text that cannot be read and the words its error must contain.
    struct BadText: Sendable, CustomTestStringConvertible {
        let text: String
        let message: [String]
        var testDescription: String { text }
    }

    static let badTexts: [BadText] = [
        BadText(text: "bf15", message: ["unknown precision 'bf15'", "did you mean 'bf16'?"]),
        BadText(text: "w4a-16", message: ["unknown precision 'w4a-16'", "did you mean 'w4a16'?", "weights=int4"]),
        BadText(text: "nonsense", message: ["unknown precision 'nonsense'", "expected one of: bf16, fp16, fp32"]),
        BadText(text: "weights=int3", message: ["unknown precision 'int3'", "did you mean 'int4'?"]),
        BadText(text: "wieghts=int4", message: ["unknown operand class 'wieghts'"]),
        BadText(text: "weights=int4,fp16", message: ["expected class=precision, found 'fp16'"]),
    ]

    @Test(arguments: badTexts)
    func unreadableTextIsAnErrorWithASuggestion(_ c: BadText) {
        let error = #expect(throws: PrecisionConfig.ParseError.self) { try PrecisionConfig(parsing: c.text) }
        for part in c.message {
            #expect(error?.message.contains(part) == true, "\(error?.message ?? "no error") lacks \(part)")
        }
    }

    /// Two operand formats and the MAC format the documented rule gives: integer pairs run at the
    /// wider integer; otherwise at the floating-point operand's format, widened to fp16 (or fp32)
    /// when the other operand has more bits.
    struct MACCase: Sendable, CustomTestStringConvertible {
        let a: Precision
        let b: Precision
        let mac: Precision
        var testDescription: String { "\(a) x \(b)" }
    }

    static let macCases: [MACCase] = [
        MACCase(a: .int8, b: .int8, mac: .int8),
        MACCase(a: .int4, b: .int8, mac: .int8),
        MACCase(a: .int8, b: .int4, mac: .int8),
        MACCase(a: .int16, b: .int8, mac: .int16),
        MACCase(a: .int4, b: .int4, mac: .int4),
        MACCase(a: .fp8, b: .fp8, mac: .fp8),
        MACCase(a: .bf16, b: .bf16, mac: .bf16),
        MACCase(a: .fp16, b: .int4, mac: .fp16),  // w4a16: dequantised to the activation format
        MACCase(a: .bf16, b: .int4, mac: .bf16),
        MACCase(a: .bf16, b: .int8, mac: .bf16),
        MACCase(a: .fp8, b: .int8, mac: .fp8),  // equal widths: the float format
        MACCase(a: .fp8, b: .int4, mac: .fp8),
        MACCase(a: .fp8, b: .int16, mac: .fp16),  // the integer is wider: widen to fp16
        MACCase(a: .fp8, b: .int32, mac: .fp32),  // ... or to fp32
        MACCase(a: .fp16, b: .int32, mac: .fp32),
        MACCase(a: .fp16, b: .fp8, mac: .fp16),  // two floats: the wider one
        MACCase(a: .fp32, b: .bf16, mac: .fp32),
        MACCase(a: .fp32, b: .int4, mac: .fp32),
    ]

    @Test(arguments: macCases)
    func macPrecisionRule(_ c: MACCase) {
        #expect(PrecisionConfig.macPrecision(c.a, c.b) == c.mac)
        #expect(PrecisionConfig.macPrecision(c.b, c.a) == c.mac, "the rule does not depend on operand order")
    }
}
