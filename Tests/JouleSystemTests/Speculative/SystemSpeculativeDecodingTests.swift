import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// Speculative decoding on a cluster: one cycle is k draft steps and one verification of k + 1
/// tokens per sequence, both under the target's plan.
struct SystemSpeculativeDecodingTests {
    static func system(tensor: Int) throws -> SystemEvaluator {
        let h100 = try Fixtures.hardware("h100-sxm")
        return SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: ParallelPlan(tensor: tensor),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
    }

    @Test func aCycleIsKDraftStepsAndOneVerificationOverTheExpectedTokens() throws {
        let system = try Self.system(tensor: 2)
        let (target, draft) = (try Fixtures.model("llama-2-13b"), try Fixtures.model("llama-2-7b"))
        let results = try system.evaluateSpeculative(
            target: target, draft: draft, precision: .standard, options: GraphOptions(), batch: 8, context: 1024,
            acceptance: 0.8, draftTokens: 3...3)
        let result = try #require(results.first)
        // The parts, each a plain cluster evaluation at batch 8, context 1024.
        let phase = Phase.decode(batch: 8, context: 1024)
        let draftStep = try system.evaluate(model: draft, phase: phase, precision: .standard, options: GraphOptions())
        var verify = GraphOptions()
        verify.decodeTokens = 4
        verify.logits = .all
        let verification = try system.evaluate(model: target, phase: phase, precision: .standard, options: verify)
        // E[tokens] = (1 - 0.8^4) / (1 - 0.8) = (1 - 0.4096) / 0.2 = 2.952 per sequence, 8 sequences.
        let tokens = 8 * 2.952
        let energy = 3 * draftStep.energy + verification.energy
        let seconds = 3 * draftStep.seconds + verification.seconds
        #expect(abs(result.energyPerToken - energy / tokens) < 1e-9 * result.energyPerToken)
        #expect(abs(result.timePerToken - seconds / tokens) < 1e-9 * result.timePerToken)
        #expect(abs(result.latencyPerToken - seconds / 2.952) < 1e-9 * result.latencyPerToken)
        // The verification's TP all-reduces carry k + 1 = 4 tokens per sequence: 8 x 4 tokens x
        // 5120 (hidden) x 2 B = 327,680 B each; a plain step's carry 8 x 5120 x 2 = 81,920 B.
        let allReduce = try #require(verification.communication.first { $0.purpose.contains("attention and FFN") })
        #expect(allReduce.cost.bytes == 327_680)
        let plain = try system.evaluate(model: target, phase: phase, precision: .standard, options: GraphOptions())
        let plainAllReduce = try #require(plain.communication.first { $0.purpose.contains("attention and FFN") })
        #expect(plainAllReduce.cost.bytes == 81_920)
        #expect(result.verification.communication.map(\.cost.bytes) == verification.communication.map(\.cost.bytes))
    }

    @Test func everyDeviceHoldsBothShards() throws {
        let system = try Self.system(tensor: 2)
        let (target, draft) = (try Fixtures.model("llama-2-13b"), try Fixtures.model("llama-2-7b"))
        let result = try #require(
            try system.evaluateSpeculative(
                target: target, draft: draft, precision: .standard, options: GraphOptions(), batch: 4, context: 512,
                acceptance: 0.5, draftTokens: 1...1
            ).first)
        // Weights: llama-2-13b's 13,015,864,320 and llama-2-7b's 6,738,415,616 parameters at
        // 2 B over TP 2 (the embeddings and head split by vocabulary too, the norms replicated,
        // hence the tolerance); KV cache: 4 sequences x 512 tokens x 2 x 2 B x (40 layers x
        // 5120 + 32 x 4096) / 2 = 4 x 512 x 4 x 335,872 / 2 = 1,375,731,712 B.
        let weights = (13_015_864_320.0 + 6_738_415_616.0) * 2 / 2
        #expect(abs(result.footprint.weights - weights) < 1e-3 * weights)
        #expect(result.footprint.kvCache == 1_375_731_712)
        #expect(result.footprint.weights == result.draft.footprint.weights + result.verification.footprint.weights)
    }

    @Test func aDraftThatTheTensorSplitDoesNotDivideIsNamed() throws {
        // gpt2-xl has 25 heads: TP 2 does not divide it.
        let system = try Self.system(tensor: 2)
        let (target, draft) = (try Fixtures.model("llama-2-13b"), try Fixtures.model("gpt2-xl"))
        do throws(SystemSpeculativeError) {
            _ = try system.evaluateSpeculative(
                target: target, draft: draft, precision: .standard, options: GraphOptions(), batch: 2, context: 256,
                acceptance: 0.5, draftTokens: 1...1)
            Issue.record("expected the draft's plan error")
        } catch {
            guard case .draft(let problem) = error else {
                Issue.record("expected a draft error, got \(error)")
                return
            }
            #expect(problem.description.contains("25"))
        }
    }
}
