import JouleEval
import JouleSpec

/// Evaluates a model on a cluster under a parallel plan: shards the model, builds and
/// evaluates one device's graph, places the collectives, times the pipeline and adds up
/// energy over every device and link.
public struct SystemEvaluator: Sendable {
    /// The cluster.
    public var cluster: Cluster
    /// The plan.
    public var plan: ParallelPlan
    /// The evaluator for one device (its hardware is the cluster's device).
    public var evaluator: Evaluator

    /// An evaluator of a plan on a cluster; `evaluator` evaluates one device.
    public init(cluster: Cluster, plan: ParallelPlan, evaluator: Evaluator) {
        self.cluster = cluster
        self.plan = plan
        self.evaluator = evaluator
    }

    /// The per-device phase: the global batch split over data-parallel replicas and
    /// microbatches, the sequence (or in decode the context) over context-parallel ranks.
    public func devicePhase(_ phase: Phase, microbatches m: Int) -> Phase {
        let b = phase.batch / (plan.data * m)
        let n = plan.context
        switch phase {
        case .prefill(_, let s): return .prefill(batch: b, sequence: s / n)
        case .decode(_, let c): return .decode(batch: b, context: c / n)
        case .training(_, let s): return .training(batch: b, sequence: s / n)
        }
    }

    /// Checks the plan against the model, the phase and the cluster; returns the microbatch count.
    public func validate(model: ModelConfig, phase: Phase) throws(PlanError) -> Int {
        for (name, value) in [
            ("tensor", plan.tensor), ("pipeline", plan.pipeline), ("data", plan.data), ("expert", plan.expert),
            ("context", plan.context), ("virtual stages", plan.virtualStages),
        ] where value < 1 {
            throw PlanError("\(name) parallelism must be at least 1, found \(value)")
        }
        guard plan.devices <= cluster.devices else {
            throw PlanError(
                "the plan needs TP \(plan.tensor)\(plan.context > 1 ? " x CP \(plan.context)" : "") x PP \(plan.pipeline) x DP \(plan.data) = \(plan.devices) devices; \(cluster.name) has \(cluster.devices)"
            )
        }
        try validateContext(model: model, phase: phase)
        if plan.pipeline > 1 {
            guard model.decoderStack == nil else {
                throw PlanError("pipeline parallelism of an encoder-decoder model is not modelled; use --pp 1")
            }
            guard plan.pipeline <= model.layers else {
                throw PlanError(
                    "pipeline parallelism \(plan.pipeline) asks for more stages than \(model.name)'s \(model.layers) layers"
                )
            }
        }
        if plan.expert > 1, plan.data % plan.expert != 0 {
            throw PlanError(
                "expert parallelism \(plan.expert) must divide data parallelism \(plan.data) (experts are split over the data-parallel ranks)"
            )
        }
        let replicaBatch = phase.batch / plan.data
        guard phase.batch % plan.data == 0, replicaBatch >= 1 else {
            throw PlanError("data parallelism \(plan.data) does not divide the batch \(phase.batch)")
        }
        let m = plan.microbatches ?? (replicaBatch % plan.pipeline == 0 ? plan.pipeline : 1)
        guard m >= 1, replicaBatch % m == 0 else {
            throw PlanError("\(m) microbatches do not divide the batch of \(replicaBatch) per data-parallel replica")
        }
        try validateInterleaving(model: model, microbatches: m)
        if plan.zero != .none, !phase.isTraining {
            throw PlanError("ZeRO shards training state; \(phase.name) has none (leave out --zero)")
        }
        if plan.recompute != .none, !phase.isTraining {
            throw PlanError(
                "activation recomputation reruns the forward pass in the backward pass; \(phase.name) has none (leave out --recompute)"
            )
        }
        return m
    }

    /// Evaluates the model for a phase (global batch) at a precision with graph options.
    public func evaluate(
        model: ModelConfig, phase: Phase, precision: PrecisionConfig, options: GraphOptions
    ) throws(SystemError) -> SystemEvaluation {
        let (m, shard, options) = try prepare(model: model, phase: phase, options: options)
        let graph: Graph
        do {
            graph = withPartialOutputCombine(
                withRecomputation(
                    try GraphBuilder(model: shard, precision: precision, options: options).build(
                        devicePhase(phase, microbatches: m))),
                shard: shard)
        } catch {
            throw .graph(error)
        }
        let device: GraphEvaluation
        do {
            device = try evaluator.evaluate(graph)
        } catch {
            throw .evaluation(error)
        }
        return assemble(model: model, shard: shard, phase: phase, microbatches: m, device: device)
    }

