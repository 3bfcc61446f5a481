import YAML

/// A transformer's architecture: everything needed to count its parameters exactly and to
/// build its operator graph for a phase.
public struct ModelConfig: Sendable, Equatable {
    /// Decoder (causal LM), encoder (BERT) or vision encoder (ViT).
    public enum Family: String, Keyword {
        public static let keywordNoun = "model family"
        case decoder, encoder
        case visionEncoder = "vision_encoder"
    }

    /// The feed-forward block's form.
    public enum FFNKind: String, Keyword {
        public static let keywordNoun = "FFN kind"
        /// Two matrices, up and down, with an activation between (GPT-2, BERT, OPT, Phi).
        case geluMLP = "gelu_mlp"
        /// Gated: gate and up, SiLU(gate) * up, then down (Llama, Mistral, Qwen).
        case swiglu
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

    /// Mixture of experts in every layer's FFN.
    public struct MoE: Sendable, Equatable {
        /// Routed experts.
        public var experts: Int
        /// Experts each token is routed to.
        public var topK: Int
        /// Experts every token always uses.
        public var sharedExperts: Int
        /// Whether the router has a bias.
        public var routerBias: Bool
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

    /// Query width, heads x head_dim.
    public var queryWidth: Int { heads * headDim }
    /// Key (and value) width, kv_heads x head_dim.
    public var kvWidth: Int { kvHeads * headDim }
}
