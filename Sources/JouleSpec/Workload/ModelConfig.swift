import YAML

/// A transformer's architecture: everything needed to count its parameters exactly and to
/// build its operator graph for a phase.
public struct ModelConfig: Sendable, Equatable {
    /// Decoder (causal LM), encoder (BERT) or vision encoder (ViT).
    public enum Family: String, Keyword {
        public static let keywordNoun = "model family"
        case decoder, encoder
        case visionEncoder = "vision_encoder"
        /// An encoder stack and a decoder stack with cross-attention (T5).
        case encoderDecoder = "encoder_decoder"
    }

    /// The feed-forward block's form.
    public enum FFNKind: String, Keyword {
        public static let keywordNoun = "FFN kind"
        /// Two matrices, up and down, with an activation between (GPT-2, BERT, OPT, Phi).
        case geluMLP = "gelu_mlp"
        /// Gated: gate and up, SiLU(gate) * up, then down (Llama, Mistral, Qwen).
        case swiglu
        /// Gated like SwiGLU with GELU in place of SiLU: GELU(gate) * up, then down (Gemma, T5 v1.1).
        case geglu
    }

    /// The normalisation layer.
    public enum NormKind: String, Keyword {
        public static let keywordNoun = "norm kind"
        case layernorm, rmsnorm
    }

    /// How positions enter the model.
    public enum PositionEmbedding: String, Keyword {
        public static let keywordNoun = "position embedding"
        case learned, rotary, none
        /// T5's relative position bias: a learned (buckets x heads) table in the first layer of each stack.
        case relative
    }

    /// The feed-forward block.
    public struct FFN: Sendable, Equatable {
        /// Intermediate size.
        public var size: Int
        /// Gated or not.
        public var kind: FFNKind
        /// Biases on the FFN matrices.
        public var bias: Bool
        /// The activation's name (informational: `gelu`, `silu`, `relu`).
        public var activation: String?
    }

    /// The normalisation layers.
    public struct Norm: Sendable, Equatable {
        public var kind: NormKind
        /// Whether a LayerNorm has a bias (beta).
        public var bias: Bool
    }

    /// Mixture of experts in every layer's FFN (after the first `denseLayers`).
    public struct MoE: Sendable, Equatable {
        /// Routed experts.
        public var experts: Int
        /// Experts each token is routed to.
        public var topK: Int
        /// Experts every token always uses.
        public var sharedExperts: Int
        /// Whether the router has a bias (DeepSeek-V3's score-correction bias counts as one).
        public var routerBias: Bool
        /// A routed expert's intermediate size; nil means `ffn.size`.
        public var expertSize: Int? = nil
        /// A shared expert's intermediate size; nil means the routed expert's.
        public var sharedExpertSize: Int? = nil
        /// A sigmoid gate (hidden x 1, no bias) scaling the shared experts' output (Qwen2-MoE).
        public var sharedExpertGate: Bool = false
        /// Leading layers with a dense FFN of `ffn.size` instead of experts (DeepSeek's first_k_dense_replace).
        public var denseLayers: Int = 0
        /// How routed token-expert pairs spread over the experts.
        public var load: ExpertLoad = .uniform
        /// Experts the router scores when a device holds only some of them (under expert
        /// parallelism every device routes its tokens over all of them); nil means `experts`.
        public var routerExperts: Int? = nil
        /// Experts the router scores: `routerExperts`, else `experts`.
        public var routerWidth: Int { routerExperts ?? experts }
    }

    /// Multi-head latent attention (DeepSeek-V2, DeepSeek-AI 2024, section 2.1): keys and values
    /// come from one compressed latent of `kvRank` (d_c) features per token, which with the
    /// decoupled RoPE key of `ropeHeadDim` (d_h^R, shared by every head) is all the KV cache holds.
    public struct LatentAttention: Sendable, Equatable {
        /// d_c: the compressed KV latent (config.json kv_lora_rank).
        public var kvRank: Int
        /// d_c': the compressed query latent (q_lora_rank); nil projects queries directly.
        public var queryRank: Int?
        /// d_h^R: the decoupled rotary part of each query head and of the one shared key (qk_rope_head_dim).
        public var ropeHeadDim: Int
        /// d_h: each head's non-rotary query/key part (qk_nope_head_dim).
        public var nopeHeadDim: Int
        /// Each head's value width (v_head_dim).
        public var valueHeadDim: Int
        /// A query or key head's width: d_h + d_h^R.
        public var queryHeadDim: Int { nopeHeadDim + ropeHeadDim }
        /// Elements one token caches per layer: d_c + d_h^R.
        public var cachedWidth: Int { kvRank + ropeHeadDim }
    }

