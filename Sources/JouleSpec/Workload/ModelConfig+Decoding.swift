import YAML

extension ModelConfig: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, source, family, layers, heads, ffn, norm, moe, vision, classifier, pooler
        case hiddenSize = "hidden_size"
        case kvHeads = "kv_heads"
        case headDim = "head_dim"
        case parallelAttention = "parallel_attention"
        case attentionBias = "attention_bias"
        case qkvBiasOnly = "qkv_bias_only"
        case vocabSize = "vocab_size"
        case tiedEmbeddings = "tied_embeddings"
        case lmHead = "lm_head"
        case lmHeadBias = "lm_head_bias"
        case positionEmbedding = "position_embedding"
        case maxPositions = "max_positions"
        case positionOffset = "position_offset"
        case slidingWindow = "sliding_window"
        case partialRotaryFactor = "partial_rotary_factor"
        case tokenTypes = "token_types"
        case finalNorm = "final_norm"
        case embeddingNorm = "embedding_norm"
        case projectInOut = "project_in_out"
        case postNorms = "post_norms"
        case slidingWindowPattern = "sliding_window_pattern"
        case attentionSoftcap = "attention_softcap"
        case finalLogitSoftcap = "final_logit_softcap"
        case mla
        case decoderLayers = "decoder_layers"
        case relativeAttentionBuckets = "relative_attention_buckets"
    }

    /// Decodes and validates a model file, reporting every error with its position.
    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let name = r.required(.name, String.self, example: "name: llama-2-7b")
        source = r.optional(.source, String.self)
        let family = r.optional(.family, Family.self) ?? .decoder
        let hidden = r.required(.hiddenSize, Int.self, example: "hidden_size: 4096")
        let layers = r.required(.layers, Int.self, example: "layers: 32")
        let heads = r.required(.heads, Int.self, example: "heads: 32")
        let kvHeads = r.optional(.kvHeads, Int.self)
        let headDim = r.optional(.headDim, Int.self)
        let ffn = r.required(.ffn, FFN.self, example: "ffn: { size: 11008, kind: swiglu }")
        let norm = r.optional(.norm, Norm.self) ?? Norm(kind: .layernorm, bias: true)
        parallelAttention = r.optional(.parallelAttention, Bool.self) ?? false
        attentionBias = r.optional(.attentionBias, Bool.self) ?? false
        qkvBiasOnly = r.optional(.qkvBiasOnly, Bool.self) ?? false
        let vocab = r.optional(.vocabSize, Int.self)
        tiedEmbeddings = r.optional(.tiedEmbeddings, Bool.self) ?? false
        lmHead = r.optional(.lmHead, Bool.self) ?? (family == .decoder || family == .encoderDecoder)
        lmHeadBias = r.optional(.lmHeadBias, Bool.self) ?? false
        positionEmbedding = r.optional(.positionEmbedding, PositionEmbedding.self) ?? .learned
        let maxPositions = r.required(.maxPositions, Int.self, example: "max_positions: 4096")
        positionOffset = r.optional(.positionOffset, Int.self) ?? 0
        slidingWindow = r.optional(.slidingWindow, Int.self)
        partialRotaryFactor = r.optional(.partialRotaryFactor, Double.self) ?? 1
        moe = r.optional(.moe, MoE.self)
        tokenTypes = r.optional(.tokenTypes, Int.self) ?? 0
        pooler = r.optional(.pooler, Bool.self) ?? false
        vision = r.optional(.vision, Vision.self)
        classifier = r.optional(.classifier, Classifier.self)
        finalNorm = r.optional(.finalNorm, Bool.self) ?? true
        embeddingNorm = r.optional(.embeddingNorm, Bool.self) ?? false
        postNorms = r.optional(.postNorms, Bool.self) ?? false
        slidingWindowPattern = r.optional(.slidingWindowPattern, Int.self)
        attentionSoftcap = r.optional(.attentionSoftcap, Double.self)
        finalLogitSoftcap = r.optional(.finalLogitSoftcap, Double.self)
        latentAttention = r.optional(.mla, LatentAttention.self)
        let decoderLayers = r.optional(.decoderLayers, Int.self)
        relativeAttentionBuckets = r.optional(.relativeAttentionBuckets, Int.self) ?? 0
        if r.optional(.projectInOut, Bool.self) == true {
            r.error(
                "project_in_out (OPT-350m style projections) is not modelled", at: .projectInOut,
                hint: "remove the key or set it to false")
        }

        for (key, value) in [
            (CodingKeys.hiddenSize, hidden), (.layers, layers), (.heads, heads), (.maxPositions, maxPositions),
        ] {
            if let value, value < 1 { r.error("\(key.stringValue) must be at least 1, found \(value)", at: key) }
        }
        if let kvHeads, kvHeads < 1 { r.error("kv_heads must be at least 1, found \(kvHeads)", at: .kvHeads) }
        if let headDim, headDim < 1 { r.error("head_dim must be at least 1, found \(headDim)", at: .headDim) }
        if let vocab, vocab < 1 { r.error("vocab_size must be at least 1, found \(vocab)", at: .vocabSize) }
        if let hidden, let heads, heads > 0, headDim == nil, hidden % heads != 0 {
            r.error(
                "heads (\(heads)) do not divide hidden_size (\(hidden))", at: .heads,
                hint: "give head_dim explicitly, or use a head count that divides \(hidden)")
        }
        if let heads, let kvHeads, kvHeads > 0, heads % kvHeads != 0 {
            r.error(
                "kv_heads (\(kvHeads)) do not divide heads (\(heads))", at: .kvHeads,
                hint: "GQA groups need heads = groups x kv_heads")
        }
        if let window = slidingWindow, window < 1 { r.error("sliding_window must be at least 1", at: .slidingWindow) }
        if partialRotaryFactor <= 0 || partialRotaryFactor > 1 {
            r.error("partial_rotary_factor must lie in (0, 1]", at: .partialRotaryFactor)
        }
        if positionOffset < 0 { r.error("position_offset cannot be negative", at: .positionOffset) }
        if let pattern = slidingWindowPattern {
            if pattern < 1 {
                r.error("sliding_window_pattern must be at least 1, found \(pattern)", at: .slidingWindowPattern)
            } else if slidingWindow == nil {
                r.error(
                    "sliding_window_pattern needs a sliding_window", at: .slidingWindowPattern,
                    hint: "sliding_window: 4096  # the span of the layers that do not attend globally")
            }
        }
        for (key, cap) in [(CodingKeys.attentionSoftcap, attentionSoftcap), (.finalLogitSoftcap, finalLogitSoftcap)] {
            if let cap, !(cap > 0 && cap.isFinite) {
                r.error("\(key.stringValue) must be a positive number, found \(QuantityFormat.number(cap))", at: key)
            }
        }
        if let moe, let layers, moe.denseLayers >= layers {
            r.error(
                "moe.dense_layers (\(moe.denseLayers)) must be fewer than layers (\(layers))",
                atMark: decoder.yamlNode?["moe"]?["dense_layers"]?.mark ?? r.mark(of: .moe),
                hint: "a model whose every layer is dense has no moe section")
        }
        if let decoderLayers, decoderLayers < 1 {
            r.error("decoder_layers must be at least 1, found \(decoderLayers)", at: .decoderLayers)
        }
        if decoderLayers != nil && family != .encoderDecoder {
            r.error("decoder_layers needs family: encoder_decoder", at: .decoderLayers)
        }
        if relativeAttentionBuckets < 0 {
            r.error("relative_attention_buckets cannot be negative", at: .relativeAttentionBuckets)
        }
        if positionEmbedding == .relative && relativeAttentionBuckets < 1 {
            r.error(
                "position_embedding: relative needs relative_attention_buckets", at: .positionEmbedding,
                hint: "relative_attention_buckets: 32  # T5")
        }
        if latentAttention != nil && family == .encoderDecoder {
            r.error("mla is modelled for decoders only", at: .mla)
        }
        if tokenTypes < 0 { r.error("token_types cannot be negative", at: .tokenTypes) }
        if family == .visionEncoder && vision == nil {
            r.error(
                "a vision_encoder needs a vision section", at: .family,
                hint: "vision: { image_size: 224, patch_size: 16, channels: 3, class_token: true }")
        }
        if family != .visionEncoder && vocab == nil {
            r.missing(.vocabSize, example: "vocab_size: 32000")
        }
        if let vision, let maxPositions, positionEmbedding == .learned, maxPositions != vision.tokens {
            r.error(
                "a learned position table for \(vision.tokens) tokens ((\(vision.imageSize)/\(vision.patchSize))^2 + class token) needs max_positions: \(vision.tokens), found \(maxPositions)",
                at: .maxPositions)
        }
        try r.finish()
        self.name = try r.unwrap(name)
        self.family = family
        self.hiddenSize = try r.unwrap(hidden)
        self.layers = try r.unwrap(layers)
        self.heads = try r.unwrap(heads)
        self.kvHeads = kvHeads ?? self.heads
        self.headDim = headDim ?? self.hiddenSize / self.heads
        self.ffn = try r.unwrap(ffn)
        self.norm = norm
        self.vocabSize = vocab ?? 0
        self.maxPositions = try r.unwrap(maxPositions)
        if family == .encoderDecoder { decoderStack = DecoderStack(layers: decoderLayers ?? self.layers) }
        for problem in limitViolations {
            // The key's own line: walk the file's tree down the violation's key path.
            var node = decoder.yamlNode
            for key in problem.key { node = node?[key] }
            r.error(problem.message, atMark: node?.mark)
        }
        try r.finish()
    }
}

