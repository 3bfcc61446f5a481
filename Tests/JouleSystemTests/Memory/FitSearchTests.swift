import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// The fit search under context parallelism, by hand from llama-3-8b's shapes: 8,030,261,248
/// parameters (bf16: 16,060,522,496 bytes), 32 layers, 8 key/value heads of 128, 32 heads.
struct FitSearchTests {
    @Test func theLongestDecodeContextUnderContextParallelismIsAMultipleOfItsDegree() throws {
        let h100 = try Fixtures.hardware("h100-sxm")
        var plan = ParallelPlan()
        plan.context = 4
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: plan,
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let answer = try FitSearch(system: system).largest(
            .context, model: try Fixtures.model("llama-3-8b"), phase: .decode(batch: 1, context: 4),
            precision: .standard, options: GraphOptions(), limit: 4_000_000)
        // Per device, a context c holds c/4 tokens x 32 layers x 2 x 1024 x 2 bytes = 32,768·c of
        // KV cache; the largest activation is the softmax over 32 heads x c/4 scores, read and
        // written at 2 bytes: 32·c. (80e9 - 16,060,522,496) / 32,800 = 1,949,374.3, and the
        // largest multiple of 4 below it is 1,949,372.
        #expect(answer.step == 4)
        #expect(answer.largest == 1_949_372)
    }
}
