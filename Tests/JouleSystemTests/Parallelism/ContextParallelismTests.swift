import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// Context parallelism (ring attention) on llama-2-7b: 32 layers, hidden 4096, 32 heads and 32
/// key/value heads of 128, bf16; numbers derived by hand from those shapes.
struct ContextParallelismTests {
    static func system(_ plan: ParallelPlan) throws -> SystemEvaluator {
        let h100 = try Fixtures.hardware("h100-sxm")
        return SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: plan,
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
    }

    static func plan(context: Int, tensor: Int = 1, data: Int = 1, overlap: Bool = false) -> ParallelPlan {
        var plan = ParallelPlan(tensor: tensor, data: data, overlap: overlap)
        plan.context = context
        return plan
    }

    @Test func eachDeviceCachesAQuarterOfTheSequenceAndAQuarterOfTheCausalScores() throws {
        let model = try Fixtures.model("llama-2-7b")
        let evaluation = try Self.system(Self.plan(context: 4)).evaluate(
            model: model, phase: .prefill(batch: 2, sequence: 4096), precision: .standard, options: GraphOptions())
        // 2 sequences x 1024 tokens x 32 layers x 2 (K, V) x 4096 x 2 bytes = 1 GiB (4 GiB unsplit).
        #expect(evaluation.footprint.kvCache == 1_073_741_824)
        let graph = evaluation.device.graph
        let qProj = try #require(graph.operators.first { $0.role == .qProj }?.gemm)
        #expect(qProj.m == 2 * 1024)
        // Causal scores of a 4096-token sequence per head: 4096 x 4097 / 2 = 8,390,656; a
        // quarter, 2,097,664, per device (load-balanced chunks), over 1024 queries x 4096 keys.
        let score = try #require(graph.operators.first { $0.role == .attnScore }?.gemm)
        #expect(score.m == 1024 && score.n == 4096)
        #expect(score.outputElements == 2 * 32 * 2_097_664)
        #expect(evaluation.tokens == 2 * 4096)
    }

    @Test func theRingSendsThreeKVChunksPerLayerAndTheStepAddsThemToCompute() throws {
        let model = try Fixtures.model("llama-2-7b")
        let phase = Phase.prefill(batch: 2, sequence: 4096)
        let evaluation = try Self.system(Self.plan(context: 4)).evaluate(
            model: model, phase: phase, precision: .standard, options: GraphOptions())
        let ring = try #require(evaluation.communication.first { $0.purpose.hasPrefix("CP ring") })
        // One chunk: 2 x 1024 tokens x 2 x 4096 x 2 bytes = 32 MiB; (4 - 1) steps x 32 layers.
        #expect(ring.cost.bytes == 33_554_432)
        #expect(ring.perStep == 96)
        #expect(evaluation.communication.count == 1)
        // Each step is alpha + S/B on the 450 GB/s, 2 us link; no overlap: compute + 96 steps.
        let step = 2e-6 + 33_554_432 / 450e9
        let compute = evaluation.device.costs.reduce(0) { $0 + $1.seconds }
        #expect(abs(evaluation.seconds - (compute + 96 * step)) < 1e-12)
        // With overlap the longer of the two.
        let overlapped = try Self.system(Self.plan(context: 4, overlap: true)).evaluate(
            model: model, phase: phase, precision: .standard, options: GraphOptions())
        #expect(abs(overlapped.seconds - max(compute, 96 * step)) < 1e-12)
        // Energy: 4 devices each send 96 chunks at the fixture's 1 pJ/bit.
        #expect(abs(evaluation.linkEnergy - 4 * 96 * 33_554_432 * 8 * 1e-12) < 1e-9)
    }

    @Test func trainingSendsKVAndItsGradientBackAndReducesGradientsOverDataTimesContext() throws {
        let model = try Fixtures.model("llama-2-7b")
        let evaluation = try Self.system(Self.plan(context: 2, data: 2)).evaluate(
            model: model, phase: .training(batch: 2, sequence: 1024), precision: .standard, options: GraphOptions())
        // One sequence and 512 tokens per device: a chunk is 512 x 2 x 4096 x 2 bytes = 8 MiB,
        // 1 step x 32 layers each way; the backward pass sends K/V and dK/dV, 16 MiB.
        let backward = try #require(evaluation.communication.first { $0.purpose.contains("dK/dV") })
        #expect(backward.cost.bytes == 16_777_216 && backward.perStep == 32)
        let gradients = try #require(evaluation.communication.first { $0.purpose.hasPrefix("DP gradient") })
        #expect(gradients.cost.group == 4)
    }

