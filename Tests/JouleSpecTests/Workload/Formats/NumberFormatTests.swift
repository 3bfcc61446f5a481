import Foundation
import JouleSpec
import Testing

/// Number formats as data: bits moved per element with block and group scales, parsing of
/// the new formats and group suffixes, dequantization, the accumulator's cost, and the `fp8`
/// alias in hardware files. Every expected value is derived by hand in its comment.
@Suite struct NumberFormatTests {
    struct BitsCase: Sendable, CustomTestStringConvertible {
        let text: String
        let bits: Double
        var testDescription: String { "\(text) = \(bits) bits" }
    }

    /// Bits per weight element moved, scales and zero-points included.
    @Test(arguments: [
        // OCP MX v1.0: 4-bit E2M1 elements, one 8-bit E8M0 scale per 32: 4 + 8/32 = 4.25.
        BitsCase(text: "mxfp4", bits: 4.25),
        // 6 + 8/32 = 6.25; 8 + 8/32 = 8.25 (MXFP8 and MXINT8).
        BitsCase(text: "mxfp6", bits: 6.25),
        BitsCase(text: "mxfp8", bits: 8.25),
        BitsCase(text: "mxint8", bits: 8.25),
        // int4, groups of 128 along K, fp16 scale: 4 + 16/128 = 4.125.
        BitsCase(text: "w4a16-g128", bits: 4.125),
        // ... with a 4-bit zero-point per group: 4 + (16 + 4)/128 = 4.15625.
        BitsCase(text: "w4a16-g128-zp", bits: 4.15625),
        // int4, groups of 64, bf16 scale: 4 + 16/64 = 4.25.
        BitsCase(text: "weights=int4-g64-sbf16,activations=bf16", bits: 4.25),
        // Plain formats: no scale.
        BitsCase(text: "w4a16", bits: 4),
        BitsCase(text: "fp8_e4m3", bits: 8),
        BitsCase(text: "fp8_e5m2", bits: 8),
        BitsCase(text: "nf4", bits: 4),
        BitsCase(text: "bf16", bits: 16),
    ])
    func weightBitsIncludeScales(_ c: BitsCase) throws {
        let precision = try PrecisionConfig(parsing: c.text)
        #expect(precision.weightBits == c.bits)
    }

