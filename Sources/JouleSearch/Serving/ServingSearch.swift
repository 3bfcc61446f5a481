import Foundation
import JouleEval
import JouleSpec
import JouleSystem

/// A search for the serving configuration that is best on one metric under service-level
/// objectives: every parallel plan (tensor x pipeline x data degrees that divide the cluster's
/// devices and the model), every concurrency (powers of two up to the KV capacity, and the
/// capacity), every per-device power cap, over each variant (a precision, a device type).
/// Infeasible configurations are counted by reason.
public struct ServingSearch: Sendable {
    /// One serving system to search around: its batching model (the plan is replaced by each
    /// configuration's, its other settings kept) and a name for reports ("fp8 on h100-sxm").
    public struct Variant: Sendable {
        /// What distinguishes it from the other variants.
        public var name: String
        /// The model served, the cluster, the evaluator and the graph settings.
        public var batching: ContinuousBatching

        /// A variant from its parts.
        public init(name: String, batching: ContinuousBatching) {
            self.name = name
            self.batching = batching
        }
    }

    /// One configuration: a variant, a plan, a concurrency and a per-device power cap.
    public struct Configuration: Sendable, Hashable {
        /// Index into the search's variants.
        public var variant: Int
        /// The parallel plan.
        public var plan: ParallelPlan
        /// Sequences decoding together (the batch cap).
        public var concurrency: Int
        /// The per-device power cap in watts (nil: none).
        public var powerLimit: Double?
    }

    /// A configuration evaluated, feasible or not.
    public struct Outcome: Sendable {
        /// The configuration.
        public var configuration: Configuration
        /// Its steady state (at the settled clock under a cap).
        public var result: ServingResult
        /// Where a power cap settled the clock.
        public var settled: PowerCap.Settled?
        /// The objective's value.
        public var value: Double
    }

    /// Configurations that could not serve, grouped by why.
    public struct Infeasible: Sendable {
        /// The reason, without numbers ("violates tpot <= 50 ms").
        public var reason: String
        /// How many configurations it excluded.
        public var count: Int
        /// One of them, with the numbers.
        public var example: String
    }

    /// What a search found.
    public struct Report: Sendable {
        /// Feasible configurations, best first.
        public var ranked: [Outcome]
        /// Configurations enumerated (with a KV capacity to enumerate concurrencies against).
        public var configurations: Int
        /// Plans that could not be enumerated plus configurations that could not serve, by reason.
        public var infeasible: [Infeasible]
        /// Steady states computed (the memo answers the rest, e.g. points two caps share).
        public var steadyStates: Int
    }

    /// The systems to search around.
    public var variants: [Variant]
    /// The request type (and a rate that feasible configurations must keep up with, if given).
    public var workload: ServingWorkload
    /// What to minimise (or maximise, for throughput).
    public var objective: Metric
    /// Service-level objectives every feasible configuration meets.
    public var objectives: [Constraint]
    /// Tensor degrees to try (nil: every divisor of the devices that divides the heads).
    public var tensor: [Int]?
    /// Pipeline degrees (nil: every divisor of the devices that divides the layers).
    public var pipeline: [Int]?
    /// Data-parallel degrees (nil: every divisor of the devices).
    public var data: [Int]?
    /// Concurrencies (nil: powers of two up to the KV capacity, and the capacity); a listed one
    /// past a plan's capacity is excluded, one that is not a multiple of the data-parallel
    /// degree is rounded down to one, as `joule serve` does.
    public var concurrencies: [Int]?
    /// Per-device caps in watts, nil meaning none (nil list: none and `capSteps` caps over the
    /// device's accepted range, from its minimum, below its maximum).
    public var powerLimits: [Double?]?
    /// Caps over the device's range when `powerLimits` is nil.
    public var capSteps = 5
    /// Zeus's eta, for the cost metric.
    public var eta = 0.5

    /// A search over `variants` for `objective` under `objectives`.
    public init(variants: [Variant], workload: ServingWorkload, objective: Metric, objectives: [Constraint]) {
        self.variants = variants
        self.workload = workload
        self.objective = objective
        self.objectives = objectives
    }

    /// The divisors of `n`, ascending.
    static func divisors(_ n: Int) -> [Int] { (1...max(1, n)).filter { n % $0 == 0 } }

    /// The plans a variant's cluster and model allow.
    func plans(_ variant: Variant) -> [ParallelPlan] {
        let devices = variant.batching.system.cluster.devices
        let model = variant.batching.model
        let base = variant.batching.system.plan
        var out: [ParallelPlan] = []
        for t in tensor ?? Self.divisors(devices).filter({ model.heads % $0 == 0 }) {
            for p in pipeline ?? Self.divisors(devices).filter({ model.layers % $0 == 0 }) {
                for d in data ?? Self.divisors(devices) where t * p * d <= devices {
                    var plan = base
                    (plan.tensor, plan.pipeline, plan.data) = (t, p, d)
                    if plan.expert > 1 && d % plan.expert != 0 { continue }
                    out.append(plan)
                }
            }
        }
        return out
    }

