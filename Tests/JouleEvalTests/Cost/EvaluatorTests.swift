import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Properties every mapped evaluation must have, and the errors users meet.
struct EvaluatorTests {
    static func hardware(_ name: String) throws -> Accelerator { try RooflineTests.hardware(name) }

    struct ShapeCase: CustomTestStringConvertible, Sendable {
        var hardware: String
        var m: Int
        var n: Int
        var k: Int
        var testDescription: String { "\(hardware) \(m)x\(n)x\(k)" }
    }

    /// A mapping can only add traffic to the compulsory minimum: DRAM must deliver each weight
    /// and input at least once and receive each output once; every tile must fit its level.
    @Test(arguments: [
        ShapeCase(hardware: "toy-3level", m: 64, n: 64, k: 64),
        ShapeCase(hardware: "toy-3level", m: 1, n: 512, k: 256),
        ShapeCase(hardware: "tpu-v1", m: 128, n: 768, k: 768),
        ShapeCase(hardware: "tpu-v1", m: 8, n: 4096, k: 4096),
        ShapeCase(hardware: "eyeriss-v1", m: 128, n: 768, k: 768),
    ])
    func mappedTrafficIsAtLeastCompulsoryAndTilesFit(_ example: ShapeCase) throws {
        let hw = try Self.hardware(example.hardware)
        let precision: Precision = hw.compute.precisions[.int8] != nil ? .int8 : .int16
        let gemm = GEMM(
            b: 1, m: example.m, n: example.n, k: example.k, inputPrecision: precision, secondPrecision: precision,
            outputPrecision: precision)
        let (cost, evaluated) = try Evaluator(hardware: hw, tilingBudget: 50).evaluate(gemm)
        #expect(evaluated > 0)
        let counts = try #require(cost.counts)
        let dram = counts.levels[0]
        #expect(dram[0].reads >= Double(example.k * example.n))
        #expect(dram[1].reads >= Double(example.m * example.k))
        #expect(dram[2].updates >= Double(example.m * example.n))
        #expect(counts.macs == Double(example.m * example.n * example.k))
        for (i, level) in hw.memory.enumerated() {
            let bytes = counts.levels[i].reduce(0.0) { $0 + ($1.held ? $1.tile * $1.wordBits / 8 : 0) }
            #expect(bytes <= level.size.si, "tiles at \(level.name) exceed its size")
        }
        #expect(cost.utilization > 0 && cost.utilization <= 1)
    }

    /// Every library design except toy-1level (Timeloop's 64-word exercise, which holds only
    /// tiny problems) maps a transformer projection and a decode GEMV at every precision it
    /// has: a level that must hold an operand it cannot fit would leave no mapping at all.
    static let libraryHardware: [String] = {
        let folder = RooflineTests.root.appendingPathComponent("Hardware").path
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.filter { $0 != "toy-1level" }
            .sorted()
    }()

    @Test(arguments: libraryHardware) func everyLibraryDesignMapsTransformerGEMMs(_ name: String) throws {
        let hw = try Self.hardware(name)
        #expect(!hw.compute.supportedPrecisions.isEmpty)
        for precision in hw.compute.supportedPrecisions {
            for (m, n, k) in [(128, 768, 768), (1, 4096, 4096)] {
                let gemm = GEMM(
                    b: 1, m: m, n: n, k: k, inputPrecision: precision, secondPrecision: precision,
                    outputPrecision: precision)
                let (cost, _) = try Evaluator(hardware: hw, tilingBudget: 20).evaluate(gemm)
                let counts = try #require(cost.counts)
                #expect(counts.levels[0][0].reads >= Double(k * n), "\(name) \(precision) \(m)x\(n)x\(k)")
            }
        }
    }

    @Test func anUnsupportedDataflowIsAnError() throws {
        let tpu = try Self.hardware("tpu-v1")
        #expect(throws: Evaluator.EvaluationError.self) {
            try Evaluator(hardware: tpu, dataflow: .outputStationary)
        }
    }

    @Test func aPrecisionWithoutMACsNamesTheHardware() throws {
        let tpu = try Self.hardware("tpu-v1")
        let gemm = GEMM(
            b: 1, m: 64, n: 64, k: 64, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16)
        do {
            _ = try Evaluator(hardware: tpu).evaluate(gemm)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains("tpu-v1 has no bf16 MACs"))
        }
    }

    /// Issue 18, item 6: W8A8 keeps the KV cache at fp16, so on TPU v1 (int8 MACs only) the first
    /// GEMM that fails is layer 0's score GEMM, int8 queries against the fp16 cache, which needs fp16
    /// MACs. The error names the operator, both operand formats and the MAC format, and the presets
    /// whose every GEMM has int8 MACs: only `int8` (w8a8 and the float presets all need float MACs).
    @Test(arguments: [RooflineMode.ideal, .mapped])
    func aPrecisionWithoutMACsNamesTheOperatorAndAPresetThatFits(_ mode: RooflineMode) throws {
        let tpu = try Self.hardware("tpu-v1")
        let graph = try GraphBuilder(model: RooflineTests.model("gpt2"), precision: PrecisionConfig(parsing: "w8a8"))
            .build(.decode(batch: 1, context: 128))
        do {
            _ = try Evaluator(hardware: tpu, mode: mode, tilingBudget: 20).evaluate(graph)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.hasPrefix("L0.attn_score (input int8, KV cache fp16, fp16 MACs)"), "\(error.message)")
            #expect(error.message.contains("tpu-v1 has no fp16 MACs"))
            #expect(error.message.hasSuffix("; --precision int8 fits tpu-v1"), "\(error.message)")
        }
    }

    /// A mapped MoE batch padded to its busiest expert: its loop nest runs every padded row (the
    /// compute time of the dense batch) while MAC energy counts the routed rows (density 1/2: half).
    @Test func mappedPaddedMoEBatchRunsItsPaddedRowsAndChargesItsRoutedOnes() throws {
        let toy = try Self.hardware("toy-3level")
        var padded = GEMM(
            b: 4, m: 16, n: 64, k: 64, density: 0.5, secondInstances: 4, inputPrecision: .int8,
            secondPrecision: .int8, outputPrecision: .int8)
        padded.padded = true
        var dense = padded
        dense.density = 1
        dense.padded = false
        let evaluator = try Evaluator(hardware: toy, objective: .latency, tilingBudget: 20)
        let half = try evaluator.evaluate(padded).cost
        let full = try evaluator.evaluate(dense).cost
        #expect(half.computeSeconds == full.computeSeconds)
        #expect(abs(half.energy.mac - full.energy.mac / 2) <= 1e-9 * full.energy.mac)
    }

    @Test func aMissingOperatingPointIsAnError() throws {
        let tpu = try Self.hardware("tpu-v1")
        #expect(throws: Evaluator.EvaluationError.self) { try Evaluator(hardware: tpu, operatingPoint: 3) }
    }

    /// Identical layers map once: a 32-layer decoder has as many mapped shapes as distinct GEMMs.
    @Test func identicalLayersMapOnce() throws {
        let toy = try Self.hardware("toy-3level")
        let model = try RooflineTests.model("gpt2")
        let graph = try GraphBuilder(model: model, precision: try PrecisionConfig(parsing: "int8")).build(
            .decode(batch: 1, context: 128))
        let evaluation = try Evaluator(hardware: toy, tilingBudget: 20).evaluate(graph)
        #expect(evaluation.mappedShapes == graph.distinctGEMMs.count)
        #expect(evaluation.mappedShapes < graph.operators.filter { $0.gemm != nil }.count)
        #expect(evaluation.costs.count == graph.operators.count)
    }
}
