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

    /// The per-device phase: the global batch split over data-parallel replicas and microbatches.
    public func devicePhase(_ phase: Phase, microbatches m: Int) -> Phase {
        let b = phase.batch / (plan.data * m)
        switch phase {
        case .prefill(_, let s): return .prefill(batch: b, sequence: s)
        case .decode(_, let c): return .decode(batch: b, context: c)
        case .training(_, let s): return .training(batch: b, sequence: s)
        }
    }

    /// Checks the plan against the model, the phase and the cluster; returns the microbatch count.
    public func validate(model: ModelConfig, phase: Phase) throws(PlanError) -> Int {
        for (name, value) in [
            ("tensor", plan.tensor), ("pipeline", plan.pipeline), ("data", plan.data), ("expert", plan.expert),
        ] where value < 1 {
            throw PlanError("\(name) parallelism must be at least 1, found \(value)")
        }
        guard plan.devices <= cluster.devices else {
            throw PlanError(
                "the plan needs TP \(plan.tensor) x PP \(plan.pipeline) x DP \(plan.data) = \(plan.devices) devices; \(cluster.name) has \(cluster.devices)"
            )
        }
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
        if plan.zero != .none, !phase.isTraining {
            throw PlanError("ZeRO shards training state; \(phase.name) has none (leave out --zero)")
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
            graph = try GraphBuilder(model: shard, precision: precision, options: options).build(
                devicePhase(phase, microbatches: m))
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
        let layers = model.layers + (model.decoderStack?.layers ?? 0)
        // Compute per stage: layers split evenly, embedding with the first, head with the last.
        var stageSeconds = [Double](repeating: 0, count: p)
        var seenLayer = false
        for (op, cost) in zip(graph.operators, device.costs) {
            let stage: Int
            if let layer = op.layer {
                seenLayer = true
                stage = min(p - 1, layer * p / max(1, model.layers))
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
        var seconds = PipelineSchedule.stepTime(stageTimes: stageTimes, microbatches: m)
        let gradientSync = communication.filter { $0.purpose.hasPrefix("DP") }.reduce(0) { $0 + $1.seconds }
        seconds = plan.overlap ? max(seconds, gradientSync) : seconds + gradientSync

        let replicas = Double(plan.tensor * plan.data)
        let computeEnergy = device.energy.total * Double(m) * replicas
        let staticPower = cluster.device.staticPower.value.si
        let idle = stageSeconds.reduce(0) { $0 + max(0, seconds - Double(m) * $1) } * replicas
        let linkEnergy = communication.reduce(0) { $0 + $1.energy }
        let footprint = self.footprint(model: model, shard: shard, graph: graph, microbatches: m)
        return SystemEvaluation(
            cluster: cluster, plan: plan, phase: phase, microbatches: m, device: device, stageSeconds: stageSeconds,
            communication: communication, seconds: seconds,
            bubble: PipelineSchedule.bubble(stages: p, microbatches: m), computeEnergy: computeEnergy,
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
        let dpGroup = GroupPlacement.of(size: plan.data, stride: plan.tensor, devicesPerNode: per)
        let epGroup = GroupPlacement.of(size: plan.expert, stride: plan.tensor, devicesPerNode: per)
        let ppHop = GroupPlacement.of(size: 2, stride: plan.tensor * plan.data, devicesPerNode: per)
        let act = graph.precision.activations.bytes
        let tokens = Double(graph.tokens)
        let hidden = Double(model.hiddenSize)
        let passes = isTraining ? 2.0 : 1.0
        let microbatches = Double(m)
        let groupsPerStage = Double(plan.data)
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
            // The vocabulary-parallel embedding sums its partial lookups.
            out.append(
                Communication(
                    purpose: "TP all-reduce of the embedding",
                    cost: collectives.cost(.allReduce, bytes: bytes, placement: tpGroup),
                    perStep: passes * microbatches,
                    clusterRuns: passes * microbatches * groupsPerStage))
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
                    clusterRuns: runs * Double(plan.tensor) * Double(plan.data / plan.expert)))
        }
        if plan.pipeline > 1 {
            let bytes = tokens * hidden * act / Double(plan.sequence ? plan.tensor : 1)
            let runs = Double(plan.pipeline - 1) * passes * microbatches
            out.append(
                Communication(
                    purpose: "PP activations between stages",
                    cost: collectives.cost(.sendReceive, bytes: bytes, placement: ppHop), perStep: runs,
                    clusterRuns: runs * Double(plan.tensor * plan.data)))
        }
        if plan.data > 1, isTraining {
            // Gradients of one stage's parameters, synchronised once per step (ZeRO-2 and -3
            // reduce-scatter them and all-gather the updated parameters: the same volume; ZeRO-3
            // gathers the parameters once more for the backward pass, 1.5x in all).
            let stageParameters = Double(shard.parameters.total) / Double(plan.pipeline)
            let bytes = stageParameters * graph.precision.weightBits / 8
            let runs = plan.zero == .parameters ? 1.5 : 1.0
            out.append(
                Communication(
                    purpose:
                        "DP gradient all-reduce\(plan.zero == .parameters ? " (ZeRO-3: +50% parameter gathers)" : "")",
                    cost: collectives.cost(.allReduce, bytes: bytes, placement: dpGroup), perStep: runs,
                    clusterRuns: runs * Double(plan.tensor * plan.pipeline)))
        }
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
            // Weights with their group scales and zero-points (`weightBits`); gradients at the
            // weight format's width, without scales.
            let state = MemoryFootprint.trainingState(
                parameters: parameters, weightBytes: precision.weightBits / 8, gradientBytes: precision.weights.bytes,
                zero: plan.zero, data: plan.data)
            footprint.weights = state.weights
            footprint.gradients = state.gradients
            footprint.optimizer = state.optimizer
            // 1F1B keeps at most p microbatches' activations in flight on the first stage.
            let inFlight = Double(min(m, p))
            footprint.activations =
                MemoryFootprint.savedActivationsPerLayer(
                    sequence: sequence, batch: batch, hidden: model.hiddenSize, heads: model.heads,
                    tensor: plan.tensor, sequenceParallel: plan.sequence, fusedAttention: graph.options.fusedAttention,
                    activationBytes: precision.activations.bytes) * Double((model.layers + p - 1) / p) * inFlight
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
