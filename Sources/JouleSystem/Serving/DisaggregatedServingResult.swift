/// The steady state of prefill/decode disaggregation: the two pools' rates, the KV transfers,
/// latencies and energies (see `DisaggregatedServing` for the formulas).
public struct DisaggregatedServingResult: Sendable, RequestLatencyPercentiles {
    /// One request class's prefill and KV transfer.
    public struct ClassCost: Sendable {
        /// The class.
        public var requestClass: RequestClass
        /// One prompt's prefill time on one prefill replica.
        public var prefillSeconds: Double
        /// One prompt's prefill energy (the switches' static power left out: it is counted once).
        public var prefillEnergy: Double
        /// The KV cache's move from the prefill pool to the decode pool.
        public var transferSeconds: Double
        /// The KV cache's link energy.
        public var transferEnergy: Double
    }

    /// The workload.
    public var workload: ServingWorkload
    /// The cluster holding both pools.
    public var cluster: Cluster
    /// The prefill pool's plan.
    public var prefillPlan: ParallelPlan
    /// The decode pool's plan.
    public var decodePlan: ParallelPlan
    /// The link the KV cache crosses.
    public var link: Interconnect
    /// Sequences decoding together in the decode pool.
    public var concurrency: Int
    /// The most sequences the decode pool's KV cache holds.
    public var capacity: Int
    /// One decode step of the concurrent sequences on the decode pool.
    public var decode: SystemEvaluation
    /// Each class's prefill and transfer.
    public var classes: [ClassCost]
    /// Requests per second the prefill pool can prefill.
    public var prefillRequestsPerSecond: Double
    /// Requests per second the decode pool can finish at this concurrency.
    public var decodeRequestsPerSecond: Double
    /// Requests per second served: the arrival rate, or the slower pool's rate.
    public var requestsPerSecond: Double
    /// Whether the arrival rate exceeds what the pools serve.
    public var overloaded: Bool

    /// The mean output length over requests, E[out].
    public var meanOutputTokens: Double { workload.requestMix.meanOutputTokens }
    /// The mean of a figure over requests.
    public func mean(_ figure: (ClassCost) -> Double) -> Double {
        classes.reduce(0) { $0 + $1.requestClass.share * figure($1) }
    }
    /// Time per output token: one decode step.
    public var tpot: Double { decode.seconds }
    /// A class's time to first token: prefill, KV transfer, one decode step.
    public func ttft(of entry: ClassCost) -> Double { entry.prefillSeconds + entry.transferSeconds + tpot }
    /// A class's end-to-end latency.
    public func endToEnd(of entry: ClassCost) -> Double {
        ttft(of: entry) + Double(entry.requestClass.outputTokens - 1) * tpot
    }
    /// Mean TTFT over requests.
    public var ttft: Double { mean { ttft(of: $0) } }
    /// Each class's TTFT, end-to-end latency and share, for the percentiles over requests.
    public var classLatencies: [(ttft: Double, endToEnd: Double, share: Double)] {
        classes.map { (ttft(of: $0), endToEnd(of: $0), $0.requestClass.share) }
    }
    /// Output tokens per second.
    public var tokensPerSecond: Double { requestsPerSecond * meanOutputTokens }
    /// The decode pool's busy fraction, u_D = λ · E[out] · t_d / C.
    public var decodeBusy: Double { requestsPerSecond / decodeRequestsPerSecond }
    /// The prefill pool's busy fraction, u_P = λ · E[t_p] / dp_P.
    public var prefillBusy: Double { requestsPerSecond / prefillRequestsPerSecond }
    /// A device's static power.
    var staticPower: Double { cluster.device.staticPower.value.si }
    /// The decode pool's power: busy steps, idle static power the rest of the time.
    public var decodePower: Double {
        let busy = (decode.energy - decode.interconnectStaticEnergy) / decode.seconds
        return decodeBusy * busy + (1 - decodeBusy) * Double(decodePlan.devices) * staticPower
    }
    /// The prefill pool's power: prompts prefilled, idle static power the rest of the time.
    public var prefillPower: Double {
        requestsPerSecond * mean(\.prefillEnergy) + (1 - prefillBusy) * Double(prefillPlan.devices) * staticPower
    }
    /// The power the KV transfers draw on the link.
    public var transferPower: Double { requestsPerSecond * mean(\.transferEnergy) }
    /// The switches' and NICs' static power (the whole cluster's, once).
    public var switchPower: Double { cluster.interconnectStaticPower.si }
    /// Average power of both pools, the transfers and the switches.
    public var averagePower: Double { decodePower + prefillPower + transferPower + switchPower }
    /// Joules per request (mean over requests).
    public var energyPerRequest: Double { averagePower / requestsPerSecond }
    /// Joules per output token.
    public var energyPerOutputToken: Double { energyPerRequest / meanOutputTokens }
    /// The slower pool.
    public var bound: String {
        prefillRequestsPerSecond < decodeRequestsPerSecond ? "prefill pool" : "decode pool: \(decode.bound)"
    }
}