    /// The second stack of an encoder-decoder: every decoder layer has self-attention,
    /// cross-attention over the encoder's output, and an FFN, each after its own norm.
    public struct DecoderStack: Sendable, Equatable {
        /// Decoder layers (the encoder has `layers`).
        public var layers: Int
    }

    /// Patch embedding of a vision encoder.
    public struct Vision: Sendable, Equatable {
        public var imageSize: Int
        public var patchSize: Int
        public var channels: Int
        /// A learned class token prepended to the patches.
        public var classToken: Bool
        /// A bias on the patch projection.
        public var patchBias: Bool
        /// Patches per image.
        public var patches: Int { (imageSize / patchSize) * (imageSize / patchSize) }
        /// Tokens per image (patches plus the class token).
        public var tokens: Int { patches + (classToken ? 1 : 0) }
    }

    /// A classification head.
    public struct Classifier: Sendable, Equatable {
        public var classes: Int
        public var bias: Bool
    }

    public var name: String
    public var source: String?
    public var family: Family
    public var hiddenSize: Int
    public var layers: Int
    public var heads: Int
    /// Key/value heads: equal to `heads` for MHA, fewer for GQA, 1 for MQA.
    public var kvHeads: Int
    public var headDim: Int
    public var ffn: FFN
    public var norm: Norm
    /// Attention and FFN read one shared norm (Phi): one norm per layer instead of two.
    public var parallelAttention: Bool
    /// Biases on the q, k, v and o projections.
    public var attentionBias: Bool
    /// Biases on q, k, v only (Qwen2).
    public var qkvBiasOnly: Bool
    public var vocabSize: Int
    public var tiedEmbeddings: Bool
    /// Whether the counted model ends in a language-model head.
    public var lmHead: Bool
    public var lmHeadBias: Bool
    public var positionEmbedding: PositionEmbedding
    public var maxPositions: Int
    /// Extra rows in a learned position table (OPT: 2).
    public var positionOffset: Int
    /// Sliding-window attention span (Mistral), if any.
    public var slidingWindow: Int?
    /// Fraction of each head's dimensions that are rotated (Phi: 0.4).
    public var partialRotaryFactor: Double
    public var moe: MoE?
    /// Token type embeddings (BERT: 2).
    public var tokenTypes: Int
    /// BERT's pooler (hidden x hidden + bias).
    public var pooler: Bool
    public var vision: Vision?
    public var classifier: Classifier?
    /// A norm after the last layer.
    public var finalNorm: Bool
    /// A norm right after the embeddings (BERT).
    public var embeddingNorm: Bool
    /// Norms after attention and after the FFN as well as before (Gemma 2): four per layer.
    public var postNorms: Bool = false
    /// With `slidingWindow`, every n-th layer (layers n-1, 2n-1, ...) attends globally and the
    /// rest use the window (Gemma 2: 2, alternating, layer 0 sliding); nil applies the window to all.
    public var slidingWindowPattern: Int? = nil
    /// tanh soft-capping of attention scores, cap x tanh(s / cap) (Gemma 2: 50).
    public var attentionSoftcap: Double? = nil
    /// tanh soft-capping of the final logits (Gemma 2: 30).
    public var finalLogitSoftcap: Double? = nil
    /// Multi-head latent attention in place of q, k, v projections (DeepSeek-V2/V3).
    public var latentAttention: LatentAttention? = nil
    /// The decoder stack of an `encoder_decoder` model.
    public var decoderStack: DecoderStack? = nil
    /// Buckets of T5's relative position bias (a buckets x heads table per stack).
    public var relativeAttentionBuckets: Int = 0

    /// Query width, heads x head_dim.
    public var queryWidth: Int { heads * headDim }
    /// Key (and value) width, kv_heads x head_dim.
    public var kvWidth: Int { kvHeads * headDim }

    /// The attention span of `layer`: the sliding window, or nil where it attends globally.
    public func window(layer: Int) -> Int? {
        guard let slidingWindow else { return nil }
        guard let pattern = slidingWindowPattern, pattern > 0 else { return slidingWindow }
        return (layer + 1) % pattern == 0 ? nil : slidingWindow
    }

    /// Whether `layer`'s FFN is a mixture of experts (false for the leading dense layers).
    public func isMoE(layer: Int) -> Bool {
        guard let moe else { return false }
        return layer >= moe.denseLayers
    }

    /// KV-cache elements one token adds to one layer: 2 x kv_heads x head_dim for MHA/GQA,
    /// the latent plus the shared RoPE key, d_c + d_h^R, for multi-head latent attention.
    public var kvElementsPerLayer: Int { latentAttention?.cachedWidth ?? 2 * kvWidth }

    /// Layers that keep a self-attention KV cache (the decoder stack of an encoder-decoder).
    public var cachedLayers: Int { decoderStack?.layers ?? layers }
}
