import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// Number formats through the evaluator: MXFP4 weights move 4.25/16 of bf16's weight bytes,
/// and an fp16 accumulator charges 0.75 of the fp32-accumulator MAC energy.
struct NumberFormatCostTests {
    static func gemm(_ weights: Precision, activations: Precision) -> GEMM {
        GEMM(
            b: 1, m: 1, n: 4096, k: 4096, inputPrecision: activations, secondPrecision: weights,
            outputPrecision: activations)
    }

    /// Ideal roofline on a100: DRAM weight energy is bytes x 8 x pJ/bit, so the ratio of MXFP4
    /// weights (4 + 8/32 bits) to bf16 weights (16 bits) is 4.25 / 16 whatever the DRAM energy.
    @Test func mxfp4WeightBytesIncludeTheBlockScale() throws {
        let a100 = try RooflineTests.hardware("a100-sxm-80gb")
        let evaluator = try Evaluator(hardware: a100, mode: .ideal)
        let bf16 = try evaluator.evaluate(Self.gemm(.bf16, activations: .bf16)).cost
        let mx = try evaluator.evaluate(Self.gemm(.mxfp4, activations: .bf16)).cost
        let d = try #require(Roofline.dramIndex(a100))
        #expect(abs(mx.energy[d, 0] / bf16.energy[d, 0] - 4.25 / 16) < 1e-12)
        #expect(Self.gemm(.mxfp4, activations: .bf16).secondBytes == 4096 * 4096 * 4.25 / 8)
    }

    /// The same GEMM with `acc=fp16` has 0.75 of the MAC energy of `acc=fp32` (fp16 MAC:
    /// 1.1 pJ mult + 0.9 pJ fp32 add against 1.1 + 0.4 fp16 add, Horowitz 45 nm), mapped or ideal.
    /// The ideal roofline moves finished outputs only, so its memory energy is the same; mapped,
    /// the partial sums in the register file halve (`PartialSumTests` counts them by hand).
    @Test(arguments: [RooflineMode.ideal, .mapped])
    func accumulatorWidthChangesMACEnergy(_ mode: RooflineMode) throws {
        let a100 = try RooflineTests.hardware("a100-sxm-80gb")
        let evaluator = try Evaluator(hardware: a100, mode: mode, tilingBudget: 20)
        let wide = Self.gemm(.fp16, activations: .fp16)
        var narrow = wide
        narrow.accumulatorPrecision = .fp16
        let a = try evaluator.evaluate(wide).cost
        let b = try evaluator.evaluate(narrow).cost
        #expect(a.energy.mac > 0)
        #expect(abs(b.energy.mac / a.energy.mac - 0.75) < 1e-12)
        if mode == .ideal {
            #expect(a.energy.memory == b.energy.memory)
        } else {
            #expect(b.energy.memory.reduce(0, +) < a.energy.memory.reduce(0, +))
        }
    }

    /// A file that lists `mxfp4:` takes MXFP4 x MXFP4 natively: MAC energy = MACs x its 0.5 pJ,
    /// and no dequantization; the same GEMM with bf16 activations runs bf16 MACs (2.0 pJ).
    @Test func aFileStatesItsNativeFormats() throws {
        let path = RooflineTests.root.appendingPathComponent("Hardware/toy-1level.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let marker = "    bf16: 2.0 pJ"
        #expect(text.contains(marker))
        let edited = text.replacingOccurrences(of: marker, with: "    mxfp4: 0.5 pJ  # test value\n" + marker)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "joule-mxfp4-\(UUID().uuidString).yaml")
        try edited.write(to: temporary, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let toy = try Accelerator.load(temporary.path)
        #expect(toy.compute.supportedPrecisions.contains(.mxfp4))
        let evaluator = try Evaluator(hardware: toy, mode: .ideal)
        let native = Self.gemm(.mxfp4, activations: .mxfp4)
        #expect(native.dequantizeOps == 0)
        let cost = try evaluator.evaluate(native).cost
        #expect(abs(cost.energy.mac - 4096 * 4096 * 0.5e-12) < 1e-18)
        let weightOnly = Self.gemm(.mxfp4, activations: .bf16)
        #expect(weightOnly.macPrecision == .bf16)
        // 4096 x 4096 weights, 2 operations each (convert, scale).
        #expect(weightOnly.dequantizeOps == 4096 * 4096 * 2)
        #expect(abs(try evaluator.evaluate(weightOnly).cost.energy.mac - 4096 * 4096 * 2.0e-12) < 1e-15)
    }
}
