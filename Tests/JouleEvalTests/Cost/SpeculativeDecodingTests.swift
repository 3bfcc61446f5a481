import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// Speculative decoding: the expected accepted tokens per verification against hand values
/// of (1 - a^(k+1)) / (1 - a) (Leviathan et al. 2023, eq. 1), and the energy per accepted
/// token built by hand from separately evaluated draft and target steps.
struct SpeculativeDecodingTests {
    struct ExpectationCase: CustomTestStringConvertible, Sendable {
        var k: Int
        var a: Double
        var tokens: Double
        var testDescription: String { "k \(k), a \(a): \(tokens)" }
    }

    /// Hand values: k 4, a 0.8: (1 - 0.32768) / 0.2 = 3.3616; k 1, a 0.5: 0.75 / 0.5 = 1.5;
    /// k 2, a 0.6: (1 - 0.216) / 0.4 = 1.96; a = 1 accepts all k + 1; a = 0 only the target's token.
    @Test(arguments: [
        ExpectationCase(k: 4, a: 0.8, tokens: 3.3616),
        ExpectationCase(k: 1, a: 0.5, tokens: 1.5),
        ExpectationCase(k: 2, a: 0.6, tokens: 1.96),
        ExpectationCase(k: 3, a: 1, tokens: 4),
        ExpectationCase(k: 7, a: 0, tokens: 1),
    ])
    func expectedTokensPerVerification(_ example: ExpectationCase) {
        let tokens = SpeculativeDecoding.expectedTokens(draftTokens: example.k, acceptance: example.a)
        #expect(abs(tokens - example.tokens) < 1e-12)
    }

    /// gpt2 drafts for gpt2-xl (one tokenizer, 50,257 tokens) on the A100, ideal roofline,
    /// batch 2, context 128, k 2, a 0.8. Evaluated separately: one gpt2 decode step (E_d, t_d)
    /// and one gpt2-xl step scoring 3 tokens per sequence with every logit (E_v, t_v). Then per
    /// cycle 2 E_d + E_v joules and 2 t_d + t_v seconds, and per verification
    /// (1 - 0.8^3) / (1 - 0.8) = 0.488 / 0.2 = 2.44 tokens per sequence, 4.88 over the batch:
    /// energy per accepted token (2 E_d + E_v) / 4.88, time (2 t_d + t_v) / 4.88.
    @Test func energyPerAcceptedTokenFromDraftAndTargetSteps() throws {
        let a100 = try RooflineTests.hardware("a100-sxm-80gb")
        let evaluator = try Evaluator(hardware: a100, mode: .ideal)
        let draft = try RooflineTests.model("gpt2")
        let target = try RooflineTests.model("gpt2-xl")
        let draftStep = try evaluator.evaluate(
            GraphBuilder(model: draft).build(.decode(batch: 2, context: 128)))
        var verify = GraphOptions()
        verify.decodeTokens = 3
        verify.logits = .all
        let verification = try evaluator.evaluate(
            GraphBuilder(model: target, options: verify).build(.decode(batch: 2, context: 128)))
        // The verification scores 3 tokens per sequence: the LM head runs over 2 x 3 rows.
        let head = try #require(verification.graph.operators.first { $0.role == .lmHead }?.gemm)
        #expect(head.m == 6 && head.n == 50257)
        #expect(verification.graph.tokens == 6)
        let handEnergy = (2 * draftStep.energy.total + verification.energy.total) / 4.88
        let handTime = (2 * draftStep.seconds + verification.seconds) / 4.88
        let results = try evaluator.evaluateSpeculative(
            target: target, draft: draft, precision: .standard, options: GraphOptions(), batch: 2, context: 128,
            acceptance: 0.8, draftTokens: 2...2)
        let result = try #require(results.first)
        #expect(abs(result.setting.expectedTokens - 2.44) < 1e-12)
        #expect(abs(result.energyPerToken - handEnergy) < 1e-12 * handEnergy)
        #expect(abs(result.timePerToken - handTime) < 1e-12 * handTime)
        #expect(abs(result.latencyPerToken - 2 * handTime) < 1e-12 * handTime)
        // Against plain decoding (one gpt2-xl step per token): verifying 3 tokens costs less than 3 steps.
        let plain = try evaluator.evaluate(GraphBuilder(model: target).build(.decode(batch: 2, context: 128)))
        #expect(verification.energy.total < 3 * plain.energy.total)
    }

    /// Each verification step is its own graph: a longer k moves the answer (no stale reuse).
    @Test func eachDraftCountHasItsOwnVerification() throws {
        let evaluator = try Evaluator(hardware: RooflineTests.hardware("a100-sxm-80gb"), mode: .ideal)
        let results = try evaluator.evaluateSpeculative(
            target: RooflineTests.model("gpt2-xl"), draft: RooflineTests.model("gpt2"), precision: .standard,
            options: GraphOptions(), batch: 1, context: 64, acceptance: 0.7, draftTokens: 1...3)
        #expect(results.map(\.setting.draftTokens) == [1, 2, 3])
        #expect(results.map(\.verification.graph.tokens) == [2, 3, 4])
        #expect(results[0].verification.energy.total < results[2].verification.energy.total)
        #expect(results[0].draft.energy.total == results[2].draft.energy.total)
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        var k: Int
        var a: Double
        var target: String
        var message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        BadCase(k: 0, a: 0.8, target: "gpt2-xl", message: "draft tokens must lie in 1...64"),
        BadCase(k: 65, a: 0.8, target: "gpt2-xl", message: "draft tokens must lie in 1...64"),
        BadCase(k: 2, a: 1.5, target: "gpt2-xl", message: "acceptance rate must lie in [0, 1]"),
        BadCase(k: 2, a: .nan, target: "gpt2-xl", message: "acceptance rate must lie in [0, 1]"),
        BadCase(k: 2, a: 0.8, target: "bert-base-uncased", message: "needs decoder-only models"),
    ])
    func badSettingsAreRefused(_ example: BadCase) throws {
        let setting = SpeculativeDecoding(draftTokens: example.k, acceptance: example.a)
        let target = try RooflineTests.model(example.target)
        let draft = try RooflineTests.model("gpt2")
        do throws(SpeculativeDecoding.SpeculativeError) {
            _ = try setting.graphs(
                target: target, draft: draft, precision: .standard, options: GraphOptions(), batch: 1, context: 64)
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains(example.message), "\(error.message)")
        }
    }

    /// Draft and target of different vocabularies are evaluated, with a warning.
    @Test func aDifferentTokenizerIsWarned() throws {
        let graphs = try SpeculativeDecoding(draftTokens: 2, acceptance: 0.8).graphs(
            target: RooflineTests.model("llama-2-7b"), draft: RooflineTests.model("gpt2"), precision: .standard,
            options: GraphOptions(), batch: 1, context: 64)
        #expect(graphs.draft.warnings.contains { $0.contains("needs one tokenizer") })
    }
}