extension ModelConfig.FFN: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case size, kind, bias, activation }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let size = r.required(.size, Int.self, example: "size: 11008")
        let kind = r.required(.kind, ModelConfig.FFNKind.self, example: "kind: swiglu")
        bias = r.optional(.bias, Bool.self) ?? false
        activation = r.optional(.activation, String.self)
        if let size, size < 1 { r.error("ffn size must be at least 1, found \(size)", at: .size) }
        try r.finish()
        self.size = try r.unwrap(size)
        self.kind = try r.unwrap(kind)
    }
}

extension ModelConfig.Norm: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case kind, bias }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let kind = r.required(.kind, ModelConfig.NormKind.self, example: "kind: rmsnorm")
        bias = r.optional(.bias, Bool.self) ?? (kind == .layernorm)
        if kind == .rmsnorm && bias { r.error("an RMSNorm has no bias", at: .bias) }
        try r.finish()
        self.kind = try r.unwrap(kind)
    }
}

extension ModelConfig.MoE: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case experts
        case topK = "top_k"
        case sharedExperts = "shared_experts"
        case routerBias = "router_bias"
        case expertSize = "expert_size"
        case sharedExpertSize = "shared_expert_size"
        case sharedExpertGate = "shared_expert_gate"
        case denseLayers = "dense_layers"
        case load
    }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let experts = r.required(.experts, Int.self, example: "experts: 8")
        let topK = r.required(.topK, Int.self, example: "top_k: 2")
        sharedExperts = r.optional(.sharedExperts, Int.self) ?? 0
        routerBias = r.optional(.routerBias, Bool.self) ?? false
        expertSize = r.optional(.expertSize, Int.self)
        sharedExpertSize = r.optional(.sharedExpertSize, Int.self)
        sharedExpertGate = r.optional(.sharedExpertGate, Bool.self) ?? false
        denseLayers = r.optional(.denseLayers, Int.self) ?? 0
        load = r.optional(.load, ExpertLoad.self) ?? .uniform
        for (key, size) in [(CodingKeys.expertSize, expertSize), (.sharedExpertSize, sharedExpertSize)] {
            if let size, size < 1 { r.error("\(key.stringValue) must be at least 1, found \(size)", at: key) }
            if let size, size > ModelConfig.Limits.width {
                r.error("\(key.stringValue) must be at most \(ModelConfig.Limits.width), found \(size)", at: key)
            }
        }
        if sharedExpertSize != nil && sharedExperts == 0 {
            r.error("shared_expert_size needs shared_experts of at least 1", at: .sharedExpertSize)
        }
        if sharedExpertGate && sharedExperts == 0 {
            r.error("shared_expert_gate needs shared_experts of at least 1", at: .sharedExpertGate)
        }
        if denseLayers < 0 { r.error("dense_layers cannot be negative, found \(denseLayers)", at: .denseLayers) }
        if let experts, let shares = load.shares, shares.count != experts {
            r.error(
                "load.shares lists \(shares.count) experts, the layer has \(experts)", at: .load,
                hint: "give one share per routed expert, in expert order")
        }
        if let experts, experts < 1 { r.error("experts must be at least 1, found \(experts)", at: .experts) }
        if let topK, topK < 1 { r.error("top_k must be at least 1, found \(topK)", at: .topK) }
        if let experts, let topK, topK > experts {
            r.error("top_k (\(topK)) exceeds the number of experts (\(experts))", at: .topK)
        }
        if sharedExperts < 0 { r.error("shared_experts cannot be negative", at: .sharedExperts) }
        try r.finish()
        self.experts = try r.unwrap(experts)
        self.topK = try r.unwrap(topK)
    }
}