    /// A decode q_proj of llama-2-7b (4096 x 4096 weights) in w4a16-g128 moves
    /// 4096 x 4096 x 4.125 / 8 = 8,650,752 bytes of weights, and dequantizes each weight on the
    /// vector unit with 2 operations (int4 -> fp16 convert, multiply by the group scale).
    @Test func groupQuantizedWeightsMoveScalesAndDequantize() throws {
        let precision = try PrecisionConfig(parsing: "w4a16-g128")
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128), precision: precision)
        let q = try #require(graph.gemms(.qProj).first)
        #expect(q.secondBytes == 8_650_752)
        #expect(q.macPrecision == .fp16)
        let dequant = try #require(graph.named("L0.q_proj.dequant")?.vector)
        #expect(dequant.elements == 4096 * 4096)
        #expect(dequant.opsPerElement == 2)
        #expect(dequant.bytesRead == 0 && dequant.bytesWritten == 0 && dequant.fused)
    }

    /// The embedding lookup reads its rows with their group scales like every other weight:
    /// gpt2 (hidden 768, learned positions: token and position rows) prefilling 64 tokens in
    /// w4a16-g128 reads 2 x 64 x 768 x 4.125 / 8 = 50,688 bytes (without scales: 49,152).
    @Test func embeddingRowsCarryTheirGroupScales() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("gpt2"), .prefill(batch: 1, sequence: 64),
            precision: PrecisionConfig(parsing: "w4a16-g128"))
        let lookup = try #require(graph.named("embedding")?.vector)
        #expect(lookup.bytesRead == 50_688)
    }

    /// Native formats dequantize nothing: bf16 everywhere, MXFP4 x MXFP4 (an MXFP4 MAC), and the
    /// two FP8 encodings together.
    @Test(arguments: ["bf16", "mxfp4", "fp8_e4m3", "weights=fp8_e5m2,activations=fp8_e4m3,kv=fp8_e4m3"])
    func nativeFormatsHaveNoDequantization(_ text: String) throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128),
            precision: PrecisionConfig(parsing: text))
        #expect(graph.ops(.dequant).isEmpty)
    }

    struct DequantCase: Sendable, CustomTestStringConvertible {
        let text: String
        let mac: Precision
        let opsPerElement: Double
        var testDescription: String { text }
    }

    /// Weight-only formats run at the activation's MAC format and pay their conversion:
    /// nf4 = table lookup + absmax multiply (2); MXFP4 = convert + scale (2); int8 = convert (1).
    @Test(arguments: [
        DequantCase(text: "nf4", mac: .bf16, opsPerElement: 2),
        DequantCase(text: "weights=mxfp4,activations=bf16", mac: .bf16, opsPerElement: 2),
        DequantCase(text: "w8a16", mac: .fp16, opsPerElement: 1),
    ])
    func weightOnlyFormatsDequantize(_ c: DequantCase) throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128),
            precision: PrecisionConfig(parsing: c.text))
        let q = try #require(graph.gemms(.qProj).first)
        #expect(q.macPrecision == c.mac)
        let dequant = try #require(graph.named("L0.q_proj.dequant")?.vector)
        #expect(dequant.opsPerElement == c.opsPerElement)
    }

    struct AccumulatorCase: Sendable, CustomTestStringConvertible {
        let mac: Precision
        let accumulator: Precision
        let factor: Double
        var testDescription: String { "\(mac) acc \(accumulator)" }
    }

    /// Horowitz 45 nm: fp16 MAC = 1.1 mult + 0.9 fp32 add = 2.0 pJ; with an fp16 adder (0.4)
    /// it is 1.5 pJ, factor 0.75. fp8: 0.275 + 0.9 = 1.175; fp16 add: 0.675 / 1.175.
    /// int8: 0.2 + 0.1 = 0.3; int16 add 0.03 + 0.07 x 8/24 = 0.05333: 0.25333 / 0.3.
    /// fp32 operands with an fp16 accumulator add at fp32 (the wider): factor 1.
    @Test(arguments: [
        AccumulatorCase(mac: .fp16, accumulator: .fp16, factor: 0.75),
        AccumulatorCase(mac: .bf16, accumulator: .fp16, factor: 0.75),
        AccumulatorCase(mac: .fp16, accumulator: .fp32, factor: 1),
        AccumulatorCase(mac: .fp8, accumulator: .fp16, factor: 0.675 / 1.175),
        AccumulatorCase(mac: .int8, accumulator: .int16, factor: (0.2 + 0.03 + 0.07 / 3) / 0.3),
        AccumulatorCase(mac: .fp32, accumulator: .fp16, factor: 1),
    ])
    func accumulatorWidthScalesMACEnergy(_ c: AccumulatorCase) {
        let factor = AccumulatorCost.macEnergyFactor(mac: c.mac, accumulator: c.accumulator)
        #expect(approximatelyEqual(factor, c.factor, relative: 1e-9))
    }

    /// `acc=fp16` marks the GEMMs with their accumulator; the default (fp32) leaves them unmarked.
    @Test func accumulatorReachesTheGEMM() throws {
        let half = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128),
            precision: PrecisionConfig(parsing: "weights=fp16,activations=fp16,kv=fp16,acc=fp16"))
        let full = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 128),
            precision: PrecisionConfig(parsing: "fp16"))
        #expect(try #require(half.gemms(.qProj).first).accumulatorEnergyFactor == 0.75)
        #expect(try #require(full.gemms(.qProj).first).accumulatorPrecision == nil)
    }

    /// Bad group suffixes are errors that say what is expected.
    @Test(arguments: ["w4a16-g0", "w4a16-x", "w4a16-sfoo", "qq-g128", "w4a16-zp", "weights=int4,kv=fp16-g128"])
    func badSuffixesAreErrors(_ text: String) {
        #expect(throws: PrecisionConfig.ParseError.self) { try PrecisionConfig(parsing: text) }
    }

    /// A file's `fp8:` key gives MACs for both OCP FP8 encodings at its numbers; H100 lists fp8.
    @Test func fp8KeyCoversBothEncodings() throws {
        let h100 = try libraryAccelerator("h100-sxm")
        let fp8 = try #require(h100.compute.precisions[.fp8])
        #expect(h100.compute.precisions[.fp8E4M3] == fp8)
        #expect(h100.compute.precisions[.fp8E5M2] == fp8)
        #expect(h100.compute.precisions[.mxfp4] == nil)
    }
}
