import JouleEval
import JouleSpec

/// The gradient synchronisation of a training step.
///
/// Dense (non-expert) parameters are the same on every data- and context-parallel rank of a
/// tensor rank and stage, so their gradients are all-reduced over those dp x cp ranks. Under
/// expert parallelism a device holds 1/ep of the routed experts, and the same experts sit on
/// the dp/ep ranks that are ep apart in the data-parallel order (and on every context-parallel
/// rank): the experts' gradients are all-reduced over those (dp/ep) x cp ranks only, with only
/// the device's expert shard's bytes (Megatron-LM's expert-data-parallel group; DeepSpeed-MoE,
/// Rajbhandari et al. 2022, section 5). ZeRO shards each kind's state over its own group.
extension SystemEvaluator {
    /// The ranks, from rank 0, that hold the same routed experts: context-parallel ranks at
    /// stride tp, data-parallel ranks at stride tp x cp x ep.
    var expertGradientRanks: [Int] {
        let t = plan.tensor
        let c = plan.context
        let replicas = max(1, plan.data / plan.expert)
        return (0..<replicas).flatMap { d in (0..<c).map { d * t * c * plan.expert + $0 * t } }
    }

    /// The gradient all-reduces of one step: dense parameters over dp x cp ranks, and under
    /// expert parallelism the expert shard over the ranks holding the same experts. Each moves
    /// one stage's gradients once per step (ZeRO-2 and -3 reduce-scatter them and all-gather the
    /// updated parameters, the same volume; ZeRO-3 gathers the parameters once more for the
    /// backward pass, 1.5 times in all).
    func gradientCommunications(shard: ModelConfig, graph: Graph) -> [Communication] {
        let collectives = CollectiveModel(cluster: cluster, algorithm: plan.algorithm)
        let per = cluster.devicesPerNode
        let bytesPerParameter = graph.precision.weightBits / 8
        let stages = Double(plan.pipeline)
        let runs = plan.zero == .parameters ? 1.5 : 1.0
        let zeroNote = plan.zero == .parameters ? " (ZeRO-3: +50% parameter gathers)" : ""
        let experts = plan.expert > 1 ? Double(shard.routedExpertParameters) : 0
        var out: [Communication] = []
        let denseRanks = plan.data * plan.context
        if denseRanks > 1 {
            let dense = (Double(shard.parameters.total) - experts) / stages * bytesPerParameter
            out.append(
                Communication(
                    purpose: "DP gradient all-reduce\(plan.expert > 1 ? " of dense parameters" : "")\(zeroNote)",
                    cost: collectives.cost(
                        .allReduce, bytes: dense,
                        placement: GroupPlacement.of(size: denseRanks, stride: plan.tensor, devicesPerNode: per)),
                    perStep: runs, clusterRuns: runs * Double(plan.tensor * plan.pipeline)))
        }
        let expertRanks = expertGradientRanks
        if experts > 0, expertRanks.count > 1 {
            out.append(
                Communication(
                    purpose: "DP gradient all-reduce of the expert shard over \(expertRanks.count) ranks\(zeroNote)",
                    cost: collectives.cost(
                        .allReduce, bytes: experts / stages * bytesPerParameter,
                        placement: GroupPlacement.of(ranks: expertRanks, devicesPerNode: per)),
                    perStep: runs, clusterRuns: runs * Double(plan.tensor * plan.expert * plan.pipeline)))
        }
        return out
    }
}
