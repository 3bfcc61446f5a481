import JouleEval
import JouleSpec

/// One kind of communication in a step: a collective, how often it runs, and its cost.
public struct Communication: Sendable, Hashable {
    /// What it is for ("TP all-reduce after attention and FFN", "PP activations").
    public var purpose: String
    /// The cost of one run over one group.
    public var cost: CollectiveCost
    /// Runs per step on one replica's critical path (per microbatch and stage summed).
    public var perStep: Double
    /// Runs per step over the whole cluster (every group), for energy.
    public var clusterRuns: Double
    /// Seconds per step on the critical path.
    public var seconds: Double { cost.seconds * perStep }
    /// Joules per step over the cluster.
    public var energy: Double { cost.energy * clusterRuns }
}

/// A model evaluated on a cluster under a parallel plan.
public struct SystemEvaluation: Sendable {
    /// The cluster.
    public var cluster: Cluster
    /// The plan.
    public var plan: ParallelPlan
    /// The phase over the whole cluster (global batch).
    public var phase: Phase
    /// Microbatches per step.
    public var microbatches: Int
    /// One device's shard of the whole layer stack at one microbatch, evaluated.
    public var device: GraphEvaluation
    /// Compute seconds of one microbatch in each pipeline stage.
    public var stageSeconds: [Double]
    /// The communication of a step.
    public var communication: [Communication]
    /// Seconds of one step (compute, communication and pipeline bubble).
    public var seconds: Double
    /// The bubble of the pipeline schedule, (p − 1)/(v·m + p − 1) with v chunks per device
    /// (v = 1 without interleaving).
    public var bubble: Double
    /// Energy of every device's computation (dynamic and static while busy).
    public var computeEnergy: Double
    /// Static energy of devices while they wait (bubble, communication).
    public var idleEnergy: Double
    /// Energy of moving bytes over the links.
    public var linkEnergy: Double
    /// Static energy of switches and NICs.
    public var interconnectStaticEnergy: Double
    /// What the most loaded device holds.
    public var footprint: MemoryFootprint

    /// Energy of the whole step over the cluster.
    public var energy: Double { computeEnergy + idleEnergy + linkEnergy + interconnectStaticEnergy }
    /// Tokens produced (decode) or processed (prefill, training) by the step over the cluster
    /// (context-parallel ranks share a decode step's tokens and split the others').
    public var tokens: Int {
        let split: Int
        if case .decode = phase { split = 1 } else { split = plan.context }
        return device.graph.tokens * microbatches * plan.data * split
    }
    /// Joules per token.
    public var energyPerToken: Double { energy / Double(max(1, tokens)) }
    /// Average power of the devices and interconnect used.
    public var averagePower: Double { seconds > 0 ? energy / seconds : 0 }
    /// Seconds of communication per step, summed over every kind (all on the critical path
    /// unless the plan overlaps communication with computation).
    public var communicationSeconds: Double { communication.reduce(0) { $0 + $1.seconds } }
    /// What bounds the step: the device's bound, or communication when it takes longer than compute.
    public var bound: String {
        let compute = stageSeconds.max() ?? 0
        let comm = communication.reduce(0) { $0 + $1.seconds } / Double(max(1, microbatches))
        return comm > compute ? "communication" : device.bound.description
    }
}
