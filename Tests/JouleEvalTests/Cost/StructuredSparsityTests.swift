import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// N:M weight sparsity and activation density, against hand-derived MACs, bytes and energies
/// on toy-3level (every energy given: bf16 MAC 2.0 pJ, DRAM 20 pJ/bit).
struct StructuredSparsityTests {
    /// toy-3level with `extra` added to its `compute:` section (after `dataflows:`).
    static func toy(_ extra: String) throws -> Accelerator {
        let path = RooflineTests.root.appendingPathComponent("Hardware/toy-3level.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let marker = "  vector: { lanes: 8"
        #expect(text.contains(marker))
        let edited = text.replacingOccurrences(of: marker, with: extra + "\n" + marker)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent(
            "joule-sparse-\(UUID().uuidString).yaml")
        try edited.write(to: temporary, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: temporary) }
        return try Accelerator.load(temporary.path)
    }

    /// One token through a 64 x 64 bf16 weight.
    static func gemm(sparsity: SparsityPattern?) -> GEMM {
        var g = GEMM(b: 1, m: 1, n: 64, k: 64, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16)
        g.weightSparsity = sparsity
        return g
    }

    struct PatternCase: CustomTestStringConvertible, Sendable {
        var text: String
        var n: Int
        var m: Int
        var indexBits: Int
        var testDescription: String { text }
    }

    /// The index of a kept value among M: ceil(log2 M) bits (2 for NVIDIA's 2:4).
    @Test(arguments: [
        PatternCase(text: "2:4", n: 2, m: 4, indexBits: 2),
        PatternCase(text: "1:4", n: 1, m: 4, indexBits: 2),
        PatternCase(text: "4:8", n: 4, m: 8, indexBits: 3),
        PatternCase(text: " 1:2 ", n: 1, m: 2, indexBits: 1),
        PatternCase(text: "2:5", n: 2, m: 5, indexBits: 3),
    ])
    func patternsRead(_ example: PatternCase) throws {
        let pattern = try SparsityPattern(parsing: example.text)
        #expect(pattern.n == example.n && pattern.m == example.m)
        #expect(pattern.indexBits == example.indexBits)
        #expect(pattern.density == Double(example.n) / Double(example.m))
    }

    @Test(arguments: ["4:2", "0:4", "2:2", "2-4", "2:4:8", "", "a:b", "1:512"])
    func badPatternsAreRefused(_ text: String) {
        #expect(throws: SparsityPattern.ParseError.self) { try SparsityPattern(parsing: text) }
    }

    /// Native 2:4 (ideal roofline): K' = 32, so 1 x 64 x 32 = 2048 MACs x 2.0 pJ = 4.096 nJ
    /// (dense: 4096 MACs, 8.192 nJ); weights 64 x 32 kept x (16 + 2 index) bits = 4608 B
    /// (dense 8192 B), at 20 pJ/bit = 737.28 nJ; the input is still read whole: 64 x 2 B = 128 B.
    @Test func nativeSparsityHalvesMACsAndAddsIndexBytes() throws {
        let toy = try Self.toy("  sparsity: [2:4]")
        #expect(toy.compute.sparsity == [.twoFour])
        let evaluator = try Evaluator(hardware: toy, mode: .ideal)
        let dense = try evaluator.evaluate(Self.gemm(sparsity: nil)).cost
        let sparse = try evaluator.evaluate(Self.gemm(sparsity: .twoFour)).cost
        let resolved = Self.gemm(sparsity: .twoFour).resolvingSparsity(on: toy.compute)
        #expect(resolved.macs == 2048)
        #expect(resolved.secondBytes == 4608)
        #expect(resolved.inputBytes == 128)
        #expect(resolved.weightSparsity == nil)
        #expect(resolved.resolvingSparsity(on: toy.compute) == resolved)
        #expect(abs(dense.energy.mac - 8.192e-9) < 1e-18)
        #expect(abs(sparse.energy.mac - 4.096e-9) < 1e-18)
        #expect(abs(dense.energy[0, 0] - 8192 * 8 * 20e-12) < 1e-15)
        #expect(abs(sparse.energy[0, 0] - 4608 * 8 * 20e-12) < 1e-15)
        #expect(abs(sparse.energy[0, 1] - 128 * 8 * 20e-12) < 1e-15)
    }

    /// A file that decompresses: the same 4608 weight bytes, but all 4096 MACs (8.192 nJ).
    @Test func decompressingHardwareSavesBytesOnly() throws {
        let toy = try Self.toy("  sparse_decompress: true")
        let g = Self.gemm(sparsity: .twoFour)
        #expect(g.sparsityHandling(on: toy.compute) == .decompressed)
        let cost = try Evaluator(hardware: toy, mode: .ideal).evaluate(g).cost
        #expect(abs(cost.energy.mac - 8.192e-9) < 1e-18)
        #expect(abs(cost.energy[0, 0] - 4608 * 8 * 20e-12) < 1e-15)
    }

    /// Hardware with neither keeps the weight dense, and the graph says so.
    @Test func unsupportedSparsityIsIgnoredWithAWarning() throws {
        let toy = try RooflineTests.hardware("toy-3level")
        let g = Self.gemm(sparsity: .twoFour)
        #expect(g.sparsityHandling(on: toy.compute) == .ignored)
        let cost = try Evaluator(hardware: toy, mode: .ideal).evaluate(g).cost
        #expect(abs(cost.energy.mac - 8.192e-9) < 1e-18)
        #expect(abs(cost.energy[0, 0] - 8192 * 8 * 20e-12) < 1e-15)
        var options = GraphOptions()
        options.weightSparsity = .twoFour
        let graph = try GraphBuilder(model: RooflineTests.model("llama-2-7b"), options: options).build(
            .decode(batch: 1, context: 16))
        let warnings = graph.sparsityWarnings(on: toy)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("2:4 weight sparsity is ignored") == true)
        #expect(graph.sparsityWarnings(on: try Self.toy("  sparsity: [2:4]")).isEmpty)
    }

