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

    /// Parameters of one dense FFN (one expert).
    var ffnParametersPerExpert: Int {
        let h = hiddenSize
        let f = ffn.size
        switch ffn.kind {
        case .geluMLP: return 2 * h * f + (ffn.bias ? f + h : 0)
        case .swiglu: return 3 * h * f + (ffn.bias ? 2 * f + h : 0)
        }
    }

    /// Attention parameters of one layer.
    var attentionParametersPerLayer: Int {
        let h = hiddenSize
        let weights = h * queryWidth + 2 * h * kvWidth + queryWidth * h
        let qkvBias = attentionBias || qkvBiasOnly ? queryWidth + 2 * kvWidth : 0
        let oBias = attentionBias && !qkvBiasOnly ? h : 0
        return weights + qkvBias + oBias
    }

    /// Rows of the learned position table.
    var positionRows: Int { positionEmbedding == .learned ? maxPositions + positionOffset : 0 }

    /// The exact parameter count by component.
    public var parameters: ParameterCount {
        let h = hiddenSize
        var embedding = vocabSize * h + positionRows * h + tokenTypes * h
        if embeddingNorm { embedding += normParameters(h) }
        if let vision {
            embedding += vision.channels * vision.patchSize * vision.patchSize * h + (vision.patchBias ? h : 0)
            embedding += vision.classToken ? h : 0
        }
        let experts = moe.map { $0.experts + $0.sharedExperts } ?? 1
        let activeExperts = moe.map { $0.topK + $0.sharedExperts } ?? 1
        let router = moe.map { layers * (h * $0.experts + ($0.routerBias ? $0.experts : 0)) } ?? 0
        let norms = layers * (parallelAttention ? 1 : 2) * normParameters(h) + (finalNorm ? normParameters(h) : 0)
        var head = 0
        if lmHead {
            head += tiedEmbeddings ? 0 : vocabSize * h
            head += lmHeadBias ? vocabSize : 0
        }
        if pooler { head += h * h + h }
        if let classifier { head += h * classifier.classes + (classifier.bias ? classifier.classes : 0) }
        return ParameterCount(
            embedding: embedding, attention: layers * attentionParametersPerLayer,
            ffn: layers * experts * ffnParametersPerExpert, router: router, norms: norms, head: head,
            activeFFN: layers * activeExperts * ffnParametersPerExpert)
    }
}