    /// The caps for a device: the given list, else none and `capSteps` evenly spaced caps from
    /// the bottom of its accepted range up to (not including) the top (none when it has no range).
    func caps(_ hardware: Accelerator) -> [Double?] {
        if let powerLimits { return powerLimits }
        guard let range = hardware.powerLimits, capSteps > 0 else { return [nil] }
        let step = (range.maximum.si - range.minimum.si) / Double(capSteps)
        return [nil] + (0..<capSteps).map { range.minimum.si + Double($0) * step }
    }

    /// Runs the search on every core.
    public func run() -> Report {
        var infeasible: [String: Infeasible] = [:]
        func exclude(_ reason: String, _ example: String) {
            infeasible[reason, default: Infeasible(reason: reason, count: 0, example: example)].count += 1
        }
        var groups: [Group] = []
        let context = workload.inputTokens + workload.outputTokens
        for (index, variant) in variants.enumerated() {
            // No cap first, then the caps from the highest down: a lower cap never runs faster.
            let limits = [nil] + caps(variant.batching.system.evaluator.hardware).compactMap { $0 }.sorted(by: >)
            let uncapped = caps(variant.batching.system.evaluator.hardware).contains { $0 == nil }
            // Each plan's KV capacity (a footprint search), on every core.
            let fits = plans(variant).parallelMap { plan -> (ParallelPlan, Result<FitSearch.Answer, SystemError>) in
                var batching = variant.batching
                batching.system.plan = plan
                do throws(SystemError) {
                    return (plan, .success(try batching.capacity(workload)))
                } catch {
                    return (plan, .failure(error))
                }
            }
            for (plan, result) in fits {
                let step = plan.data * (plan.microbatches ?? 1)
                let fit: FitSearch.Answer
                switch result {
                case .success(let answer): fit = answer
                case .failure(let error):
                    exclude("the plan does not fit the model or the cluster", "\(plan): \(error)")
                    continue
                }
                guard let capacity = fit.largest else {
                    exclude("not one sequence's KV cache fits beside the weights", "\(plan), context \(context)")
                    continue
                }
                let powers = Array(sequence(first: step, next: { $0 * 2 }).prefix { $0 <= capacity })
                let counts = concurrencies ?? Array(Set(powers + [capacity])).filter { $0 % step == 0 }.sorted()
                for c in counts {
                    groups.append(
                        Group(
                            configurations: limits.map {
                                Configuration(variant: index, plan: plan, concurrency: c, powerLimit: $0)
                            }, capacity: fit, countsUncapped: uncapped))
                }
            }
        }
        let memo = Memo()
        let outcomes = groups.parallelMap { evaluate($0, memo: memo) }.flatMap { $0 }
        var ranked: [Outcome] = []
        for outcome in outcomes {
            switch outcome {
            case .success(let found): ranked.append(found)
            case .failure(let excluded): exclude(excluded.reason, excluded.example)
            }
        }
        // Stable: equal values keep the enumeration order.
        ranked = ranked.enumerated().sorted {
            let (a, b) = ($0.element.value, $1.element.value)
            if a != b { return objective.maximise ? a > b : a < b }
            return $0.offset < $1.offset
        }.map(\.element)
        return Report(
            ranked: ranked, configurations: outcomes.count,
            infeasible: infeasible.values.sorted { ($0.count, $1.reason) > ($1.count, $0.reason) },
            steadyStates: memo.count)
    }

    /// The configurations of one plan and concurrency: no cap, then the caps from the highest
    /// down, with the plan's KV capacity.
    struct Group: Sendable {
        var configurations: [Configuration]
        var capacity: FitSearch.Answer
        /// Whether the configuration without a cap is one of the search's (else it is
        /// evaluated only to prune the capped ones, and not reported).
        var countsUncapped: Bool
    }

    /// Whether an objective can only get worse as the clock comes down: an upper bound on a
    /// time (TPOT, TTFT) or a lower bound on throughput. A configuration that misses one misses
    /// it under every lower cap too.
    static func slowing(_ constraint: Constraint) -> Bool {
        guard case .bound(let metric, let comparison, _) = constraint.kind else { return false }
        let upper = comparison == .atMost || comparison == .below
        switch metric {
        case .tpot, .ttftP50, .ttftP99, .latency, .timePerToken: return upper
        case .throughput, .tokensPerSecond: return !upper
        default: return false
        }
    }

