import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// Continuous batching with speculative decoding: each iteration is one verification cycle
/// that gives every sequence E[tokens] tokens.
struct SpeculativeServingTests {
    @Test func anIterationIsACycleAndTheTokensItGivesDivideIt() throws {
        let (plain, system, model) = try ContinuousBatchingTests.batching()
        let draft = try Fixtures.model("llama-2-7b")
        var batching = plain
        let setting = SpeculativeDecoding(draftTokens: 2, acceptance: 0.5)
        batching.speculation = .init(draft: draft, setting: setting)
        let workload = ServingWorkload(inputTokens: 512, outputTokens: 128, concurrency: 16)
        let result = try batching.steadyState(workload)
        // The parts: one cycle of 16 sequences at the mean context 512 + 64 = 576, one
        // 512-token prefill.
        let cycle = try #require(
            try system.evaluateSpeculative(
                target: model, draft: draft, precision: .standard, options: GraphOptions(), batch: 16, context: 576,
                acceptance: 0.5, draftTokens: 2...2
            ).first)
        let prefill = try system.evaluate(
            model: model, phase: .prefill(batch: 1, sequence: 512), precision: .standard, options: GraphOptions())
        // E[tokens] = (1 - 0.5^3) / (1 - 0.5) = 1.75 per sequence per cycle, so 16 x 1.75 / 128
        // = 0.21875 requests start per iteration.
        let admitted = 16 * 1.75 / 128
        let iteration = cycle.secondsPerCycle + admitted * prefill.seconds
        #expect(abs(result.tpot - iteration / 1.75) < 1e-12 * result.tpot)
        #expect(abs(result.ttft - (prefill.seconds + iteration)) < 1e-12 * result.ttft)
        #expect(abs(result.tokensPerSecond - 16 * 1.75 / iteration) < 1e-9 * result.tokensPerSecond)
        let perToken = (cycle.energyPerCycle + admitted * prefill.energy) / (16 * 1.75)
        #expect(abs(result.energyPerOutputToken - perToken) < 1e-12 * perToken)
        // End to end: TTFT, then the 128 - 1.75 tokens left at TPOT.
        #expect(abs(result.endToEndP50 - (result.ttft + 126.25 * result.tpot)) < 1e-9 * result.endToEndP50)
        // The draft's KV cache and weights share the memory: fewer sequences fit than the
        // target's 436 alone (ContinuousBatchingTests). Target and draft are both llama-2-7b
        // here: at TP 2 each 640 + 2-token sequence holds 642 x 2 x 2 B x 4096 x 32 layers / 2 =
        // 168,296,448 B of KV cache per model, and each model's weights take 6.739 GB:
        // (80e9 - 13.48e9 - activations) / 336,592,896 = 197.6.
        #expect(result.capacity == 197)
        #expect(result.footprint.weights > result.decode.footprint.weights)
    }
}
