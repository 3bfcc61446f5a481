import JouleEval
import JouleSpec

/// Continuous batching in steady state (Yu et al., Orca, OSDI 2022; chunked prefill as in
/// Agrawal et al., Sarathi-Serve, OSDI 2024), for one request type or a mix of classes.
///
/// With C sequences decoding, a request of class i (share w_i) lives out_i iterations, so
/// C / E[out] requests finish, and as many start, per iteration on average, and a fraction
/// w_i · out_i / E[out] of the running sequences are of class i. Each iteration runs one decode
/// step of the C sequences at their time-weighted mean context E[out · (in + out/2)] / E[out]
/// (`input + output / 2` for one type) and the prefill of C / E[out] prompts, chunked into the
/// iterations. Prefill is evaluated per distinct prompt length (attention is quadratic in it,
/// so the mean length would understate it) and averaged over requests. With t_d, E_d a decode
/// step and t_p(in), E_p(in) one request's prefill:
///
/// - TPOT (time per output token) = t_d + (C / (E[out] · dp)) · E[t_p] (each data-parallel
///   replica prefills its own share of the new requests);
/// - TTFT of a class = t_p(in_i) + TPOT (the prompt is prefilled, then the first decode step
///   runs; no queueing); end-to-end latency = TTFT + (out_i − 1) · TPOT;
/// - throughput = C / TPOT output tokens per second;
/// - energy per output token = (E_d + (C / E[out]) · E[E_p]) / C; per request, E[out] times it;
/// - average power = (E_d + (C / E[out]) · E[E_p]) / TPOT.
///
/// KV capacity caps C: the largest batch whose footprint fits at the time-weighted mean final
/// length E[out · (in + out)] / E[out] (`input + output` for one type; each running sequence
/// reserves its whole length). With an arrival rate λ instead of C, C is the smallest
/// concurrency whose throughput in requests, C / (E[out] · TPOT), reaches λ (Little's law in
/// steady state).
public struct ContinuousBatching: Sendable {
    /// The system serving.
    public var system: SystemEvaluator
    /// The model.
    public var model: ModelConfig
    /// Operand formats.
    public var precision: PrecisionConfig
    /// Graph options (fusion, logits).
    public var options: GraphOptions
    /// Speculative decoding (nil: one token per sequence per iteration).
    public var speculation: Speculation?

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

    /// The context each running sequence reserves in the KV cache: the time-weighted mean
    /// final length E[out · (in + out)] / E[out] (`input + output` for one type), whole tokens.
    static func reservedContext(_ mix: RequestMix) -> Int { Int((mix.meanReservedContext - 1e-9).rounded(.up)) }

    /// The KV capacity for a workload: the largest concurrency whose footprint at the reserved
    /// context fits (in steps of the data-parallel degree), the draft's weights and cache
    /// included when it speculates. It depends on the plan, model, precision, options and
    /// device memory, not on the clock or the concurrency.
    public func capacity(_ workload: ServingWorkload) throws(SystemError) -> FitSearch.Answer {
        let context = Self.reservedContext(workload.requestMix)
        if let speculation { return try capacity(context: context, speculation) }
        let step = system.plan.data * (system.plan.microbatches ?? 1)
        return try FitSearch(system: system).largest(
            .batch, model: model, phase: .decode(batch: step, context: context), precision: precision,
            options: options)
    }