extension ModelConfig.Vision: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case channels
        case imageSize = "image_size"
        case patchSize = "patch_size"
        case classToken = "class_token"
        case patchBias = "patch_bias"
    }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let image = r.required(.imageSize, Int.self, example: "image_size: 224")
        let patch = r.required(.patchSize, Int.self, example: "patch_size: 16")
        channels = r.optional(.channels, Int.self) ?? 3
        classToken = r.optional(.classToken, Bool.self) ?? true
        patchBias = r.optional(.patchBias, Bool.self) ?? true
        if let image, let patch {
            if image < 1 || patch < 1 {
                r.error("image_size and patch_size must be at least 1", at: .patchSize)
            } else if image > ModelConfig.Limits.count {
                // Checked here, before patches and tokens (image / patch)^2 are formed from it.
                r.error("image_size must be at most \(ModelConfig.Limits.count), found \(image)", at: .imageSize)
            } else if image % patch != 0 {
                r.error("patch_size (\(patch)) does not divide image_size (\(image))", at: .patchSize)
            }
        }
        if channels < 1 { r.error("channels must be at least 1", at: .channels) }
        try r.finish()
        self.imageSize = try r.unwrap(image)
        self.patchSize = try r.unwrap(patch)
    }
}

extension ModelConfig.Classifier: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case classes, bias }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let classes = r.required(.classes, Int.self, example: "classes: 1000")
        bias = r.optional(.bias, Bool.self) ?? true
        if let classes, classes < 1 { r.error("classes must be at least 1", at: .classes) }
        try r.finish()
        self.classes = try r.unwrap(classes)
    }
}