    @Test func decodeSplitsTheKVCacheAndGathersPartialOutputs() throws {
        let model = try Fixtures.model("llama-2-7b")
        let evaluation = try Self.system(Self.plan(context: 4)).evaluate(
            model: model, phase: .decode(batch: 8, context: 4096), precision: .standard, options: GraphOptions())
        // 8 sequences x 1024 cached tokens x 32 layers x 2 x 4096 x 2 bytes = 4 GiB (16 unsplit).
        #expect(evaluation.footprint.kvCache == 4_294_967_296)
        // Each device: 8 tokens x 32 heads x (128 + 1) x 2 bytes = 66,048; the gathered buffer is
        // 4 of them; one per layer.
        let gather = try #require(evaluation.communication.first { $0.cost.collective == .allGather })
        #expect(gather.cost.bytes == 4 * 66_048 && gather.perStep == 32)
        // The four devices share the step's 8 new tokens.
        #expect(evaluation.tokens == 8)
        // Each layer combines 4 partials of 8 x 32 heads x 128: 131,072 elements, 2 operations
        // each plus a 5-operation softmax over 4 values per token and head (4 x 256 x 5 =
        // 5,120): 267,264 operations; it reads the gathered 264,192 bytes and writes 8 x 32 x
        // 128 x 2 = 65,536.
        let combines = evaluation.device.graph.operators.filter { $0.name.hasSuffix(".cp_combine") }
        #expect(combines.count == 32)
        let combine = try #require(combines.first?.vector)
        #expect(combine.elements == 131_072 && abs(combine.ops - 267_264) < 1e-6)
        #expect(combine.bytesRead == 264_192 && combine.bytesWritten == 65_536)
    }

    @Test func ranksRunTensorFastestThenContextThenData() throws {
        // Two nodes of 8; TP 4, CP 2, DP 2: ranks 0-3 are a tensor group, 0 and 4 a context
        // ring (inside node 0), and the gradient group of data x context ranks is 0, 4, 8, 12:
        // two per node over both nodes.
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8, nodes: 2),
            plan: Self.plan(context: 2, tensor: 4, data: 2),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let evaluation = try system.evaluate(
            model: try Fixtures.model("llama-2-7b"), phase: .training(batch: 2, sequence: 512), precision: .standard,
            options: GraphOptions())
        let ring = try #require(evaluation.communication.first { $0.purpose.hasPrefix("CP ring") })
        #expect(Array(ring.cost.linkBytes.keys) == ["NVLink"])
        let gradients = try #require(evaluation.communication.first { $0.purpose.hasPrefix("DP gradient") })
        #expect(gradients.cost.group == 4)
        #expect(Set(gradients.cost.linkBytes.keys) == ["NVLink", "IB"])
        // With CP 8 on four nodes, the ring's ranks 0, 4, ..., 28 span all four: the slowest hop is IB.
        let wide = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8, nodes: 4), plan: Self.plan(context: 8, tensor: 4),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let wideRing = try #require(
            try wide.evaluate(
                model: try Fixtures.model("llama-2-7b"), phase: .prefill(batch: 1, sequence: 512), precision: .standard,
                options: GraphOptions()
            ).communication.first { $0.purpose.hasPrefix("CP ring") })
        #expect(Array(wideRing.cost.linkBytes.keys) == ["IB"])
    }

    struct BadContext: Sendable, CustomTestStringConvertible {
        var model: String
        var context: Int
        var phase: Phase
        var words: [String]
        var testDescription: String { words.joined(separator: " ") }
    }

    @Test(arguments: [
        BadContext(
            model: "llama-2-7b", context: 4, phase: .prefill(batch: 1, sequence: 4092), words: ["8", "4092"]),
        BadContext(
            model: "llama-2-7b", context: 3, phase: .decode(batch: 1, context: 4096), words: ["3", "context 4096"]),
        BadContext(
            model: "gemma-2-9b", context: 2, phase: .decode(batch: 1, context: 4096), words: ["sliding window"]),
    ])
    func aContextThatDoesNotSplitIsAnErrorNamingTheNumbers(_ bad: BadContext) throws {
        let model = try Fixtures.model(bad.model)
        let system = try Self.system(Self.plan(context: bad.context))
        do {
            _ = try system.footprint(
                model: model, phase: bad.phase, precision: .standard, options: GraphOptions())
            Issue.record("expected an error")
        } catch {
            for word in bad.words where !error.description.contains(word) {
                Issue.record("'\(error.description)' does not name \(word)")
            }
        }
    }
}
