import JouleEval
import JouleSpec
import Testing
import YAML

@testable import JouleSystem

/// The steady state of continuous batching, checked against its parts: one request type at a
/// fixed concurrency, small enough to verify by hand.
struct ContinuousBatchingTests {
    static func batching() throws -> (ContinuousBatching, SystemEvaluator, ModelConfig) {
        let model = try Fixtures.model("llama-2-7b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: ParallelPlan(tensor: 2),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        return (
            ContinuousBatching(system: system, model: model, precision: .standard, options: GraphOptions()), system,
            model
        )
    }

    @Test func aFixedConcurrencyComposesOneDecodeStepAndTheShareOfPrefills() throws {
        let (batching, system, model) = try Self.batching()
        let workload = ServingWorkload(inputTokens: 512, outputTokens: 128, concurrency: 16)
        let result = try batching.steadyState(workload)
        // The parts, each a plain evaluation: a decode step of 16 sequences at the average
        // context 512 + 64, and one 512-token prefill.
        let decode = try system.evaluate(
            model: model, phase: .decode(batch: 16, context: 576), precision: .standard, options: GraphOptions())
        let prefill = try system.evaluate(
            model: model, phase: .prefill(batch: 1, sequence: 512), precision: .standard, options: GraphOptions())
        // 16 sequences of 128 tokens: 16/128 = 1/8 of a request starts per iteration.
        let tpot = decode.seconds + prefill.seconds / 8
        #expect(abs(result.tpot - tpot) < 1e-12 * tpot)
        #expect(abs(result.ttft - (prefill.seconds + tpot)) < 1e-12 * tpot)
        #expect(abs(result.tokensPerSecond - 16 / tpot) < 1e-9 * result.tokensPerSecond)
        let perToken = (decode.energy + prefill.energy / 8) / 16
        #expect(abs(result.energyPerOutputToken - perToken) < 1e-12 * perToken)
        #expect(abs(result.energyPerRequest - 128 * perToken) < 1e-9 * perToken)
        // At TP 2 a device holds 3,369,340,928 x 2 B = 6.739 GB of weights; each 640-token
        // sequence 640 x 32 layers x 2 x 16 heads x 128 x 2 B = 167,772,160 B of KV cache:
        // (80e9 - 6.739e9 - ~18 MB of activations) / 167,772,160 = 436.6.
        #expect(result.capacity == 436)
    }

    @Test func anArrivalRatePicksTheSmallestConcurrencyThatKeepsUp() throws {
        let (batching, _, _) = try Self.batching()
        let fixed = try batching.steadyState(ServingWorkload(inputTokens: 256, outputTokens: 64, concurrency: 8))
        let rated = try batching.steadyState(
            ServingWorkload(inputTokens: 256, outputTokens: 64, requestsPerSecond: fixed.requestsPerSecond * 0.999))
        #expect(rated.concurrency <= 8)
        #expect(rated.requestsPerSecond >= fixed.requestsPerSecond * 0.999)
    }

    @Test func aWorkloadFileNeedsLengthsAndOneOfConcurrencyOrRate() {
        do {
            _ = try YAMLDecoder().decode(
                ServingWorkload.self, from: "input_tokens: 512\noutput_token: 3\n", path: "w.yaml")
            Issue.record("expected errors")
        } catch {
            let text = error.description
            #expect(text.contains("w.yaml:2:1: error: unknown key 'output_token'"))
            #expect(text.contains("did you mean 'output_tokens'?"))
            #expect(text.contains("give either concurrency"))
        }
    }
}