    /// Mapped: the sparse problem is its own cache entry (K 32, 18-bit weights, M/N-wide
    /// inputs) and its counted MACs are 2048; a hardware edit that adds `sparsity:` moves the
    /// answer for the same GEMM through one shared cache.
    @Test func mappedSparsityChangesTheMapperKey() throws {
        let cache = MapperCache()
        let plain = try Evaluator(
            hardware: RooflineTests.hardware("toy-3level"), mode: .mapped, cache: cache, tilingBudget: 20)
        let sparseHardware = try Evaluator(
            hardware: Self.toy("  sparsity: [2:4]"), mode: .mapped, cache: cache, tilingBudget: 20)
        let g = Self.gemm(sparsity: .twoFour)
        let ignored = try plain.evaluate(g).cost
        let native = try sparseHardware.evaluate(g).cost
        #expect(cache.misses == 2)
        #expect(ignored.counts?.macs == 4096)
        #expect(native.counts?.macs == 2048)
        #expect(abs(native.energy.mac - 4.096e-9) < 1e-18)
        #expect(native.energy.total < ignored.energy.total)
        // DRAM serves the compressed weight at least once: 2048 kept values of 18 bits, 4608 B.
        let counts = try #require(native.counts)
        let dramWeights = counts.access(level: 0, operand: 0)
        #expect(dramWeights.wordBits == 18)
        let dramWeightBits = dramWeights.reads * dramWeights.wordBits
        #expect(dramWeightBits / 8 >= 4608 - 1e-9)
    }

    /// The graph marks the layers' weights only, in the forward pass: llama-2-7b has 7 weight
    /// GEMMs per layer (q, k, v, o, gate, up, down), 32 layers; the LM head stays dense.
    @Test func theGraphMarksLayerWeights() throws {
        var options = GraphOptions()
        options.weightSparsity = .twoFour
        let graph = try GraphBuilder(model: RooflineTests.model("llama-2-7b"), options: options).build(
            .decode(batch: 1, context: 16))
        let marked = graph.operators.filter { $0.gemm?.weightSparsity != nil }
        #expect(marked.count == 7 * 32)
        #expect(graph.operators.first { $0.role == .lmHead }?.gemm?.weightSparsity == nil)
        #expect(graph.operators.first { $0.role == .attnScore }?.gemm?.weightSparsity == nil)
    }

    /// Training keeps the backward pass dense: a 2:4 mask holds along K, the forward reduction.
    /// The data gradient dX = dY · Wᵀ reduces over N, along which the mask has no structure,
    /// and the weight gradient dW is a dense tensor. llama-2-7b training: the 7 x 32 forward
    /// projections are marked, none of their 2 x 7 x 32 backward GEMMs.
    @Test func theBackwardPassStaysDense() throws {
        var options = GraphOptions()
        options.weightSparsity = .twoFour
        let graph = try GraphBuilder(model: RooflineTests.model("llama-2-7b"), options: options).build(
            .training(batch: 1, sequence: 16))
        let marked = graph.operators.filter { $0.gemm?.weightSparsity != nil }
        #expect(marked.count == 7 * 32)
        #expect(marked.allSatisfy { $0.pass == .forward })
        #expect(graph.operators.contains { $0.name == "L0.q_proj.dgrad" && $0.gemm?.weightSparsity == nil })
    }

