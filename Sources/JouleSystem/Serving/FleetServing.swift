import JouleEval
import JouleSpec

/// A heterogeneous fleet serving one workload: each request goes to one pool by its prompt
/// length, and each pool serves its share of the arrivals with continuous batching in steady
/// state (`ContinuousBatching`, in its arrival-rate form).
///
/// With an arrival rate λ and a routing that sends a fraction W_k of the requests to pool k,
/// pool k serves the mix of its classes (shares renormalised) at λ_k = λ · W_k and spends
/// E_k per request. A pool that receives no request still draws its devices' and switches'
/// static power, P_idle,k. The fleet's power is Σ λ_k · E_k + Σ_idle P_idle,k and its energy per
/// request that over λ. `route: auto` on the first of two pools tries every threshold T among
/// the mix's distinct prompt lengths (the bucket boundaries of a distribution), and 0: the
/// first pool takes the requests with at most T prompt tokens, or those with more, the second
/// the rest; the one with the least energy per request whose pools keep up wins (when none
/// keeps up, the one that leaves the fewest requests unserved, marked overloaded). The best
/// single pool is the
/// fleet's cheapest pool serving every request on its own (the other pools absent), and the
/// length-blind split the same fleet with every pool serving the whole mix at a share of the
/// arrivals proportional to its throughput at KV capacity; each saving is 1 − fleet / that.
public struct FleetServing: Sendable {
    /// One pool ready to evaluate.
    public struct Pool: Sendable {
        /// The pool's name in reports.
        public var name: String
        /// The pool's system (cluster, plan, evaluator).
        public var system: SystemEvaluator
        /// Operand formats on this pool.
        public var precision: PrecisionConfig
        /// Graph options on this pool.
        public var options: GraphOptions
        /// Which requests it takes (nil: every request no earlier pool took).
        public var route: FleetPool.Route?

        /// A pool from its parts.
        public init(
            name: String, system: SystemEvaluator, precision: PrecisionConfig, options: GraphOptions,
            route: FleetPool.Route?
        ) {
            self.name = name
            self.system = system
            self.precision = precision
            self.options = options
            self.route = route
        }

        /// The static power the pool draws when it serves nothing: its devices' and switches'.
        public var idlePower: Double {
            Double(system.plan.devices) * system.cluster.device.staticPower.value.si
                + system.cluster.interconnectStaticPower.si
        }
    }

    /// The fleet's name.
    public var name: String
    /// The pools, in routing order.
    public var pools: [Pool]
    /// The model served.
    public var model: ModelConfig

    /// A fleet serving a model.
    public init(name: String, pools: [Pool], model: ModelConfig) {
        self.name = name
        self.pools = pools
        self.model = model
    }

    /// The steady state of a workload at its arrival rate.
    public func steadyState(_ workload: ServingWorkload) throws(SystemError) -> FleetServingResult {
        guard let rate = workload.requestsPerSecond else {
            throw .plan(PlanError("a fleet splits an arrival rate over its pools: give requests_per_second or --rate"))
        }
        let mix = workload.requestMix
        var routings: [[FleetPool.Route?]] = [pools.map(\.route)]
        if pools.first?.route == .auto {
            // Each threshold T, the first pool taking the prompts of at most T tokens or those
            // of more (T = 0: none, or all); a split of the classes already tried is skipped.
            let thresholds = [0] + Set(mix.classes.map(\.inputTokens)).sorted()
            var splits = Set<[Bool]>()
            routings = []
            for t in thresholds {
                for first in [
                    FleetPool.Route.inputTokens(min: 1, max: t),
                    .inputTokens(min: t + 1, max: GraphBuilder.maximumLength),
                ]
                where splits.insert(mix.classes.map { first.takes($0.inputTokens) }).inserted {
                    routings.append([first] + pools.dropFirst().map(\.route))
                }
            }
        }
        var best: FleetServingResult?
        var failure: SystemError?
        for routes in routings {
            let result: FleetServingResult
            do {
                result = try evaluate(workload, rate: rate, routes: routes)
            } catch {
                // Under auto routing, a split a pool cannot hold (its memory) is not a candidate.
                failure = error
                continue
            }
            // The routing that leaves the fewest requests unserved (none, when its pools keep
            // up), then the one with the least energy.
            let better = best.map {
                (result.unservedRequestsPerSecond, result.energyPerRequest)
                    < ($0.unservedRequestsPerSecond, $0.energyPerRequest)
            }
            if better ?? true { best = result }
        }
        guard var chosen = best else {
            throw failure ?? .plan(PlanError("\(name) has no pools"))
        }
        if pools.first?.route == .auto { chosen.autoRoute = chosen.routes.first ?? nil }
        chosen.singlePools = singlePools(workload)
        chosen.lengthBlindPools = (try? lengthBlind(workload, rate: rate)) ?? []
        return chosen
    }

