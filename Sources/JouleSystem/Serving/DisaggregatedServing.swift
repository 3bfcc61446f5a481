import JouleEval
import JouleSpec

/// Prefill and decode on separate pools of one cluster, the KV cache of each request moved from
/// the prefill pool to the decode pool over the interconnect (Zhong et al., DistServe, OSDI
/// 2024; Patel et al., Splitwise, ISCA 2024), in steady state.
///
/// P devices prefill, D devices decode, each pool with the plan's tensor and pipeline
/// parallelism and as many data-parallel replicas as its devices allow. Each prefill replica
/// prefills one prompt at a time; the decode pool runs continuous batching of C sequences
/// with no prefill in its iterations. With t_d, E_d a decode step, t_p(in), E_p(in) one
/// prompt's prefill and t_kv(in), E_kv(in) its KV cache's transfer:
///
/// - the KV cache of a prompt moves device to device, each of the tp·pp prefill devices
///   sending its shard to its decode counterpart at once: t_kv = alpha + shard / B (the
///   send/recv of `CollectiveModel`, on the node link when both pools fit in one node, else
///   on the cluster link), E_kv = the shards' bytes x 8 x the link's energy per bit;
/// - TPOT = t_d; a class's TTFT = t_p(in) + t_kv(in) + t_d (no queueing); end-to-end latency
///   = TTFT + (out − 1) · t_d;
/// - the pools serve dp_P / E[t_p] and C / (E[out] · t_d) requests per second; the cluster
///   serves λ, the smaller (or the arrival rate, when both keep up);
/// - power = u_D · E_d / t_d + (1 − u_D) · D · P_static + λ · E[E_p] + (1 − u_P) · P · P_static
///   + λ · E[E_kv] + the switches' static power, where u_D = λ · E[out] · t_d / C and
///   u_P = λ · E[t_p] / dp_P are the pools' busy fractions and P_static a device's static
///   power (the less loaded pool idles part of the time); energy per request = power / λ.
public struct DisaggregatedServing: Sendable {
    /// The cluster holding both pools.
    public var cluster: Cluster
    /// The plan of one replica in either pool (its data parallelism is set per pool).
    public var plan: ParallelPlan
    /// The single-device evaluator.
    public var evaluator: Evaluator
    /// Devices that prefill.
    public var prefillDevices: Int
    /// Devices that decode.
    public var decodeDevices: Int
    /// The model.
    public var model: ModelConfig
    /// Operand formats.
    public var precision: PrecisionConfig
    /// Graph options (fusion, logits).
    public var options: GraphOptions

    /// A disaggregated deployment of a model on a cluster.
    public init(
        cluster: Cluster, plan: ParallelPlan, evaluator: Evaluator, prefillDevices: Int, decodeDevices: Int,
        model: ModelConfig, precision: PrecisionConfig, options: GraphOptions
    ) {
        self.cluster = cluster
        self.plan = plan
        self.evaluator = evaluator
        self.prefillDevices = prefillDevices
        self.decodeDevices = decodeDevices
        self.model = model
        self.precision = precision
        self.options = options
    }

    /// The evaluator of a pool of `devices` devices: the plan with `devices / (tp · pp)` replicas.
    func pool(_ devices: Int, role: String) throws(SystemError) -> SystemEvaluator {
        let replica = plan.tensor * plan.pipeline
        guard devices >= replica, devices % replica == 0 else {
            throw .plan(
                PlanError(
                    "the \(role) pool's \(devices) device\(devices == 1 ? "" : "s") are not a whole number of TP \(plan.tensor) x PP \(plan.pipeline) replicas (\(replica) devices each)"
                ))
        }
        var poolPlan = plan
        poolPlan.data = devices / replica
        poolPlan.microbatches = nil
        return SystemEvaluator(cluster: cluster, plan: poolPlan, evaluator: evaluator)
    }

    /// The link the KV cache crosses: the node's when both pools fit in one node, else the
    /// cluster's.
    var kvLink: Interconnect? {
        prefillDevices + decodeDevices <= cluster.devicesPerNode
            ? (cluster.nodeLink ?? cluster.clusterLink) : (cluster.clusterLink ?? cluster.nodeLink)
    }