extension ModelConfig.LatentAttention: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case kvRank = "kv_rank"
        case queryRank = "q_rank"
        case ropeHeadDim = "rope_head_dim"
        case nopeHeadDim = "nope_head_dim"
        case valueHeadDim = "v_head_dim"
    }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let kvRank = r.required(.kvRank, Int.self, example: "kv_rank: 512")
        queryRank = r.optional(.queryRank, Int.self)
        let rope = r.required(.ropeHeadDim, Int.self, example: "rope_head_dim: 64")
        let nope = r.required(.nopeHeadDim, Int.self, example: "nope_head_dim: 128")
        let value = r.required(.valueHeadDim, Int.self, example: "v_head_dim: 128")
        for (key, size) in [
            (CodingKeys.kvRank, kvRank), (.queryRank, queryRank), (.ropeHeadDim, rope),
            (.nopeHeadDim, nope), (.valueHeadDim, value),
        ] {
            if let size, size < 1 { r.error("mla \(key.stringValue) must be at least 1, found \(size)", at: key) }
            if let size, size > ModelConfig.Limits.width {
                r.error("mla \(key.stringValue) must be at most \(ModelConfig.Limits.width), found \(size)", at: key)
            }
        }
        try r.finish()
        self.kvRank = try r.unwrap(kvRank)
        self.ropeHeadDim = try r.unwrap(rope)
        self.nopeHeadDim = try r.unwrap(nope)
        self.valueHeadDim = try r.unwrap(value)
    }
}

extension ExpertLoad: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case shares
        case capacityFactor = "capacity_factor"
    }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let shares = r.optional(.shares, [Double].self)
        let factor = r.optional(.capacityFactor, Double.self)
        if let shares {
            if shares.isEmpty || shares.contains(where: { !($0 >= 0 && $0.isFinite) }) {
                r.error("load.shares must be non-negative numbers, one per expert", at: .shares)
            } else if abs(shares.reduce(0, +) - 1) > ExpertLoad.shareTolerance {
                r.error(
                    "load.shares must sum to 1, found \(QuantityFormat.number(shares.reduce(0, +), significant: 6))",
                    at: .shares,
                    hint: "each share is the fraction of token-expert pairs routed to that expert")
            }
        }
        if let factor, !(factor > 0 && factor.isFinite) {
            r.error(
                "capacity_factor must be a positive number, found \(QuantityFormat.number(factor))", at: .capacityFactor
            )
        }
        try r.finish()
        self.init(shares: shares, capacityFactor: factor)
    }
}