    /// Places collectives, times the pipeline and sums energies around an evaluated device graph.
    func assemble(
        model: ModelConfig, shard: ModelConfig, phase: Phase, microbatches m: Int, device: GraphEvaluation
    ) -> SystemEvaluation {
        let graph = device.graph
        let p = plan.pipeline
        let v = plan.virtualStages
        let layers = model.layers + (model.decoderStack?.layers ?? 0)
        // Compute per stage: layers split evenly into p x v chunks, chunk c on device c mod p;
        // the embedding with the first device, the head with the last.
        var stageSeconds = [Double](repeating: 0, count: p)
        var seenLayer = false
        for (op, cost) in zip(graph.operators, device.costs) {
            let stage: Int
            if let layer = op.layer {
                seenLayer = true
                stage = min(p * v - 1, layer * p * v / max(1, model.layers)) % p
            } else {
                stage = seenLayer ? p - 1 : 0
            }
            stageSeconds[stage] += cost.seconds
        }
        let communication = communications(
            model: model, shard: shard, graph: graph, layers: layers, microbatches: m, isTraining: phase.isTraining)
        // Per-microbatch communication on one stage's critical path (TP, EP, the hand-off).
        let perStageComm =
            communication.filter { !$0.purpose.hasPrefix("DP") }.reduce(0) { $0 + $1.seconds } / Double(m * p)
        let stageTimes = stageSeconds.map { plan.overlap ? max($0, perStageComm) : $0 + perStageComm }
        var seconds = PipelineSchedule.stepTime(stageTimes: stageTimes, microbatches: m, virtualStages: v)
        let gradientSync = communication.filter { $0.purpose.hasPrefix("DP") }.reduce(0) { $0 + $1.seconds }
        seconds = plan.overlap ? max(seconds, gradientSync) : seconds + gradientSync

        let replicas = Double(plan.tensor * plan.context * plan.data)
        let computeEnergy = device.energy.total * Double(m) * replicas
        let staticPower = cluster.device.staticPower.value.si
        let idle = stageSeconds.reduce(0) { $0 + max(0, seconds - Double(m) * $1) } * replicas
        let linkEnergy = communication.reduce(0) { $0 + $1.energy }
        let footprint = self.footprint(model: model, shard: shard, graph: graph, microbatches: m)
        return SystemEvaluation(
            cluster: cluster, plan: plan, phase: phase, microbatches: m, device: device, stageSeconds: stageSeconds,
            communication: communication, seconds: seconds,
            bubble: PipelineSchedule.bubble(stages: p, microbatches: m, virtualStages: v), computeEnergy: computeEnergy,
            idleEnergy: idle * staticPower, linkEnergy: linkEnergy,
            interconnectStaticEnergy: cluster.interconnectStaticPower.si * seconds, footprint: footprint)
    }