    /// The steady state of a workload on the two pools.
    public func steadyState(_ workload: ServingWorkload) throws(SystemError) -> DisaggregatedServingResult {
        guard prefillDevices + decodeDevices <= cluster.devices else {
            throw .plan(
                PlanError(
                    "\(prefillDevices) prefill + \(decodeDevices) decode devices are more than \(cluster.name)'s \(cluster.devices)"
                ))
        }
        let prefillPool = try pool(prefillDevices, role: "prefill")
        let decodePool = try pool(decodeDevices, role: "decode")
        guard let link = kvLink else {
            throw .plan(PlanError("\(cluster.name) has no interconnect to move the KV cache between the pools"))
        }
        // The decode pool as a continuous batcher: its capacity and its decode steps; the prefill
        // pool's per-class prefills.
        let decoding = ContinuousBatching(system: decodePool, model: model, precision: precision, options: options)
        let prefilling = ContinuousBatching(system: prefillPool, model: model, precision: precision, options: options)
        let mix = workload.requestMix
        let context = ContinuousBatching.reservedContext(mix)
        let decodeContext = Int((mix.meanDecodeContext + 1e-9).rounded(.down))
        let answer = try decoding.capacity(workload)
        guard let capacity = answer.largest else {
            throw .plan(
                PlanError(
                    "not even \(answer.step) sequence\(answer.step == 1 ? "" : "s") of \(context) tokens fit in the decode pool: \(answer.footprint.overflowMessage ?? "")"
                ))
        }
        let switches = cluster.interconnectStaticPower.si
        var classes: [DisaggregatedServingResult.ClassCost] = []
        var transfers: [Int: (seconds: Double, energy: Double)] = [:]
        let replica = Double(plan.tensor * plan.pipeline)
        for entry in try prefilling.prefills(mix) {
            let length = entry.requestClass.inputTokens
            if transfers[length] == nil {
                // One prompt per prefill replica: the KV cache each device holds for it.
                let shard = try prefillPool.footprint(
                    model: model, phase: .decode(batch: prefillPool.plan.data, context: length), precision: precision,
                    options: options
                ).kvCache
                let step = CollectiveModel(cluster: cluster).flat(.sendReceive, bytes: shard, p: 2, link: link)
                transfers[length] = (step.seconds, shard * replica * 8 * link.energyPerBit.value.si)
            }
            let transfer = transfers[length] ?? (0, 0)
            classes.append(
                .init(
                    requestClass: entry.requestClass, prefillSeconds: entry.seconds,
                    // The switches' static power is counted once, over the whole cluster.
                    prefillEnergy: entry.energy - switches * entry.seconds / Double(prefillPool.plan.data),
                    transferSeconds: transfer.seconds, transferEnergy: transfer.energy))
        }
        let meanPrefillSeconds = classes.reduce(0) { $0 + $1.requestClass.share * $1.prefillSeconds }
        let prefillRate = Double(prefillPool.plan.data) / meanPrefillSeconds
        func state(_ c: Int, rate: Double?) throws(SystemError) -> DisaggregatedServingResult {
            let decode = try decodePool.evaluate(
                model: model, phase: .decode(batch: c, context: decodeContext), precision: precision, options: options)
            let decodeRate = Double(c) / (mix.meanOutputTokens * decode.seconds)
            let served = min(rate ?? .infinity, prefillRate, decodeRate)
            return DisaggregatedServingResult(
                workload: workload, cluster: cluster, prefillPlan: prefillPool.plan, decodePlan: decodePool.plan,
                link: link, concurrency: c, capacity: capacity, decode: decode, classes: classes,
                prefillRequestsPerSecond: prefillRate, decodeRequestsPerSecond: decodeRate, requestsPerSecond: served,
                overloaded: (rate ?? 0) > served * (1 + 1e-12))
        }
        let step = decodePool.plan.data
        if let concurrency = workload.concurrency {
            let c = max(step, (concurrency / step) * step)
            guard c <= capacity else {
                throw .plan(
                    PlanError(
                        "concurrency \(concurrency) exceeds the decode pool's KV capacity: at most \(capacity) sequences of \(context) tokens fit"
                    ))
            }
            return try state(c, rate: nil)
        }
        let rate = workload.requestsPerSecond ?? 0
        let most = try state(capacity, rate: rate)
        guard !most.overloaded else { return most }
        var low = 0  // in replicas' steps; the decode pool's rate grows with the concurrency
        var high = capacity / step
        var best = most
        while high - low > 1 {
            let mid = (low + high) / 2
            let candidate = try state(mid * step, rate: rate)
            if candidate.decodeRequestsPerSecond >= rate {
                (high, best) = (mid, candidate)
            } else {
                low = mid
            }
        }
        if high == 1 { best = try state(step, rate: rate) }
        return best
    }
}
