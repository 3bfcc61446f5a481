import JouleEval
import JouleSpec

/// Continuous batching in steady state (Yu et al., Orca, OSDI 2022; chunked prefill as in
/// Agrawal et al., Sarathi-Serve, OSDI 2024), for one request type.
///
/// With C sequences decoding, each living `output` steps, C / output requests finish, and as
/// many start, per step on average. Each iteration runs one decode step of the C sequences at
/// the average context (`input + output / 2`) and the prefill of C / output prompts, chunked
/// into the iterations. So, with t_d, E_d a decode step and t_p, E_p one request's prefill:
///
/// - TPOT (time per output token) = t_d + (C / (output · dp)) · t_p (each data-parallel
///   replica prefills its own share of the new requests);
/// - TTFT = t_p + TPOT (the prompt is prefilled, then the first decode step runs);
/// - throughput = C / TPOT output tokens per second;
/// - energy per output token = (E_d + (C / output) · E_p) / C; per request, `output` times it;
/// - average power = (E_d + (C / output) · E_p) / TPOT.
///
/// KV capacity caps C: the largest batch whose footprint at context `input + output` fits.
/// With an arrival rate λ instead of C, C is the smallest concurrency whose throughput in
/// requests, C / (output · TPOT), reaches λ (Little's law in steady state).
public struct ContinuousBatching: Sendable {
    /// The system serving.
    public var system: SystemEvaluator
    /// The model.
    public var model: ModelConfig
    /// Operand formats.
    public var precision: PrecisionConfig
    /// Graph options (fusion, logits).
    public var options: GraphOptions

    /// A steady-state model of a system serving a model.
    public init(system: SystemEvaluator, model: ModelConfig, precision: PrecisionConfig, options: GraphOptions) {
        self.system = system
        self.model = model
        self.precision = precision
        self.options = options
    }

    /// The steady state of a workload.
    public func steadyState(_ workload: ServingWorkload) throws(SystemError) -> ServingResult {
        try steadyState(workload, capacity: capacity(workload))
    }

    /// The KV capacity for a workload: the largest concurrency whose footprint at context
    /// `input + output` fits (in steps of the data-parallel degree). It depends on the plan,
    /// model, precision, options and device memory, not on the clock or the concurrency.
    public func capacity(_ workload: ServingWorkload) throws(SystemError) -> FitSearch.Answer {
        let step = system.plan.data * (system.plan.microbatches ?? 1)
        return try FitSearch(system: system).largest(
            .batch, model: model, phase: .decode(batch: step, context: workload.inputTokens + workload.outputTokens),
            precision: precision, options: options)
    }

    /// The steady state of a workload given its KV capacity (`capacity(_:)` for this system).
    public func steadyState(_ workload: ServingWorkload, capacity cap: FitSearch.Answer) throws(SystemError)
        -> ServingResult
    {
        let step = system.plan.data * (system.plan.microbatches ?? 1)
        let context = workload.inputTokens + workload.outputTokens
        guard let capacity = cap.largest else {
            throw .plan(
                PlanError(
                    "not even \(step) sequence\(step == 1 ? "" : "s") of \(context) tokens fit: \(cap.footprint.overflowMessage ?? "")"
                ))
        }
        var prefillPhase = system
        prefillPhase.plan.microbatches = 1
        let prefill = try prefillPhase.evaluate(
            model: model, phase: .prefill(batch: system.plan.data, sequence: workload.inputTokens),
            precision: precision, options: options)
        let perRequestPrefill = (
            seconds: prefill.seconds, energy: prefill.energy / Double(system.plan.data),
            deviceEnergy: (prefill.computeEnergy + prefill.idleEnergy) / Double(system.plan.data)
        )
        func state(_ c: Int) throws(SystemError) -> ServingResult {
            let decode = try system.evaluate(
                model: model, phase: .decode(batch: c, context: workload.inputTokens + workload.outputTokens / 2),
                precision: precision, options: options)
            return ServingResult(
                workload: workload, concurrency: c, capacity: capacity, decode: decode,
                prefillSeconds: perRequestPrefill.seconds, prefillEnergy: perRequestPrefill.energy,
                prefillDeviceEnergy: perRequestPrefill.deviceEnergy)
        }
        if let concurrency = workload.concurrency {
            let c = max(step, (concurrency / step) * step)
            guard c <= capacity else {
                throw .plan(
                    PlanError(
                        "concurrency \(concurrency) exceeds the KV capacity: at most \(capacity) sequences of \(context) tokens fit (\(cap.next?.overflowMessage ?? ""))"
                    ))
            }
            return try state(c)
        }
        let rate = workload.requestsPerSecond ?? 0
        let most = try state(capacity)
        guard most.requestsPerSecond >= rate else {
            var overloaded = most
            overloaded.overloaded = true
            return overloaded
        }
        var low = 0  // in steps; the throughput grows with the concurrency
        var high = capacity / step
        var best = most
        while high - low > 1 {
            let mid = (low + high) / 2
            let candidate = try state(mid * step)
            if candidate.requestsPerSecond >= rate {
                (high, best) = (mid, candidate)
            } else {
                low = mid
            }
        }
        if high == 1 { best = try state(step) }
        return best
    }
}

/// A serving workload's steady state.
public struct ServingResult: Sendable {
    /// The workload.
    public var workload: ServingWorkload
    /// Sequences decoding together.
    public var concurrency: Int
    /// The most sequences the KV cache holds.
    public var capacity: Int
    /// One decode step of the concurrent sequences on the cluster.
    public var decode: SystemEvaluation
    /// One request's prefill time.
    public var prefillSeconds: Double
    /// One request's prefill energy.
    public var prefillEnergy: Double
    /// The part of one request's prefill energy the devices draw (links and switches left out).
    public var prefillDeviceEnergy: Double
    /// Whether the arrival rate exceeds what the system serves at full KV capacity.
    public var overloaded = false

    /// Requests starting (and finishing) per iteration, over the cluster.
    public var admissionsPerStep: Double { Double(concurrency) / Double(workload.outputTokens) }
    /// Requests each data-parallel replica prefills per iteration.
    public var admissionsPerReplica: Double { admissionsPerStep / Double(decode.plan.data) }
    /// Time per output token: one iteration.
    public var tpot: Double { decode.seconds + admissionsPerReplica * prefillSeconds }
    /// Time to first token.
    public var ttft: Double { prefillSeconds + tpot }
    /// Energy of one iteration.
    public var stepEnergy: Double { decode.energy + admissionsPerStep * prefillEnergy }
    /// Output tokens per second.
    public var tokensPerSecond: Double { Double(concurrency) / tpot }
    /// Requests served per second.
    public var requestsPerSecond: Double { tokensPerSecond / Double(workload.outputTokens) }
    /// Joules per output token.
    public var energyPerOutputToken: Double { stepEnergy / Double(concurrency) }
    /// Joules per request.
    public var energyPerRequest: Double { energyPerOutputToken * Double(workload.outputTokens) }
    /// Average power.
    public var averagePower: Double { stepEnergy / tpot }
    /// Average power of one device the plan uses, over an iteration (what a per-device power
    /// cap limits): the devices' energy, busy and idle, without links and switches.
    public var devicePower: Double {
        let devices = decode.computeEnergy + decode.idleEnergy + admissionsPerStep * prefillDeviceEnergy
        return devices / Double(decode.plan.devices) / tpot
    }
    /// What bounds an iteration: decode's bound, or prefill when it takes longer.
    public var bound: String {
        admissionsPerReplica * prefillSeconds > decode.seconds ? "prefill" : "decode: \(decode.bound)"
    }
}