    /// The collectives of one step.
    func communications(
        model: ModelConfig, shard: ModelConfig, graph: Graph, layers: Int, microbatches m: Int, isTraining: Bool
    ) -> [Communication] {
        let collectives = CollectiveModel(cluster: cluster, algorithm: plan.algorithm)
        let per = cluster.devicesPerNode
        let tpGroup = GroupPlacement.of(size: plan.tensor, stride: 1, devicesPerNode: per)
        let epGroup = GroupPlacement.of(size: plan.expert, stride: plan.tensor * plan.context, devicesPerNode: per)
        let ppHop = GroupPlacement.of(size: 2, stride: plan.tensor * plan.context * plan.data, devicesPerNode: per)
        let act = graph.precision.activations.bytes
        let tokens = Double(graph.tokens)
        let hidden = Double(model.hiddenSize)
        // Forward runs (two under full recomputation) and the backward pass.
        let passes = forwardRuns(isTraining: isTraining) + (isTraining ? 1 : 0)
        let microbatches = Double(m)
        let groupsPerStage = Double(plan.data * plan.context)
        var out: [Communication] = []
        if plan.tensor > 1 {
            // Megatron: one all-reduce after attention's output projection and one after the
            // FFN's down projection, in the forward pass, and their mirrors in the backward pass.
            let bytes = tokens * hidden * act
            let runs = 2 * Double(layers) * passes * microbatches
            if plan.sequence {
                for kind in [Collective.reduceScatter, .allGather] {
                    out.append(
                        Communication(
                            purpose: "TP \(kind) per layer (sequence parallel)",
                            cost: collectives.cost(kind, bytes: bytes, placement: tpGroup), perStep: runs,
                            clusterRuns: runs * groupsPerStage))
                }
            } else {
                out.append(
                    Communication(
                        purpose: "TP all-reduce after attention and FFN",
                        cost: collectives.cost(.allReduce, bytes: bytes, placement: tpGroup), perStep: runs,
                        clusterRuns: runs * groupsPerStage))
            }
            // The vocabulary-parallel embedding sums its partial lookups (and is not recomputed).
            let embeddingPasses = isTraining ? 2.0 : 1.0
            out.append(
                Communication(
                    purpose: "TP all-reduce of the embedding",
                    cost: collectives.cost(.allReduce, bytes: bytes, placement: tpGroup),
                    perStep: embeddingPasses * microbatches,
                    clusterRuns: embeddingPasses * microbatches * groupsPerStage))
            if !isTraining, model.lmHead {
                // Inference gathers the vocabulary-parallel logits of the tokens it samples.
                let logitTokens = graph.options.logits == .all ? tokens : Double(graph.phase.batch)
                out.append(
                    Communication(
                        purpose: "TP all-gather of the logits",
                        cost: collectives.cost(
                            .allGather, bytes: logitTokens * Double(model.vocabSize) * act, placement: tpGroup),
                        perStep: microbatches, clusterRuns: microbatches * groupsPerStage))
            }
        }
        if plan.expert > 1, let moe = model.moe {
            let moeLayers = Double(model.layers - moe.denseLayers)
            let bytes = tokens * Double(moe.topK) * hidden * act
            let runs = 2 * moeLayers * passes * microbatches
            out.append(
                Communication(
                    purpose: "EP all-to-all dispatch and combine",
                    cost: collectives.cost(.allToAll, bytes: bytes, placement: epGroup), perStep: runs,
                    clusterRuns: runs * Double(plan.tensor * plan.context) * Double(plan.data / plan.expert)))
        }
        out += contextCommunications(shard: shard, graph: graph, microbatches: m)
        if plan.pipeline > 1 {
            let bytes = tokens * hidden * act / Double(plan.sequence ? plan.tensor : 1)
            // Every chunk boundary is a hand-off between devices: p x v − 1 per microbatch.
            let runs = Double(plan.pipeline * plan.virtualStages - 1) * (isTraining ? 2 : 1) * microbatches
            out.append(
                Communication(
                    purpose: "PP activations between stages",
                    cost: collectives.cost(.sendReceive, bytes: bytes, placement: ppHop), perStep: runs,
                    clusterRuns: runs * Double(plan.tensor * plan.context * plan.data)))
        }
        if isTraining { out += gradientCommunications(shard: shard, graph: graph) }
        return out
    }

