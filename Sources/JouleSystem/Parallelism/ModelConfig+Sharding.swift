import JouleSpec

extension ModelConfig {
    /// Parameters of the routed experts over every MoE layer (not the shared experts, the
    /// router or dense layers): the part expert parallelism splits. Counted as the FFN
    /// parameters less those of the same model with no routed experts.
    public var routedExpertParameters: Int {
        guard var moe else { return 0 }
        var withoutExperts = self
        moe.experts = 0
        withoutExperts.moe = moe
        return parameters.ffn - withoutExperts.parameters.ffn
    }
}

extension ModelConfig {
    /// The part of the model one device of a tensor- and expert-parallel group holds, as a
    /// model of its own (Shoeybi et al. 2019, Megatron-LM, section 3): q, k, v and the FFN's
    /// up/gate matrices split by columns (heads, FFN columns), the output and down matrices
    /// by rows, so each device has `heads / tp` heads and `ffn / tp` FFN columns. Key/value
    /// heads split the same way while there are at least `tp` of them; with fewer (GQA with
    /// 8 KV heads at TP 16) each device keeps one, replicated. The vocabulary (embedding and
    /// LM head) is split by rows, padded up to a multiple of `tp` as Megatron pads it. Norms and
    /// a latent-attention down-projection are replicated. Experts split over `ep`; the router,
    /// which scores every expert, is replicated.
    ///
    /// - Throws: `PlanError` naming the numbers when `tp` does not divide the heads, the KV
    ///   heads (or they it), the FFN or expert widths, or `ep` the experts.
    public func sharded(tensor tp: Int, expert ep: Int = 1) throws(PlanError) -> ModelConfig {
        guard tp >= 1, ep >= 1 else { throw PlanError("parallel degrees must be at least 1") }
        var shard = self
        if tp > 1 {
            guard heads % tp == 0 else {
                throw PlanError("tensor parallelism \(tp) does not divide \(name)'s \(heads) attention heads")
            }
            guard kvHeads % tp == 0 || tp % kvHeads == 0 else {
                throw PlanError(
                    "tensor parallelism \(tp) and \(name)'s \(kvHeads) key/value heads do not divide one another")
            }
            guard ffn.size % tp == 0 else {
                throw PlanError("tensor parallelism \(tp) does not divide \(name)'s FFN size \(ffn.size)")
            }
            shard.heads = heads / tp
            shard.kvHeads = max(1, kvHeads / tp)
            shard.ffn.size = ffn.size / tp
            shard.vocabSize = (vocabSize + tp - 1) / tp
            if var moe = moe {
                for (label, size) in [("expert", moe.expertSize), ("shared expert", moe.sharedExpertSize)] {
                    if let size, size % tp != 0 {
                        throw PlanError("tensor parallelism \(tp) does not divide \(name)'s \(label) size \(size)")
                    }
                }
                moe.expertSize = moe.expertSize.map { $0 / tp }
                moe.sharedExpertSize = moe.sharedExpertSize.map { $0 / tp }
                shard.moe = moe
            }
        }
        if ep > 1 {
            guard var moe = shard.moe else {
                throw PlanError("expert parallelism \(ep) needs a mixture-of-experts model; \(name) has no experts")
            }
            guard moe.experts % ep == 0 else {
                throw PlanError("expert parallelism \(ep) does not divide \(name)'s \(moe.experts) experts")
            }
            guard moe.experts / ep >= moe.topK else {
                throw PlanError(
                    "expert parallelism \(ep) leaves \(moe.experts / ep) experts per device, fewer than the \(moe.topK) each token is routed to"
                )
            }
            moe.routerExperts = moe.routerWidth  // every device routes over all the experts
            moe.experts /= ep
            moe.load.shares = nil  // shares name every expert of the whole model
            shard.moe = moe
        }
        return shard
    }
}