    /// A group's outcomes in order; once a configuration misses a time or throughput objective,
    /// or its cap cannot be met, the lower caps are excluded for the same reason without being
    /// evaluated (a lower cap only lowers the clock, and the power at the lowest clock).
    func evaluate(_ group: Group, memo: Memo) -> [Result<Outcome, Excluded>] {
        var out: [Result<Outcome, Excluded>] = []
        var pruned: String?
        for (offset, configuration) in group.configurations.enumerated() {
            let outcome: Result<Outcome, Excluded>
            if let pruned {
                outcome = .failure(Excluded(reason: pruned, example: label(configuration), slows: true))
            } else {
                outcome = evaluate(configuration, capacity: group.capacity, memo: memo)
                if case .failure(let excluded) = outcome, excluded.slows { pruned = excluded.reason }
            }
            if offset > 0 || group.countsUncapped { out.append(outcome) }
        }
        return out
    }

    /// A configuration for reports.
    func label(_ c: Configuration) -> String {
        "\(variants[c.variant].name) \(c.plan), concurrency \(c.concurrency)"
            + (c.powerLimit.map { ", cap \(Power(si: $0))" } ?? "")
    }

    /// Why one configuration is out.
    struct Excluded: Error {
        var reason: String
        var example: String
        /// Whether every lower cap is out for the same reason.
        var slows = false
    }

    /// One configuration's steady state, checked against the objectives.
    func evaluate(_ configuration: Configuration, capacity: FitSearch.Answer, memo: Memo) -> Result<Outcome, Excluded> {
        var batching = variants[configuration.variant].batching
        batching.system.plan = configuration.plan
        var fixed = workload
        (fixed.concurrency, fixed.requestsPerSecond) = (configuration.concurrency, nil)
        let key = { (point: OperatingPoint) in
            Memo.Key(
                variant: configuration.variant, plan: configuration.plan, concurrency: configuration.concurrency,
                frequency: point.frequency.si, voltage: point.voltage.si)
        }
        let result: ServingResult
        var settled: PowerCap.Settled?
        let label = self.label(configuration)
        if let largest = capacity.largest, configuration.concurrency > largest {
            return .failure(
                Excluded(
                    reason: "the batch cap exceeds the KV capacity",
                    example: "\(label): at most \(largest) sequences fit", slows: true))
        }
        do {
            if let limit = configuration.powerLimit {
                let capped = try ServingPowerCap.settle(limit: limit, batching: batching) {
                    (moved, point) throws(SystemError) in
                    try memo.steadyState(key(point)) { () throws(SystemError) in
                        try moved.steadyState(fixed, capacity: capacity)
                    }
                }
                (result, settled) = (capped.result, capped.settled)
            } else {
                result = try memo.steadyState(key(batching.system.evaluator.operatingPoint)) {
                    () throws(SystemError) in try batching.steadyState(fixed, capacity: capacity)
                }
            }
        } catch ServingPowerCap.Failure.cap(let error) {
            return .failure(Excluded(reason: "the power cap cannot be met", example: "\(label): \(error)", slows: true))
        } catch {
            return .failure(Excluded(reason: "the configuration cannot be evaluated", example: "\(label): \(error)"))
        }
        let metrics = result.metrics(eta: eta)
        if let violated = objectives.first(where: { !$0.holds(metrics: metrics, fitsMemory: true) }) {
            return .failure(
                Excluded(reason: "violates \(violated.text)", example: label, slows: Self.slowing(violated)))
        }
        if let rate = workload.requestsPerSecond, result.requestsPerSecond < rate {
            return .failure(
                Excluded(
                    reason: "serves fewer requests per second than arrive",
                    example: "\(label): \(result.requestsPerSecond) of \(rate) requests/s", slows: true))
        }
        return .success(
            Outcome(configuration: configuration, result: result, settled: settled, value: metrics[objective] ?? .nan))
    }

    /// Steady states by everything that changes them within one search: the variant (its
    /// model, cluster, device, precision and settings are fixed for the search), the plan, the
    /// concurrency and the clock and voltage every device runs at.
    final class Memo: @unchecked Sendable {
        struct Key: Hashable {
            var variant: Int
            var plan: ParallelPlan
            var concurrency: Int
            var frequency: Double
            var voltage: Double
        }

        private var entries: [Key: Result<ServingResult, SystemError>] = [:]
        private let lock = NSLock()

        /// Steady states computed.
        var count: Int {
            lock.lock()
            defer { lock.unlock() }
            return entries.count
        }

        func steadyState(_ key: Key, compute: () throws(SystemError) -> ServingResult) throws(SystemError)
            -> ServingResult
        {
            lock.lock()
            let cached = entries[key]
            lock.unlock()
            if let cached { return try cached.get() }
            let result: Result<ServingResult, SystemError>
            do {
                result = .success(try compute())
            } catch {
                result = .failure(error)
            }
            lock.lock()
            entries[key] = result
            lock.unlock()
            return try result.get()
        }
    }
}