    /// What the most loaded device (the first or last pipeline stage) holds.
    public func footprint(model: ModelConfig, shard: ModelConfig, graph: Graph, microbatches m: Int)
        -> MemoryFootprint
    {
        let p = plan.pipeline
        let counts = shard.parameters
        let layerShare = Double((model.layers + p - 1) / p) / Double(max(1, model.layers))
        let perStageLayers = Double(counts.total - counts.embedding - counts.head) * layerShare
        let ends = p == 1 ? Double(counts.embedding + counts.head) : Double(max(counts.embedding, counts.head))
        // A tied embedding is used again as the head: the last stage keeps its own copy.
        let parameters = perStageLayers + (p > 1 && model.tiedEmbeddings ? Double(counts.embedding) : ends)
        let precision = graph.precision
        let dram = cluster.device.memory.filter(\.isOffChip)
        var footprint = MemoryFootprint(
            weights: parameters * precision.weightBits / 8, kvCache: graph.kvCacheBytes * Double(m) * layerShare,
            activations: 0, gradients: 0, optimizer: 0,
            capacity: dram.isEmpty ? nil : dram.reduce(0) { $0 + $1.totalSize.si },
            memoryName: "\(cluster.device.name)'s " + dram.map(\.name).joined(separator: " + "))
        if case .training(let batch, let sequence) = graph.phase {
            // ZeRO shards dense state over the dp x cp ranks, expert state over the ranks that
            // hold the same experts (see `gradientCommunications`). Weights carry their group
            // scales and zero-points (`weightBits`); gradients are at the weight format's width,
            // without scales.
            let experts = plan.expert > 1 ? Double(shard.routedExpertParameters) * layerShare : 0
            let dense = MemoryFootprint.trainingState(
                parameters: parameters - experts, weightBytes: precision.weightBits / 8,
                gradientBytes: precision.weights.bytes, zero: plan.zero, data: plan.data * plan.context)
            let expert = MemoryFootprint.trainingState(
                parameters: experts, weightBytes: precision.weightBits / 8, gradientBytes: precision.weights.bytes,
                zero: plan.zero, data: expertGradientRanks.count)
            footprint.weights = dense.weights + expert.weights
            footprint.gradients = dense.gradients + expert.gradients
            footprint.optimizer = dense.optimizer + expert.optimizer
            // 1F1B keeps at most p microbatches' activations in flight on the first stage; the
            // interleaved schedule 1 + (p − 1)/(p·v) times as many (Korthikanti et al. 2023,
            // section 4.2.3).
            let interleaving = plan.virtualStages > 1 ? 1 + Double(p - 1) / Double(p * plan.virtualStages) : 1
            let inFlight = Double(min(m, p)) * interleaving
            let perLayer = { (recompute: ParallelPlan.Recompute) in
                MemoryFootprint.savedActivationsPerLayer(
                    sequence: sequence, keys: sequence * plan.context, batch: batch, hidden: model.hiddenSize,
                    heads: model.heads, tensor: plan.tensor, sequenceParallel: plan.sequence,
                    fusedAttention: graph.options.fusedAttention, recompute: recompute,
                    activationBytes: precision.activations.bytes)
            }
            // Under full recomputation the layer being recomputed holds all its activations once.
            let recomputing = plan.recompute == .full ? perLayer(.none) : 0
            footprint.activations =
                perLayer(plan.recompute) * Double((model.layers + p - 1) / p) * inFlight + recomputing
        } else {
            footprint.activations = graph.operators.reduce(0) { largest, op in
                switch op.kind {
                case .gemm(let g):
                    return max(largest, g.inputBytes + g.outputBytes + (g.second == .activation ? g.secondBytes : 0))
                case .vector(let v): return max(largest, v.bytesRead + v.bytesWritten)
                }
            }
        }
        return footprint
    }
}

/// Why a system evaluation failed.
public enum SystemError: Error, Sendable, CustomStringConvertible {
    /// The plan does not fit the model, phase or cluster.
    case plan(PlanError)
    /// The per-device graph cannot be built.
    case graph(GraphBuildError)
    /// The device evaluation failed.
    case evaluation(Evaluator.EvaluationError)

    public var description: String {
        switch self {
        case .plan(let error): return error.message
        case .graph(let error): return error.message
        case .evaluation(let error): return error.message
        }
    }
}

extension Phase {
    /// Whether the phase is a training step.
    public var isTraining: Bool {
        if case .training = self { return true }
        return false
    }
}

extension SystemEvaluator {
    /// What one device runs: the plan checked against the model and phase (its microbatch count),
    /// the model's shard, and the graph options with expert shares dropped when experts are split
    /// over devices (each device then holds its own experts).
    func prepare(model: ModelConfig, phase: Phase, options: GraphOptions) throws(SystemError) -> (
        microbatches: Int, shard: ModelConfig, options: GraphOptions
    ) {
        do {
            let m = try validate(model: model, phase: phase)
            let shard = try model.sharded(tensor: plan.tensor, expert: plan.expert)
            var options = options
            if plan.expert > 1 { options.expertLoad?.shares = nil }
            switch phase {
            case .decode: break  // decode splits the context through the phase itself
            case .prefill, .training: options.contextParallel = plan.context
            }
            return (m, shard, options)
        } catch {
            throw .plan(error)
        }
    }

    /// The per-device footprint of a phase (global batch) without evaluating anything.
    public func footprint(
        model: ModelConfig, phase: Phase, precision: PrecisionConfig, options: GraphOptions
    ) throws(SystemError) -> MemoryFootprint {
        let (m, shard, options) = try prepare(model: model, phase: phase, options: options)
        do {
            let graph = try GraphBuilder(model: shard, precision: precision, options: options).build(
                devicePhase(phase, microbatches: m))
            return footprint(model: model, shard: shard, graph: graph, microbatches: m)
        } catch {
            throw .graph(error)
        }
    }
}
