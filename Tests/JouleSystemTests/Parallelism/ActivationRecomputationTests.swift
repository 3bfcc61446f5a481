import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// Activation recomputation (Korthikanti et al. 2023) on llama-2-7b training, one sequence of
/// 512 tokens, one device, unfused attention: 32 layers, hidden 4096, 32 heads of 128, FFN 11008
/// (SwiGLU), bf16.
struct ActivationRecomputationTests {
    static func evaluate(_ recompute: ParallelPlan.Recompute) throws -> SystemEvaluation {
        let h100 = try Fixtures.hardware("h100-sxm")
        var plan = ParallelPlan()
        plan.recompute = recompute
        return try SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: plan,
            evaluator: try Evaluator(hardware: h100, mode: .ideal)
        ).evaluate(
            model: try Fixtures.model("llama-2-7b"), phase: .training(batch: 1, sequence: 512), precision: .standard,
            options: GraphOptions())
    }

    @Test func savedActivationsFollowTableTwo() throws {
        // Per layer, s·b·h = 512 x 4096 = 2,097,152: none keeps 34 + 5·a·s/h = 34 + 5 x 32 x 512
        // / 4096 = 54 of them (113,246,208 bytes), selective 34 (71,303,168), full only the input,
        // 2 (4,194,304), plus one layer's 113,246,208 while it is recomputed.
        #expect(try Self.evaluate(.none).footprint.activations == 32 * 113_246_208)
        #expect(try Self.evaluate(.selective).footprint.activations == 32 * 71_303_168)
        #expect(try Self.evaluate(.full).footprint.activations == 32 * 4_194_304 + 113_246_208)
    }

    @Test func recomputationAddsTheForwardMACsItRunsAgainAndTheirTime() throws {
        let none = try Self.evaluate(.none)
        // One layer's forward MACs at 512 tokens: q, k, v, o 4 x 512 x 4096² = 34,359,738,368;
        // FFN 3 x 512 x 4096 x 11008 = 69,256,347,648; causal attention, score and context,
        // 2 x 32 heads x (512 x 513 / 2) x 128 = 1,075,838,976.
        let attention = 1_075_838_976.0
        let layer = 34_359_738_368 + 69_256_347_648 + attention
        let full = try Self.evaluate(.full)
        #expect(abs(full.device.graph.macs - none.device.graph.macs - 32 * layer) < 1)
        let selective = try Self.evaluate(.selective)
        #expect(abs(selective.device.graph.macs - none.device.graph.macs - 32 * attention) < 1)
        // One device, no communication: the step grows by the recomputed operators' time.
        let recomputed = zip(full.device.graph.operators, full.device.costs).filter {
            $0.0.name.hasSuffix(".recompute")
        }
        let extra = recomputed.reduce(0) { $0 + $1.1.seconds }
        #expect(extra > 0)
        #expect(abs(full.seconds - none.seconds - extra) < 1e-9 * none.seconds)
    }

    @Test func fullRecomputationRepeatsTheForwardTensorParallelAllReducesButNotTheEmbeddings() throws {
        let h100 = try Fixtures.hardware("h100-sxm")
        var plan = ParallelPlan(tensor: 2)
        plan.recompute = .full
        let evaluation = try SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: plan,
            evaluator: try Evaluator(hardware: h100, mode: .ideal)
        ).evaluate(
            model: try Fixtures.model("llama-2-7b"), phase: .training(batch: 1, sequence: 512), precision: .standard,
            options: GraphOptions())
        // Two per layer in each of forward, recomputed forward and backward: 2 x 32 x 3.
        let layers = try #require(evaluation.communication.first { $0.purpose.hasPrefix("TP all-reduce after") })
        #expect(layers.perStep == 192)
        let embedding = try #require(evaluation.communication.first { $0.purpose.hasPrefix("TP all-reduce of the") })
        #expect(embedding.perStep == 2)
    }

    @Test func recomputationOutsideTrainingIsAnError() throws {
        let h100 = try Fixtures.hardware("h100-sxm")
        var plan = ParallelPlan()
        plan.recompute = .full
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: plan,
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        #expect(
            throws: PlanError(
                "activation recomputation reruns the forward pass in the backward pass; prefill has none (leave out --recompute)"
            )
        ) {
            _ = try system.validate(model: try Fixtures.model("llama-2-7b"), phase: .prefill(batch: 1, sequence: 16))
        }
    }
}
