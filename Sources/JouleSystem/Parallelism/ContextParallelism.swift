import JouleEval
import JouleSpec

/// Context parallelism: each sequence split over `plan.context` devices.
///
/// Prefill and training run ring attention (Liu, Zaharia and Abbeel, "Ring Attention with
/// Blockwise Transformers", 2023; Megatron-LM's context parallelism): every device holds 1/N of
/// the tokens, runs every token-parallel operator on them, and attends its queries to all N
/// key/value chunks as they pass around a ring of the N devices, N − 1 send/recv steps of one
/// chunk per layer in the forward pass; the backward pass sends the key/value chunk and its
/// gradient (dK, dV) around the ring, twice the bytes. Megatron-LM splits each sequence into 2N
/// chunks and gives device i chunks i and 2N − 1 − i, which balances the causal mask's work
/// exactly (the graph builder counts 1/N of the causal scores per device).
///
/// Decode splits the KV cache: each device holds 1/N of every sequence's context, runs the new
/// token's projections and FFN (replicated over the group), attends its shard, and the group
/// combines the per-head partial outputs with their log-sum-exp (the Flash-Decoding split-KV
/// combine, Dao et al. 2023, across devices as in Shyam et al., "Tree Attention", 2024): an
/// all-gather per layer of headDim + 1 activations per head and token from each device, and a
/// small vector operator per layer combines them.
extension SystemEvaluator {
    /// Checks the context-parallel degree against the model and phase.
    func validateContext(model: ModelConfig, phase: Phase) throws(PlanError) {
        let n = plan.context
        guard n > 1 else { return }
        guard model.decoderStack == nil else {
            throw PlanError("context parallelism of an encoder-decoder model is not modelled; use --cp 1")
        }
        guard model.vision == nil else {
            throw PlanError(
                "context parallelism splits a token sequence; \(model.name) sees a fixed number of image patches (use --cp 1)"
            )
        }
        switch phase {
        case .prefill(_, let sequence), .training(_, let sequence):
            guard sequence % (2 * n) == 0 else {
                throw PlanError(
                    "context parallelism \(n) splits each sequence into 2 x \(n) = \(2 * n) load-balanced chunks, which do not divide the sequence \(sequence)"
                )
            }
        case .decode(_, let context):
            guard context % n == 0 else {
                throw PlanError("context parallelism \(n) does not divide the context \(context)")
            }
            if let layer = (0..<model.layers).first(where: { model.window(layer: $0) != nil }) {
                throw PlanError(
                    "context parallelism in decode splits the whole context; \(model.name)'s layer \(layer) attends over a sliding window (not modelled; use --cp 1)"
                )
            }
        }
    }

    /// The collectives context parallelism adds to a step: the ring's key/value sends (prefill,
    /// training) or the combine of partial attention outputs (decode).
    func contextCommunications(shard: ModelConfig, graph: Graph, microbatches m: Int) -> [Communication] {
        let n = plan.context
        guard n > 1 else { return [] }
        let per = cluster.devicesPerNode
        let collectives = CollectiveModel(cluster: cluster, algorithm: plan.algorithm)
        let group = GroupPlacement.of(size: n, stride: plan.tensor, devicesPerNode: per)
        let act = graph.precision.activations.bytes
        let layers = Double(shard.layers)
        let microbatches = Double(m)
        // Groups of one pipeline stage: one per tensor rank and data-parallel replica.
        let groups = Double(plan.tensor * plan.data)
        if case .decode = graph.phase {
            let perHead = shard.latentAttention?.valueHeadDim ?? shard.headDim
            let partial = Double(graph.tokens) * Double(shard.heads) * Double(perHead + 1) * act
            let runs = layers * microbatches
            return [
                Communication(
                    purpose: "CP all-gather of partial attention outputs",
                    cost: collectives.cost(.allGather, bytes: partial * Double(n), placement: group), perStep: runs,
                    clusterRuns: runs * groups)
            ]
        }
        // The slowest hop of the ring paces every step: between nodes once the group spans them.
        let hop = group.nodes > 1 ? GroupPlacement(perNode: 1, nodes: 2) : GroupPlacement(perNode: 2, nodes: 1)
        let chunk = Double(graph.tokens) * Double(Self.ringElementsPerToken(shard)) * act
        let steps = Double(n - 1) * layers * microbatches
        let forward = steps * forwardRuns(isTraining: graph.phase.isTraining)
        // Every device of a ring sends at each step.
        var out = [
            Communication(
                purpose: "CP ring send/recv of K/V chunks (forward)",
                cost: collectives.cost(.sendReceive, bytes: chunk, placement: hop), perStep: forward,
                clusterRuns: forward * Double(n) * groups)
        ]
        if graph.phase.isTraining {
            out.append(
                Communication(
                    purpose: "CP ring send/recv of K/V and dK/dV (backward)",
                    cost: collectives.cost(.sendReceive, bytes: 2 * chunk, placement: hop), perStep: steps,
                    clusterRuns: steps * Double(n) * groups))
        }
        return out
    }

    /// The decode graph with each layer's combine of the partial attention outputs, placed
    /// before its output projection (the combine is linear in the outputs, so it may follow a
    /// latent attention's value up-projection): per token and head, the log-sum-exp of the N
    /// partials (a softmax over N values, `GraphBuilder.VectorCost.softmax` operations each)
    /// and their rescaled sum (a multiply and an add per gathered element). It reads the
    /// gathered partials and writes one output; named `L<i>.cp_combine`, role softmax (it is
    /// the softmax's normalisation across the shards). Unchanged outside context-parallel decode.
    func withPartialOutputCombine(_ graph: Graph, shard: ModelConfig) -> Graph {
        guard plan.context > 1, case .decode = graph.phase else { return graph }
        let n = Double(plan.context)
        let perHead = Double(shard.latentAttention?.valueHeadDim ?? shard.headDim)
        let rows = Double(graph.tokens) * Double(shard.heads)
        let act = graph.precision.activations.bytes
        let elements = n * rows * perHead
        let combine = VectorOp(
            elements: elements, opsPerElement: (2 * elements + n * rows * GraphBuilder.VectorCost.softmax) / elements,
            bytesRead: n * rows * (perHead + 1) * act, bytesWritten: rows * perHead * act)
        var out = graph
        out.operators = []
        for op in graph.operators {
            if op.role == .oProj, op.pass == .forward, let layer = op.layer {
                out.operators.append(
                    Operator(
                        name: "L\(layer).cp_combine", layer: layer, role: .softmax, pass: .forward,
                        kind: .vector(combine)))
            }
            out.operators.append(op)
        }
        return out
    }

    /// Key and value elements per token that one device passes around the ring: its key/value
    /// heads' keys and values, or under latent attention the per-head keys and values the
    /// latent is up-projected to in prefill and training.
    static func ringElementsPerToken(_ shard: ModelConfig) -> Int {
        if let mla = shard.latentAttention { return shard.heads * (mla.queryHeadDim + mla.valueHeadDim) }
        return 2 * shard.kvWidth
    }
}
