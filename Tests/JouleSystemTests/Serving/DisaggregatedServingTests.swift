import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// Prefill/decode disaggregation, checked against its parts by hand: one prefill device and one
/// decode device of llama-2-7b in a node of the test cluster (450 GB/s, 2 us, 1 pJ/bit links,
/// no switch power).
struct DisaggregatedServingTests {
    @Test func twoPoolsComposePrefillTransferAndDecodeAndIdleTheLessLoadedPool() throws {
        let model = try Fixtures.model("llama-2-7b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let cluster = Fixtures.cluster(device: h100, perNode: 8)
        let evaluator = try Evaluator(hardware: h100, mode: .ideal)
        let serving = DisaggregatedServing(
            cluster: cluster, plan: ParallelPlan(tensor: 1), evaluator: evaluator, prefillDevices: 1,
            decodeDevices: 1, model: model, precision: .standard, options: GraphOptions())
        let result = try serving.steadyState(ServingWorkload(inputTokens: 512, outputTokens: 128, concurrency: 16))
        // The parts, each a plain evaluation on one device.
        let one = SystemEvaluator(cluster: cluster, plan: ParallelPlan(tensor: 1), evaluator: evaluator)
        let prefill = try one.evaluate(
            model: model, phase: .prefill(batch: 1, sequence: 512), precision: .standard, options: GraphOptions())
        let decode = try one.evaluate(
            model: model, phase: .decode(batch: 16, context: 576), precision: .standard, options: GraphOptions())
        // KV cache of a 512-token prompt: 512 x 32 layers x 2 (K, V) x 32 heads x 128 x 2 B =
        // 268,435,456 B, sent over NVLink: 2 us + 268,435,456 / 450e9 s = 598.52 us, and
        // 268,435,456 x 8 bit x 1 pJ/bit = 2.1475 mJ.
        let entry = try #require(result.classes.first)
        #expect(abs(entry.transferSeconds - (2e-6 + 268_435_456 / 450e9)) < 1e-12)
        #expect(abs(entry.transferEnergy - 268_435_456 * 8 * 1e-12) < 1e-12)
        // TTFT = prefill + transfer + one decode step; TPOT = the decode step alone.
        #expect(abs(result.tpot - decode.seconds) < 1e-15)
        #expect(abs(result.ttft - (prefill.seconds + entry.transferSeconds + decode.seconds)) < 1e-12)
        // Rates: the prefill device serves 1 / t_p requests/s, the decode device 16 / (128 t_d).
        let prefillRate = 1 / prefill.seconds
        let decodeRate = 16 / (128 * decode.seconds)
        let served = min(prefillRate, decodeRate)
        #expect(abs(result.requestsPerSecond - served) < 1e-9 * served)
        // Power: each pool busy a fraction served / its rate, idle (static power) the rest.
        let idle = h100.staticPower.value.si
        let power =
            served / decodeRate * decode.energy / decode.seconds + (1 - served / decodeRate) * idle
            + served * prefill.energy + (1 - served / prefillRate) * idle + served * entry.transferEnergy
        #expect(abs(result.averagePower - power) < 1e-9 * power)
        #expect(abs(result.energyPerRequest - power / served) < 1e-9 * power / served)
        #expect(abs(result.energyPerOutputToken - power / served / 128) < 1e-9 * power / served)
    }

    @Test func poolsMustHoldWholeReplicasAndFitTheCluster() throws {
        let model = try Fixtures.model("llama-2-7b")
        let h100 = try Fixtures.hardware("h100-sxm")
        func serving(_ prefill: Int, _ decode: Int) throws -> DisaggregatedServing {
            DisaggregatedServing(
                cluster: Fixtures.cluster(device: h100, perNode: 8), plan: ParallelPlan(tensor: 2),
                evaluator: try Evaluator(hardware: h100, mode: .ideal), prefillDevices: prefill,
                decodeDevices: decode, model: model, precision: .standard, options: GraphOptions())
        }
        let workload = ServingWorkload(inputTokens: 128, outputTokens: 64, concurrency: 8)
        #expect(throws: SystemError.self) { try serving(3, 4).steadyState(workload) }
        #expect(throws: SystemError.self) { try serving(4, 6).steadyState(workload) }
    }
}