    /// The steady state of a workload given its KV capacity (`capacity(_:)` for this system).
    public func steadyState(_ workload: ServingWorkload, capacity cap: FitSearch.Answer) throws(SystemError)
        -> ServingResult
    {
        let mix = workload.requestMix
        let step = system.plan.data * (system.plan.microbatches ?? 1)
        // Whole tokens: exact for one request type (`input + output`, `input + output / 2`).
        let context = Self.reservedContext(mix)
        let decodeContext = Int((mix.meanDecodeContext + 1e-9).rounded(.down))
        guard let capacity = cap.largest else {
            throw .plan(
                PlanError(
                    "not even \(step) sequence\(step == 1 ? "" : "s") of \(context) tokens fit: \(cap.footprint.overflowMessage ?? "")"
                ))
        }
        let classes = try prefills(mix)
        let meanPrefill = (
            seconds: classes.reduce(0) { $0 + $1.requestClass.share * $1.seconds },
            energy: classes.reduce(0) { $0 + $1.requestClass.share * $1.energy },
            deviceEnergy: classes.reduce(0) { $0 + $1.requestClass.share * $1.deviceEnergy }
        )
        func state(_ c: Int) throws(SystemError) -> ServingResult {
            let cycle = try speculation.map { speculation throws(SystemError) in
                try self.cycle(speculation, batch: c, context: decodeContext)
            }
            let decode =
                try cycle?.verification
                ?? system.evaluate(
                    model: model, phase: .decode(batch: c, context: decodeContext), precision: precision,
                    options: options)
            var result = ServingResult(
                workload: workload, concurrency: c, capacity: capacity, decode: decode,
                prefillSeconds: meanPrefill.seconds, prefillEnergy: meanPrefill.energy,
                prefillDeviceEnergy: meanPrefill.deviceEnergy, classes: classes)
            result.speculative = cycle
            return result
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

    /// The most distinct prompt lengths whose prefill is evaluated one by one. A mix with more
    /// (a long trace) is evaluated at this many of its lengths, at evenly spaced quantiles over
    /// requests from the shortest to the longest, and each other length is interpolated
    /// linearly between its neighbours (on the shipped 50-request trace the mean prefill comes
    /// within 0.3 % of evaluating all 50 lengths; a mapping search per length would make a
    /// trace of thousands of lengths take minutes).
    public static let evaluatedPromptLengths = 24

    /// One request's prefill time and energy for each class: one prompt per data-parallel
    /// replica, so the time is one replica's and the energy one request's.
    func prefills(_ mix: RequestMix) throws(SystemError) -> [ServingResult.ClassPrefill] {
        var prefillPhase = system
        prefillPhase.plan.microbatches = 1
        var byLength: [Int: (seconds: Double, energy: Double, deviceEnergy: Double)] = [:]
        for length in Self.promptGrid(mix) {
            let prefill = try prefillPhase.evaluate(
                model: model, phase: .prefill(batch: system.plan.data, sequence: length), precision: precision,
                options: options)
            let replicas = Double(system.plan.data)
            byLength[length] = (
                prefill.seconds, prefill.energy / replicas, (prefill.computeEnergy + prefill.idleEnergy) / replicas
            )
        }
        let grid = byLength.keys.sorted()
        return mix.classes.map { requestClass in
            let length = requestClass.inputTokens
            let cost: (seconds: Double, energy: Double, deviceEnergy: Double)
            if let exact = byLength[length] {
                cost = exact
            } else {
                let upper = grid.firstIndex { $0 > length } ?? grid.count - 1
                let (a, b) = (grid[max(0, upper - 1)], grid[upper])
                let (low, high) = (byLength[a] ?? (0, 0, 0), byLength[b] ?? (0, 0, 0))
                let t = b > a ? Double(length - a) / Double(b - a) : 0
                cost = (
                    low.seconds + t * (high.seconds - low.seconds), low.energy + t * (high.energy - low.energy),
                    low.deviceEnergy + t * (high.deviceEnergy - low.deviceEnergy)
                )
            }
            return .init(
                requestClass: requestClass, seconds: cost.seconds, energy: cost.energy, deviceEnergy: cost.deviceEnergy)
        }
    }

    /// The prompt lengths whose prefill is evaluated: every distinct one, or
    /// `evaluatedPromptLengths` of them at quantiles k / (n − 1) over requests, the shortest
    /// and the longest included.
    static func promptGrid(_ mix: RequestMix) -> [Int] {
        var shares: [Int: Double] = [:]
        for requestClass in mix.classes { shares[requestClass.inputTokens, default: 0] += requestClass.share }
        let lengths = shares.keys.sorted()
        let n = evaluatedPromptLengths
        guard lengths.count > n else { return lengths }
        var cumulative: [Double] = []
        for length in lengths { cumulative.append((cumulative.last ?? 0) + (shares[length] ?? 0)) }
        var grid = Set([lengths[0], lengths[lengths.count - 1]])
        for k in 1..<(n - 1) {
            let q = Double(k) / Double(n - 1)
            grid.insert(lengths[cumulative.firstIndex { $0 >= q - 1e-12 } ?? lengths.count - 1])
        }
        return grid.sorted()
    }
}