    /// Each pool serving every request on its own (nil where it cannot hold the model and one
    /// sequence; overloaded where it cannot keep up).
    func singlePools(_ workload: ServingWorkload) -> [ServingResult?] {
        pools.map { pool in try? serve(workload, on: pool) }
    }

    /// The fleet routing without looking at lengths: every pool serves the whole mix, at a
    /// share of the arrivals proportional to the most requests per second it serves (at its
    /// KV capacity), as a load balancer that spreads by capacity would (not evaluated when a
    /// pool cannot hold the model).
    func lengthBlind(_ workload: ServingWorkload, rate: Double) throws(SystemError) -> [FleetServingResult.PoolShare] {
        var flood = workload
        (flood.concurrency, flood.requestsPerSecond) = (nil, 1e8)
        var most: [Double] = []
        for pool in pools { most.append(try serve(flood, on: pool).requestsPerSecond) }
        let total = most.reduce(0, +)
        var served: [FleetServingResult.PoolShare] = []
        for (pool, capacity) in zip(pools, most) {
            var part = workload
            (part.concurrency, part.requestsPerSecond) = (nil, rate * capacity / total)
            served.append(
                .init(
                    name: pool.name, share: capacity / total, requestsPerSecond: rate * capacity / total,
                    result: try serve(part, on: pool), idlePower: pool.idlePower))
        }
        return served
    }

    /// A pool's steady state for a workload, a plan error naming the pool.
    func serve(_ workload: ServingWorkload, on pool: Pool) throws(SystemError) -> ServingResult {
        do {
            return try ContinuousBatching(
                system: pool.system, model: model, precision: pool.precision, options: pool.options
            ).steadyState(workload)
        } catch .plan(let error) {
            throw .plan(PlanError("pool \(pool.name): \(error.message)"))
        }
    }

    /// The fleet under one routing: each class to the first pool whose route takes it (a pool
    /// without a route takes all that are left).
    func evaluate(_ workload: ServingWorkload, rate: Double, routes: [FleetPool.Route?])
        throws(SystemError) -> FleetServingResult
    {
        var assigned = [[RequestClass]](repeating: [], count: pools.count)
        for requestClass in workload.requestMix.classes {
            guard let index = routes.firstIndex(where: { $0?.takes(requestClass.inputTokens) ?? true }) else {
                throw .plan(
                    PlanError(
                        "requests of \(requestClass.inputTokens) prompt tokens match no pool's route in \(name): give the last pool no route, or widen a route"
                    ))
            }
            assigned[index].append(requestClass)
        }
        var served: [FleetServingResult.PoolShare] = []
        for (pool, classes) in zip(pools, assigned) {
            let share = classes.reduce(0) { $0 + $1.share }
            guard share > 0 else {
                served.append(
                    .init(name: pool.name, share: 0, requestsPerSecond: 0, result: nil, idlePower: pool.idlePower))
                continue
            }
            let part = ServingWorkload(
                name: workload.name, mix: RequestMix(classes, origin: .classes), requestsPerSecond: rate * share)
            let result = try serve(part, on: pool)
            served.append(
                .init(
                    name: pool.name, share: share, requestsPerSecond: rate * share, result: result,
                    idlePower: pool.idlePower))
        }
        return FleetServingResult(
            fleet: name, workload: workload, requestsPerSecond: rate, routes: routes, pools: served)
    }
}
