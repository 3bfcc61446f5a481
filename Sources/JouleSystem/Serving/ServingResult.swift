/// A serving workload's steady state.
///
/// Latencies leave out queueing: a request's TTFT is its prefill plus one iteration, as if it
/// were admitted the moment it arrived (the steady state keeps up with the arrivals, but a
/// burst would wait).
public struct ServingResult: Sendable, RequestLatencyPercentiles {
    /// One request class's prefill, as served.
    public struct ClassPrefill: Sendable {
        /// The class.
        public var requestClass: RequestClass
        /// One request's prefill time on one data-parallel replica.
        public var seconds: Double
        /// One request's prefill energy.
        public var energy: Double
        /// The part of it the devices draw (links and switches left out).
        public var deviceEnergy: Double
    }

    /// The workload.
    public var workload: ServingWorkload
    /// Sequences decoding together.
    public var concurrency: Int
    /// The most sequences the KV cache holds.
    public var capacity: Int
    /// One decode step of the concurrent sequences on the cluster.
    public var decode: SystemEvaluation
    /// One request's prefill time (for a mix, the mean over requests).
    public var prefillSeconds: Double
    /// One request's prefill energy (for a mix, the mean over requests).
    public var prefillEnergy: Double
    /// The part of one request's prefill energy the devices draw (links and switches left out).
    public var prefillDeviceEnergy: Double
    /// Whether the arrival rate exceeds what the system serves at full KV capacity.
    public var overloaded = false
    /// Each request class's prefill (one entry for a single request type).
    public var classes: [ClassPrefill] = []

    /// With speculative decoding, one verification cycle of the concurrent sequences (k draft
    /// steps and the target's verification; `decode` is then the verification step).
    public var speculative: SystemSpeculativeEvaluation?

    /// The mean output length over requests, E[out].
    public var meanOutputTokens: Double { workload.requestMix.meanOutputTokens }
    /// Tokens each sequence gains per iteration: 1, or E[tokens] = (1 − a^(k+1)) / (1 − a) per
    /// verification cycle with speculative decoding.
    public var tokensPerIteration: Double { speculative?.setting.expectedTokens ?? 1 }
    /// Seconds of one iteration's decoding: a decode step, or a speculative cycle.
    public var decodeSeconds: Double { speculative?.secondsPerCycle ?? decode.seconds }
    /// Joules of one iteration's decoding over the cluster.
    public var decodeEnergy: Double { speculative?.energyPerCycle ?? decode.energy }
    /// Requests starting (and finishing) per iteration, over the cluster: C · E[tokens] / E[out].
    public var admissionsPerStep: Double { Double(concurrency) * tokensPerIteration / meanOutputTokens }
    /// Requests each data-parallel replica prefills per iteration.
    public var admissionsPerReplica: Double { admissionsPerStep / Double(decode.plan.data) }
    /// Seconds of one iteration: its decoding and its share of prefills.
    public var iterationSeconds: Double { decodeSeconds + admissionsPerReplica * prefillSeconds }
    /// Time per output token: one iteration over the tokens it gives each sequence.
    public var tpot: Double { iterationSeconds / tokensPerIteration }
    /// Time to first token (for a mix, the mean over requests): the prefill, then one iteration.
    public var ttft: Double { prefillSeconds + iterationSeconds }
    /// Energy of one iteration.
    public var stepEnergy: Double { decodeEnergy + admissionsPerStep * prefillEnergy }
    /// Output tokens per second.
    public var tokensPerSecond: Double { Double(concurrency) / tpot }
    /// Requests served per second.
    public var requestsPerSecond: Double { tokensPerSecond / meanOutputTokens }
    /// Joules per output token.
    public var energyPerOutputToken: Double { stepEnergy / (Double(concurrency) * tokensPerIteration) }
    /// Joules per request (for a mix, the mean over requests).
    public var energyPerRequest: Double { energyPerOutputToken * meanOutputTokens }
    /// Average power.
    public var averagePower: Double { stepEnergy / iterationSeconds }
    /// What bounds an iteration: decode's bound, or prefill when it takes longer.
    public var bound: String {
        admissionsPerReplica * prefillSeconds > decodeSeconds ? "prefill" : "decode: \(decode.bound)"
    }
    /// Average power of one device the plan uses, over an iteration (what a per-device power
    /// cap limits): the devices' energy, busy and idle, without links and switches.
    public var devicePower: Double {
        let decoding = speculative.map {
            Double($0.setting.draftTokens) * ($0.draft.computeEnergy + $0.draft.idleEnergy)
                + $0.verification.computeEnergy + $0.verification.idleEnergy
        }
        let devices =
            (decoding ?? decode.computeEnergy + decode.idleEnergy) + admissionsPerStep * prefillDeviceEnergy
        return devices / Double(decode.plan.devices) / iterationSeconds
    }
    /// What one device holds: the target's footprint, and the draft's beside it when it speculates.
    public var footprint: MemoryFootprint { speculative?.footprint ?? decode.footprint }

    /// A class's time to first token: its prefill, then one iteration.
    public func ttft(of entry: ClassPrefill) -> Double { entry.seconds + iterationSeconds }
    /// A class's end-to-end latency: TTFT, then the rest of its tokens at TPOT (out − 1 more
    /// iterations; out − E[tokens] tokens' worth when it speculates).
    public func endToEnd(of entry: ClassPrefill) -> Double {
        ttft(of: entry) + max(0, Double(entry.requestClass.outputTokens) - tokensPerIteration) * tpot
    }
    /// A class's energy per request: its share of out decode steps (each step's energy split
    /// evenly over the sequences decoding) and its own prefill.
    public func energyPerRequest(of entry: ClassPrefill) -> Double {
        Double(entry.requestClass.outputTokens) * decodeEnergy / (Double(concurrency) * tokensPerIteration)
            + entry.energy
    }

    /// Each class's TTFT, end-to-end latency and share, for the percentiles over requests.
    public var classLatencies: [(ttft: Double, endToEnd: Double, share: Double)] {
        classes.map { (ttft(of: $0), endToEnd(of: $0), $0.requestClass.share) }
    }
}
