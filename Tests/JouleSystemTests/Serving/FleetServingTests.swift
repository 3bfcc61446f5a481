import JouleEval
import JouleSpec
import Testing
import YAML

@testable import JouleSystem

/// A heterogeneous fleet (one H100 and one A100 serving llama-2-7b, ideal roofline), its
/// figures composed by hand from each pool serving its part alone, and fleet files' errors.
struct FleetServingTests {
    static func pools() throws -> (FleetServing.Pool, FleetServing.Pool, ModelConfig) {
        let model = try Fixtures.model("llama-2-7b")
        func pool(_ name: String, route: FleetPool.Route?) throws -> FleetServing.Pool {
            let device = try Fixtures.hardware(name)
            return FleetServing.Pool(
                name: name,
                system: SystemEvaluator(
                    cluster: .single(device), plan: ParallelPlan(),
                    evaluator: try Evaluator(hardware: device, mode: .ideal)),
                precision: .standard, options: GraphOptions(), route: route)
        }
        return (
            try pool("h100-sxm", route: .inputTokens(min: 1, max: 512)), try pool("a100-sxm-80gb", route: nil), model
        )
    }

    static let short = RequestClass(inputTokens: 128, outputTokens: 64, share: 0.5)
    static let long = RequestClass(inputTokens: 2048, outputTokens: 256, share: 0.5)

    /// One pool serving some classes alone at a rate.
    static func alone(_ pool: FleetServing.Pool, _ model: ModelConfig, _ classes: [RequestClass], rate: Double) throws
        -> ServingResult
    {
        try ContinuousBatching(system: pool.system, model: model, precision: .standard, options: GraphOptions())
            .steadyState(ServingWorkload(mix: RequestMix(classes, origin: .classes), requestsPerSecond: rate))
    }

    @Test func explicitRoutesSplitTheRateAndAddEachPoolsPower() throws {
        let (h100, a100, model) = try Self.pools()
        let workload = ServingWorkload(
            mix: RequestMix([Self.short, Self.long], origin: .classes), requestsPerSecond: 2)
        let result = try FleetServing(name: "f", pools: [h100, a100], model: model).steadyState(workload)
        // Short prompts (128 <= 512) to the H100 at 2 x 0.5 = 1 request/s, long ones to the A100
        // at 1 request/s; each pool serves its class alone.
        let shortOnH100 = try Self.alone(h100, model, [Self.short], rate: 1)
        let longOnA100 = try Self.alone(a100, model, [Self.long], rate: 1)
        #expect(result.pools.map(\.share) == [0.5, 0.5])
        let power = 1 * shortOnH100.energyPerRequest + 1 * longOnA100.energyPerRequest
        #expect(abs(result.averagePower - power) < 1e-9 * power)
        #expect(abs(result.energyPerRequest - power / 2) < 1e-9 * power)
        // E[out] = 0.5 x 64 + 0.5 x 256 = 160 tokens per request.
        #expect(abs(result.energyPerOutputToken - power / 2 / 160) < 1e-9 * power)
        // Alone, each pool serves the whole mix at 2 requests/s; the saving is against the cheaper.
        let singles = [
            try Self.alone(h100, model, [Self.short, Self.long], rate: 2),
            try Self.alone(a100, model, [Self.short, Self.long], rate: 2),
        ].filter { !$0.overloaded }.map(\.energyPerRequest)
        let best = try #require(singles.min())
        #expect(abs((result.saving ?? 0) - (1 - power / 2 / best)) < 1e-9)
    }

    @Test func autoRoutingPicksTheCheapestThresholdCountingAnIdlePool() throws {
        let (h100, a100, model) = try Self.pools()
        var first = h100
        first.route = .auto
        let workload = ServingWorkload(
            mix: RequestMix([Self.short, Self.long], origin: .classes), requestsPerSecond: 2)
        let result = try FleetServing(name: "f", pools: [first, a100], model: model).steadyState(workload)
        // The candidates by hand: every request to one pool (the other idle at its static
        // power: one device, no switches), or the two classes split either way at 1 request/s each.
        let idleH100 = h100.system.cluster.device.staticPower.value.si
        let idleA100 = a100.system.cluster.device.staticPower.value.si
        let both = [Self.short, Self.long]
        let candidates = [
            2 * (try Self.alone(h100, model, both, rate: 2)).energyPerRequest + idleA100,
            2 * (try Self.alone(a100, model, both, rate: 2)).energyPerRequest + idleH100,
            (try Self.alone(h100, model, [Self.short], rate: 1)).energyPerRequest
                + (try Self.alone(a100, model, [Self.long], rate: 1)).energyPerRequest,
            (try Self.alone(h100, model, [Self.long], rate: 1)).energyPerRequest
                + (try Self.alone(a100, model, [Self.short], rate: 1)).energyPerRequest,
        ]
        let cheapest = try #require(candidates.min())
        #expect(abs(result.averagePower - cheapest) < 1e-9 * cheapest)
        #expect(result.autoRoute != nil)
    }

    @Test func badFleetFilesAreErrorsAtTheirPositions() {
        do {
            _ = try YAMLDecoder().decode(
                Fleet.Description.self,
                from: """
                    pools:
                      - cluster: dgx-h100
                        tp: 0
                        rout: auto
                      - hardware: a100-sxm-80gb
                        route: auto
                    """, path: "f.yaml")
            Issue.record("expected errors")
        } catch {
            let text = error.description
            #expect(text.contains("f.yaml:3:9: error: tp must be a positive number of devices, found 0"))
            #expect(text.contains("f.yaml:4:5: error: unknown key 'rout'"))
            #expect(text.contains("did you mean 'route'?"))
            #expect(text.contains("f.yaml:6:12: error: route: auto goes on the first of exactly two pools"))
        }
        do {
            _ = try YAMLDecoder().decode(
                Fleet.Description.self,
                from: """
                    pools:
                      - {cluster: dgx-h100, hardware: h100-sxm, route: {input_tokens: {min: 900, max: 100}}}
                    """, path: "f.yaml")
            Issue.record("expected errors")
        } catch {
            let text = error.description
            #expect(text.contains("f.yaml:2:5: error: give a pool either a cluster or a hardware"))
            #expect(text.contains("error: min 900 is above max 100"))
            #expect(text.contains("f.yaml:2:3: error: a fleet has at least two pools, found 1"))
        }
    }
}