    /// Activation density scales the FFN down-projection's MACs only: OPT-6.7b (ReLU, h 4096,
    /// FFN 16384), one decode token at density 0.25: 4096 x 16384 x 0.25 = 16,777,216 MACs;
    /// its bytes stay those of the dense operands.
    @Test func activationDensityScalesDownProjectionMACs() throws {
        let model = try RooflineTests.model("opt-6.7b")
        var options = GraphOptions()
        options.activationDensity = 0.25
        let sparse = try GraphBuilder(model: model, options: options).build(.decode(batch: 1, context: 16))
        let dense = try GraphBuilder(model: model).build(.decode(batch: 1, context: 16))
        let down = try #require(sparse.operators.first { $0.name == "L0.ffn_down" }?.gemm)
        let denseDown = try #require(dense.operators.first { $0.name == "L0.ffn_down" }?.gemm)
        #expect(down.macs == 16_777_216)
        #expect(denseDown.macs == 67_108_864)
        #expect(down.secondBytes == denseDown.secondBytes)
        #expect(down.inputBytes == denseDown.inputBytes)
        let up = try #require(sparse.operators.first { $0.name == "L0.ffn_up" }?.gemm)
        #expect(up.macs == 67_108_864)
        #expect(sparse.warnings.isEmpty)
        var silu = options
        silu.activationDensity = 0.5
        let llama = try GraphBuilder(model: RooflineTests.model("llama-2-7b"), options: silu).build(
            .decode(batch: 1, context: 16))
        #expect(llama.warnings.contains { $0.contains("not ReLU-family") })
        options.activationDensity = 0
        #expect(throws: GraphBuildError.self) {
            try GraphBuilder(model: model, options: options).build(.decode(batch: 1, context: 16))
        }
    }

    /// Dequantization converts the stored weights only. llama-2-7b's L0.q_proj, 4096 x 4096
    /// int4-g128 weights under bf16 MACs, 2 vector operations per weight (convert, group scale):
    /// dense 4096 x 4096 x 2 = 33,554,432. At 2:4, stored compressed (toy-3level with
    /// `sparse_decompress: true`) 4096 x 4096 x 2/4 x 2 = 16,777,216; natively sparse
    /// (`sparsity: [2:4]`) K' = 2048 kept rows, 2048 x 4096 x 2 = 16,777,216; ignored (plain
    /// toy-3level) dense again. `joule graph`, which knows no hardware, counts the dense weight.
    @Test func sparseWeightsDequantizeTheirKeptValuesOnly() throws {
        var options = GraphOptions()
        options.weightSparsity = .twoFour
        let graph = try GraphBuilder(
            model: RooflineTests.model("llama-2-7b"), precision: PrecisionConfig(parsing: "weights=int4-g128"),
            options: options
        ).build(.decode(batch: 1, context: 16))
        let index = try #require(graph.operators.firstIndex { $0.name == "L0.q_proj.dequant" })
        func ops(_ operators: [Operator]) -> Double? {
            if case .vector(let v) = operators[index].kind { return v.ops }
            return nil
        }
        #expect(ops(graph.operators) == 33_554_432)
        let designs = [
            (try Self.toy("  sparse_decompress: true"), 16_777_216.0),
            (try Self.toy("  sparsity: [2:4]"), 16_777_216),
            (try RooflineTests.hardware("toy-3level"), 33_554_432),
        ]
        for (hardware, expected) in designs {
            let evaluation = try Evaluator(hardware: hardware, mode: .ideal).evaluate(graph)
            #expect(ops(evaluation.operators) == expected, "\(hardware.name)")
            #expect(abs(evaluation.costs[index].energy.vector - expected * 0.4e-12) < 1e-15, "\(hardware.name)")
        }
    }

    /// A bad pattern in a hardware file is an error at its item, with an example.
    @Test func aBadHardwarePatternIsPositioned() throws {
        do {
            _ = try Self.toy("  sparsity: [2:4, 4:2]")
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            let item = try #require(error.items.first)
            #expect(item.message.contains("1 <= N < M"))
            #expect(item.mark?.column == 19)
            #expect(item.hint == "sparsity: [2:4]")
        }
    }

    /// Stored weights shrink where the hardware keeps them compressed. llama-2-7b in bf16:
    /// attention 32 x 4 x 4096^2 = 2,147,483,648 and FFN 32 x 3 x 4096 x 11008 = 4,328,521,728
    /// parameters, 6,476,005,376 in all, save (16 - 18 x 2/4) / 8 = 7/8 B each at 2:4:
    /// 13,476,831,232 - 5,666,504,704 = 7,810,326,528 B on the H100; dense on tpu-v1.
    @Test func sparseWeightsTakeLessMemoryWhereStoredCompressed() throws {
        var options = GraphOptions()
        options.weightSparsity = .twoFour
        let graph = try GraphBuilder(model: RooflineTests.model("llama-2-7b"), options: options).build(
            .decode(batch: 1, context: 16))
        #expect(graph.weightBytes == 13_476_831_232)
        #expect(graph.weightBytes(on: try RooflineTests.hardware("h100-sxm")) == 7_810_326_528)
        #expect(graph.weightBytes(on: try RooflineTests.hardware("tpu-v1")) == 13_476_831_232)
        #expect(graph.weightBytes(on: try Self.toy("  sparse_decompress: true")) == 7_810_326_528)
    }
}
