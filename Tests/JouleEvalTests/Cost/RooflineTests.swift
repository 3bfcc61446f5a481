import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// Ideal-roofline figures against LLM roofline references and hand derivations.
struct RooflineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func hardware(_ name: String) throws -> Accelerator {
        try Accelerator.load(root.appendingPathComponent("Hardware/\(name).yaml").path)
    }

    static func model(_ name: String) throws -> ModelConfig {
        try ModelConfig.load(root.appendingPathComponent("Models/\(name).yaml").path)
    }

    struct DecodeCase: CustomTestStringConvertible, Sendable {
        var batch: Int
        var milliseconds: Double
        var tolerance: Double
        var testDescription: String { "batch \(batch): \(milliseconds) ms" }
    }

    /// LLM roofline (LLM-Viewer style): llama-2-7b, fp16 everything, on an A100-SXM-80GB of
    /// 312 TFLOP/s dense fp16 and 2.039 TB/s, decode with a 2048-token context. The reference
    /// figures assume the datasheet peaks, so the file's efficiencies are set to 1 here.
    @Test(arguments: [
        DecodeCase(batch: 1, milliseconds: 7.0, tolerance: 0.02),
        DecodeCase(batch: 64, milliseconds: 40.2, tolerance: 0.03),
    ])
    func llamaDecodeOnA100(_ example: DecodeCase) throws {
        let a100 = try Self.hardware("a100-sxm-80gb").atPeak
        let precision = try PrecisionConfig(parsing: "fp16")
        let graph = try GraphBuilder(model: Self.model("llama-2-7b"), precision: precision).build(
            .decode(batch: example.batch, context: 2048))
        let evaluation = try Evaluator(hardware: a100, mode: .ideal).evaluate(graph)
        let milliseconds = evaluation.seconds * 1e3
        #expect(abs(milliseconds - example.milliseconds) <= example.tolerance * example.milliseconds)
        #expect(evaluation.bound == .memory("HBM"))
    }

    /// The file's `bandwidth_efficiency: 0.9` on HBM stretches the HBM-bound batch-1 decode by
    /// 1 / 0.9: 7.0 ms / 0.9 = 7.78 ms (the same graph as above, every operator HBM-bound).
    @Test func decodeOnA100TakesTheFileBandwidthEfficiency() throws {
        let a100 = try Self.hardware("a100-sxm-80gb")
        #expect(a100.dram?.bandwidthEfficiency == 0.9)
        let graph = try GraphBuilder(model: Self.model("llama-2-7b"), precision: PrecisionConfig(parsing: "fp16"))
            .build(.decode(batch: 1, context: 2048))
        let peak = try Evaluator(hardware: a100.atPeak, mode: .ideal).evaluate(graph).seconds
        let derated = try Evaluator(hardware: a100, mode: .ideal).evaluate(graph).seconds
        #expect(abs(derated / peak - 1 / 0.9) < 1e-9)
        #expect(abs(derated * 1e3 - 7.0 / 0.9) <= 0.02 * 7.0 / 0.9)
    }

    /// A compute-bound GEMM's time is divided by its precision's `efficiency`: 4096^3 bf16 MACs
    /// on h100-sxm at 528 x 512 MACs per cycle x 1.83 GHz = 494.7e12 MAC/s take 138.9 µs at
    /// peak, and 138.9 / 0.976 = 142.3 µs with the file's efficiency 0.976.
    @Test func computeTimeTakesThePrecisionEfficiency() throws {
        let h100 = try Self.hardware("h100-sxm")
        let gemm = GEMM(
            b: 1, m: 4096, n: 4096, k: 4096, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16)
        let cost = try Roofline.ideal(gemm, hardware: h100, at: h100.operatingPoints[0])
        let peak = 4096.0 * 4096 * 4096 / (528 * 512 * 1.83e9)
        #expect(cost.bound == .compute)
        #expect(abs(cost.seconds - peak / 0.976) < 1e-12)
        #expect(abs(cost.utilization - 0.976) < 1e-9)
    }

    /// toy-3level: 64 PEs at 1 GHz, DRAM 12.8 GB/s at 20 pJ/bit, int8 MAC 0.3 pJ, no static power.
    @Test func idealGEMMByHand() throws {
        let toy = try Self.hardware("toy-3level")
        let gemm = GEMM(
            b: 1, m: 64, n: 64, k: 64, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let point = toy.operatingPoints[0]
        let cost = try Roofline.ideal(gemm, hardware: toy, at: point)
        // 262,144 MACs / 64 per ns = 4096 ns of compute; 3 x 4096 bytes / 12.8 GB/s = 960 ns.
        #expect(abs(cost.seconds - 4096e-9) < 1e-15)
        #expect(cost.bound == .compute)
        // 262,144 x 0.3 pJ + 3 x 4096 x 8 bits x 20 pJ, scaled by (0.9 V / 0.9 V)^2.
        let expected: Double = 262_144 * 0.3e-12 + 3 * 4096 * 8 * 20e-12
        #expect(abs(cost.energy.total - expected) < 1e-18)
    }

    /// A MoE expert batch padded to its busiest expert (issue 18, item 5): 4 experts x 64 rows x
    /// 64 x 64, of which half the rows carry tokens (density 1/2). Time follows the padded 1,048,576
    /// MACs (16,384 ns at 64 per ns); MAC energy the 524,288 routed ones at 0.3 pJ. Unpadded, the
    /// same density (masked attention) takes half the time.
    @Test func paddedMoEBatchIsTimedByItsBusiestExpert() throws {
        let toy = try Self.hardware("toy-3level")
        var gemm = GEMM(
            b: 4, m: 64, n: 64, k: 64, density: 0.5, secondInstances: 4, inputPrecision: .int8,
            secondPrecision: .int8, outputPrecision: .int8)
        let point = toy.operatingPoints[0]
        let masked = try Roofline.ideal(gemm, hardware: toy, at: point)
        gemm.padded = true
        let padded = try Roofline.ideal(gemm, hardware: toy, at: point)
        #expect(abs(padded.seconds - 16_384e-9) < 1e-15)
        #expect(abs(masked.seconds - 8192e-9) < 1e-15)
        #expect(abs(padded.energy.mac - 524_288 * 0.3e-12) < 1e-18)
        #expect(padded.energy.mac == masked.energy.mac)
    }

    @Test func vectorOperatorByHand() throws {
        let toy = try Self.hardware("toy-3level")
        let op = VectorOp(elements: 1000, opsPerElement: 5, bytesRead: 2000, bytesWritten: 2000, fused: false)
        let cost = Roofline.vector(op, hardware: toy, at: toy.operatingPoints[0])
        // 5000 ops on 8 lanes at 1 GHz = 625 ns; 4000 bytes at 12.8 GB/s = 312.5 ns.
        #expect(abs(cost.seconds - 625e-9) < 1e-15)
        let expected: Double = 5000 * 0.4e-12 + 4000 * 8 * 20e-12
        #expect(abs(cost.energy.total - expected) < 1e-18)
    }

    @Test func operatingPointScalesDynamicEnergyByVoltageSquaredAndTimeByClock() throws {
        var toy = try Self.hardware("toy-3level")
        toy.operatingPoints.append(OperatingPoint(frequency: .megahertz(500), voltage: Voltage(si: 0.45)))
        let gemm = GEMM(
            b: 1, m: 64, n: 64, k: 64, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let nominal = try Roofline.ideal(gemm, hardware: toy, at: toy.operatingPoints[0])
        let slow = try Roofline.ideal(gemm, hardware: toy, at: toy.operatingPoints[1])
        #expect(abs(slow.seconds - 2 * nominal.seconds) < 1e-15)
        #expect(abs(slow.energy.total - nominal.energy.total / 4) < 1e-18)
    }
}
