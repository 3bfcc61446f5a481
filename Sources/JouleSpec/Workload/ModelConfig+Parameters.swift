/// A model's parameters by component, counted from the architecture alone.
public struct ParameterCount: Sendable, Equatable {
    /// Token, position and token-type embeddings, the embedding norm, and a vision encoder's
    /// patch projection and class token.
    public var embedding: Int
    /// q, k, v, o projections (with biases) over all layers.
    public var attention: Int
    /// Feed-forward matrices (every expert) over all layers.
    public var ffn: Int
    /// MoE routers over all layers.
    public var router: Int
    /// Per-layer norms and the final norm.
    public var norms: Int
    /// LM head (when untied), pooler and classifier.
    public var head: Int
    /// Feed-forward parameters one token uses (top-k and shared experts only).
    public var activeFFN: Int

    /// Every parameter.
    public var total: Int { embedding + attention + ffn + router + norms + head }
    /// Parameters one token touches: all but the experts it is not routed to.
    public var active: Int { total - ffn + activeFFN }
    /// Parameters read as weight matrices per token, excluding embedding tables that are
    /// looked up (gathered) rather than multiplied.
    public var nonEmbedding: Int { total - embedding }
}

extension ModelConfig {
    /// Parameters of one norm over `width` features.
    func normParameters(_ width: Int) -> Int {
        norm.kind == .layernorm && norm.bias ? 2 * width : width
    }

    /// Parameters of one FFN (one expert) of intermediate size `size`.
    func ffnParameters(size f: Int) -> Int {
        let h = hiddenSize
        switch ffn.kind {
        case .geluMLP: return 2 * h * f + (ffn.bias ? f + h : 0)
        case .swiglu, .geglu: return 3 * h * f + (ffn.bias ? 2 * f + h : 0)
        }
    }

    /// Parameters of one dense FFN (one expert of `ffn.size`).
    var ffnParametersPerExpert: Int { ffnParameters(size: ffn.size) }

    /// Attention parameters of one layer.
    ///
    /// Multi-head latent attention (DeepSeek-V2 modeling code): q_proj h x heads(d_h + d_h^R), or
    /// q_a_proj h x d_c' + q_a_layernorm d_c' + q_b_proj d_c' x heads(d_h + d_h^R);
    /// kv_a_proj_with_mqa h x (d_c + d_h^R); kv_a_layernorm d_c; kv_b_proj d_c x heads(d_h + d_v);
    /// o_proj heads d_v x h. The two low-rank norms are counted here, with the attention they sit in.
    var attentionParametersPerLayer: Int {
        let h = hiddenSize
        if let mla = latentAttention {
            let q =
                mla.queryRank.map { h * $0 + normParameters($0) + $0 * heads * mla.queryHeadDim }
                ?? h * heads * mla.queryHeadDim
            let kv =
                h * mla.cachedWidth + normParameters(mla.kvRank) + mla.kvRank * heads
                * (mla.nopeHeadDim + mla.valueHeadDim)
            return q + kv + heads * mla.valueHeadDim * h
        }
        let weights = h * queryWidth + 2 * h * kvWidth + queryWidth * h
        let qkvBias = attentionBias || qkvBiasOnly ? queryWidth + 2 * kvWidth : 0
        let oBias = attentionBias && !qkvBiasOnly ? h : 0
        return weights + qkvBias + oBias
    }

    /// Rows of the learned position table.
    var positionRows: Int { positionEmbedding == .learned ? maxPositions + positionOffset : 0 }

    /// Norms of one layer: one (parallel attention), two, or four with post-norms (Gemma 2).
    var normsPerLayer: Int { (parallelAttention ? 1 : 2) + (postNorms ? 2 : 0) }

    /// A routed expert's intermediate size.
    var expertSize: Int { moe?.expertSize ?? ffn.size }

    /// The exact parameter count by component.
    public var parameters: ParameterCount {
        let h = hiddenSize
        var embedding = vocabSize * h + positionRows * h + tokenTypes * h
        if embeddingNorm { embedding += normParameters(h) }
        if let vision {
            embedding += vision.channels * vision.patchSize * vision.patchSize * h + (vision.patchBias ? h : 0)
            embedding += vision.classToken ? h : 0
        }
        // Relative position bias: one buckets x heads table in the first layer of each stack (T5).
        let stacks = decoderStack == nil ? 1 : 2
        embedding += positionEmbedding == .relative ? stacks * relativeAttentionBuckets * heads : 0
        var ffnTotal = layers * ffnParametersPerExpert
        var activeFFN = ffnTotal
        var router = 0
        if let moe {
            let moeLayers = layers - moe.denseLayers
            let expert = ffnParameters(size: expertSize)
            let shared = moe.sharedExperts * ffnParameters(size: moe.sharedExpertSize ?? expertSize)
            let dense = moe.denseLayers * ffnParametersPerExpert
            ffnTotal = dense + moeLayers * (moe.experts * expert + shared)
            activeFFN = dense + moeLayers * (moe.topK * expert + shared)
            let gate = moe.sharedExpertGate ? h : 0
            router = moeLayers * (h * moe.routerWidth + (moe.routerBias ? moe.routerWidth : 0) + gate)
        }
        var attention = layers * attentionParametersPerLayer
        var norms = layers * normsPerLayer * normParameters(h) + (finalNorm ? normParameters(h) : 0)
        if let decoder = decoderStack {
            // Decoder layers: self-attention, cross-attention (same shapes) and an FFN, three norms; a final norm.
            attention += decoder.layers * 2 * attentionParametersPerLayer
            ffnTotal += decoder.layers * ffnParametersPerExpert
            activeFFN += decoder.layers * ffnParametersPerExpert
            norms += decoder.layers * 3 * normParameters(h) + (finalNorm ? normParameters(h) : 0)
        }
        var head = 0
        if lmHead {
            head += tiedEmbeddings ? 0 : vocabSize * h
            head += lmHeadBias ? vocabSize : 0
        }
        if pooler { head += h * h + h }
        if let classifier { head += h * classifier.classes + (classifier.bias ? classifier.classes : 0) }
        return ParameterCount(
            embedding: embedding, attention: attention, ffn: ffnTotal, router: router, norms: norms, head: head,
            activeFFN: activeFFN)
    }
}
