import YAML

/// Imports a Hugging Face `config.json` into a `ModelConfig`, by its `architectures` entry.
///
/// Counting conventions: BertForMaskedLM imports as the BertModel body with its pooler (the
/// published 110M figure); ViTModel has a pooler and no classifier, ViTForImageClassification
/// a classifier over `id2label` and no pooler.
public enum HuggingFaceImport {
    /// The architectures Joule reads.
    public static let supportedArchitectures = [
        "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM", "Qwen2ForCausalLM", "GPT2LMHeadModel",
        "GPTNeoXForCausalLM", "OPTForCausalLM", "PhiForCausalLM", "BertModel", "BertForMaskedLM", "ViTModel",
        "ViTForImageClassification", "GemmaForCausalLM", "Gemma2ForCausalLM", "Qwen2MoeForCausalLM",
        "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "T5ForConditionalGeneration",
    ]

    /// Reads a `config.json` text; `name` defaults to the file's folder name.
    public static func model(from text: String, path: String, name: String) throws(Diagnostics) -> ModelConfig {
        guard let root = try YAMLParser().parse(text, path: path) else {
            throw Diagnostics([Diagnostic(path: path, mark: nil, message: "the file is empty; expected a JSON object")])
        }
        var fields = Fields(root: root, path: path, lines: SourceLines(text))
        guard root.entries != nil else {
            throw Diagnostics([
                fields.diagnostic("expected a JSON object, found \(root.kindDescription)", at: root.mark)
            ])
        }
        guard let architectures = root["architectures"]?.items, let first = architectures.first?.scalar else {
            throw Diagnostics([
                fields.diagnostic(
                    "missing field 'architectures'", at: root.mark,
                    hint: "Joule reads: " + supportedArchitectures.joined(separator: ", "))
            ])
        }
        guard supportedArchitectures.contains(first) else {
            throw Diagnostics([
                fields.diagnostic(
                    "unsupported architecture '\(first)'", at: root["architectures"]?.mark,
                    hint: "Joule reads: " + supportedArchitectures.joined(separator: ", "))
            ])
        }
        let model = fields.model(architecture: first, name: name)
        if !fields.diagnostics.isEmpty { throw Diagnostics(fields.diagnostics) }
        guard let model else { throw Diagnostics([fields.diagnostic("could not import \(first)", at: root.mark)]) }
        let problems = model.limitViolations
        if !problems.isEmpty {
            throw Diagnostics(
                problems.map { problem in
                    let node = problem.configKeys.lazy.compactMap { root[$0] }.first
                    return fields.diagnostic(problem.message, at: node?.mark ?? root.mark)
                })
        }
        return model
    }
}

/// Reads typed fields of a config.json, recording a diagnostic for each missing or malformed one.
private struct Fields {
    let root: YAMLNode
    let path: String
    let lines: SourceLines
    var diagnostics: [Diagnostic] = []

    init(root: YAMLNode, path: String, lines: SourceLines) {
        self.root = root
        self.path = path
        self.lines = lines
    }

    func diagnostic(_ message: String, at mark: SourceMark?, hint: String? = nil) -> Diagnostic {
        Diagnostic(
            path: path, mark: mark, message: message, hint: hint, sourceLine: mark.flatMap { lines.line($0.line) })
    }

    private func present(_ key: String) -> YAMLNode? {
        guard let node = root[key], !node.isNull else { return nil }
        return node
    }

    mutating func int(_ key: String) -> Int? {
        guard let node = present(key) else { return nil }
        guard let text = node.scalar, let value = Int(text) else {
            diagnostics.append(diagnostic("field '\(key)' must be an integer", at: node.mark))
            return nil
        }
        return value
    }

    mutating func double(_ key: String) -> Double? {
        guard let node = present(key) else { return nil }
        guard let text = node.scalar, let value = Double(text), value.isFinite else {
            diagnostics.append(diagnostic("field '\(key)' must be a number", at: node.mark))
            return nil
        }
        return value
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let node = present(key) else { return nil }
        guard let text = node.scalar, text == "true" || text == "false" else {
            diagnostics.append(diagnostic("field '\(key)' must be true or false", at: node.mark))
            return nil
        }
        return text == "true"
    }

    func string(_ key: String) -> String? { present(key)?.scalar }

    /// An optional integer field that, when given, must be at least 1.
    mutating func positive(_ key: String) -> Int? {
        guard let value = int(key) else { return nil }
        if value < 1 {
            diagnostics.append(diagnostic("field '\(key)' must be at least 1, found \(value)", at: root[key]?.mark))
            return 1  // the error is recorded; 1 keeps the rest of the import free of divisions by zero
        }
        return value
    }

    mutating func required(_ key: String) -> Int {
        guard let value = int(key) else {
            if let entry = root.entries?.first(where: { $0.key == key }), entry.value.isNull {
                diagnostics.append(
                    diagnostic("field '\(key)' is null", at: entry.keyMark, hint: "give it an integer: \"\(key)\": 1"))
            } else if present(key) == nil {
                diagnostics.append(
                    diagnostic("missing field '\(key)'", at: root.mark, hint: "add \"\(key)\": <integer>"))
            }
            return 1
        }
        if value < 1 {
            diagnostics.append(diagnostic("field '\(key)' must be at least 1, found \(value)", at: root[key]?.mark))
            return 1  // the error is recorded; 1 keeps the rest of the import free of divisions by zero
        }
        return value
    }

    /// The architecture's config as a `ModelConfig`; nil when a required field was missing.
    mutating func model(architecture: String, name: String) -> ModelConfig? {
        switch architecture {
        case "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM", "Qwen2ForCausalLM":
            return llamaFamily(architecture: architecture, name: name)
        case "GPT2LMHeadModel": return gpt2(name: name)
        case "GPTNeoXForCausalLM": return neox(name: name)
        case "OPTForCausalLM": return opt(name: name)
        case "PhiForCausalLM": return phi(name: name)
        case "BertModel", "BertForMaskedLM": return bert(name: name)
        case "GemmaForCausalLM", "Gemma2ForCausalLM": return gemma(architecture: architecture, name: name)
        case "Qwen2MoeForCausalLM": return qwen2MoE(name: name)
        case "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM": return deepseek(architecture: architecture, name: name)
        case "T5ForConditionalGeneration": return t5(name: name)
        default: return vit(architecture: architecture, name: name)
        }
    }

    private func base(
        name: String, family: ModelConfig.Family, hidden: Int, layers: Int, heads: Int, kvHeads: Int,
        ffn: ModelConfig.FFN,
        norm: ModelConfig.Norm, vocab: Int, maxPositions: Int, position: ModelConfig.PositionEmbedding
    ) -> ModelConfig {
        ModelConfig(
            name: name, source: "Hugging Face config.json (\(path))", family: family, hiddenSize: hidden,
            layers: layers,
            heads: heads, kvHeads: kvHeads, headDim: hidden / max(1, heads), ffn: ffn, norm: norm,
            parallelAttention: false,
            attentionBias: false, qkvBiasOnly: false, vocabSize: vocab, tiedEmbeddings: false,
            lmHead: family == .decoder,
            lmHeadBias: false, positionEmbedding: position, maxPositions: maxPositions, positionOffset: 0,
            slidingWindow: nil, partialRotaryFactor: 1, moe: nil, tokenTypes: 0, pooler: false, vision: nil,
            classifier: nil, finalNorm: true, embeddingNorm: false)
    }

    private mutating func checkHeads(hidden: Int, heads: Int, kvHeads: Int, headDim: Int?) {
        // A missing or invalid field stands in as 1: checking it would report a follow-on error.
        guard diagnostics.isEmpty else { return }
        // GPT-2's config names them n_head and n_embd; the error names the file's own keys.
        let headsKey = root["num_attention_heads"] == nil && root["n_head"] != nil ? "n_head" : "num_attention_heads"
        let hiddenKey = root["hidden_size"] == nil && root["n_embd"] != nil ? "n_embd" : "hidden_size"
        if headDim == nil && hidden % max(1, heads) != 0 {
            diagnostics.append(
                diagnostic(
                    "\(headsKey) (\(heads)) do not divide \(hiddenKey) (\(hidden))", at: root[headsKey]?.mark))
        }
        if heads % max(1, kvHeads) != 0 {
            diagnostics.append(
                diagnostic(
                    "num_key_value_heads (\(kvHeads)) do not divide num_attention_heads (\(heads))",
                    at: root["num_key_value_heads"]?.mark))
        }
    }

    private mutating func llamaFamily(architecture: String, name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        let kvHeads = positive("num_key_value_heads") ?? heads
        let headDim = positive("head_dim")
        checkHeads(hidden: hidden, heads: heads, kvHeads: kvHeads, headDim: headDim)
        let mlpBias = bool("mlp_bias") ?? false
        var model = base(
            name: name, family: .decoder, hidden: hidden, layers: required("num_hidden_layers"), heads: heads,
            kvHeads: kvHeads,
            ffn: .init(
                size: required("intermediate_size"), kind: .swiglu, bias: mlpBias, activation: string("hidden_act")),
            norm: .init(kind: .rmsnorm, bias: false), vocab: required("vocab_size"),
            maxPositions: required("max_position_embeddings"), position: .rotary)
        if let headDim { model.headDim = headDim }
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? false
        model.attentionBias = bool("attention_bias") ?? false
        if architecture == "Qwen2ForCausalLM" {
            model.attentionBias = true
            model.qkvBiasOnly = true
            if bool("use_sliding_window") == true { model.slidingWindow = positive("sliding_window") }
        } else if architecture == "MistralForCausalLM" || architecture == "MixtralForCausalLM" {
            model.slidingWindow = positive("sliding_window")
        }
        if architecture == "MixtralForCausalLM" {
            let experts = required("num_local_experts")
            let topK = required("num_experts_per_tok")
            if topK > experts {
                diagnostics.append(
                    diagnostic(
                        "num_experts_per_tok (\(topK)) exceeds num_local_experts (\(experts))",
                        at: root["num_experts_per_tok"]?.mark))
            }
            model.moe = .init(experts: experts, topK: topK, sharedExperts: 0, routerBias: false)
        }
        return model
    }

    /// A positive number field, or nil when absent (an error when it is not positive).
    private mutating func positiveNumber(_ key: String) -> Double? {
        guard let value = double(key) else { return nil }
        if !(value > 0) {
            diagnostics.append(
                diagnostic("field '\(key)' must be a positive number, found \(value)", at: root[key]?.mark))
            return nil
        }
        return value
    }

    /// An error when a field holds anything but `expected`: a layout Joule does not model.
    private mutating func expect(_ key: String, equals expected: Int, because reason: String) {
        if let value = int(key), value != expected {
            diagnostics.append(
                diagnostic(
                    "field '\(key)' is \(value): \(reason) is not modelled", at: root[key]?.mark,
                    hint: "Joule reads \"\(key)\": \(expected)"))
        }
    }

    /// An error when `num_experts_per_tok` exceeds the routed experts.
    private mutating func checkTopK(_ topK: Int, experts: Int, expertsKey: String) {
        if topK > experts {
            diagnostics.append(
                diagnostic(
                    "num_experts_per_tok (\(topK)) exceeds \(expertsKey) (\(experts))",
                    at: root["num_experts_per_tok"]?.mark))
        }
    }

    /// Gemma (GeGLU, head_dim decoupled from hidden_size, tied by default) and Gemma 2 (also four
    /// norms per layer, sliding window on alternate layers, score and logit soft-capping).
    private mutating func gemma(architecture: String, name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        let kvHeads = positive("num_key_value_heads") ?? heads
        let headDim = positive("head_dim")
        checkHeads(hidden: hidden, heads: heads, kvHeads: kvHeads, headDim: headDim)
        var model = base(
            name: name, family: .decoder, hidden: hidden, layers: required("num_hidden_layers"), heads: heads,
            kvHeads: kvHeads,
            ffn: .init(
                size: required("intermediate_size"), kind: .geglu, bias: false,
                activation: string("hidden_activation") ?? string("hidden_act")),
            norm: .init(kind: .rmsnorm, bias: false), vocab: required("vocab_size"),
            maxPositions: required("max_position_embeddings"), position: .rotary)
        if let headDim { model.headDim = headDim }
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? true
        model.attentionBias = bool("attention_bias") ?? false
        if architecture == "Gemma2ForCausalLM" {
            model.postNorms = true
            model.slidingWindow = positive("sliding_window") ?? 4096
            model.slidingWindowPattern = 2
            model.attentionSoftcap = positiveNumber("attn_logit_softcapping")
            model.finalLogitSoftcap = positiveNumber("final_logit_softcapping")
        }
        return model
    }

    /// Qwen2-MoE: Qwen2's attention (q, k, v biases) with routed experts of `moe_intermediate_size`
    /// and one gated shared expert of `shared_expert_intermediate_size` in every layer.
    private mutating func qwen2MoE(name: String) -> ModelConfig? {
        guard var model = llamaFamily(architecture: "Qwen2ForCausalLM", name: name) else { return nil }
        let experts = required("num_experts")
        let topK = required("num_experts_per_tok")
        checkTopK(topK, experts: experts, expertsKey: "num_experts")
        expect("decoder_sparse_step", equals: 1, because: "a dense FFN between sparse layers")
        if let dense = root["mlp_only_layers"]?.items, !dense.isEmpty {
            diagnostics.append(
                diagnostic(
                    "field 'mlp_only_layers' lists dense layers: dense layers other than the first ones are not modelled",
                    at: root["mlp_only_layers"]?.mark))
        }
        let shared = int("shared_expert_intermediate_size") ?? 0
        model.moe = .init(
            experts: experts, topK: topK, sharedExperts: shared > 0 ? 1 : 0, routerBias: false,
            expertSize: required("moe_intermediate_size"), sharedExpertSize: shared > 0 ? shared : nil,
            sharedExpertGate: shared > 0)
        return model
    }

    /// DeepSeek-V2 and V3: multi-head latent attention (kv_lora_rank, q_lora_rank, qk_rope_head_dim,
    /// qk_nope_head_dim, v_head_dim) and MoE with n_shared_experts and n_routed_experts of
    /// moe_intermediate_size after first_k_dense_replace dense layers. V3's router carries the
    /// e_score_correction_bias (one per routed expert); V2's has none.
    private mutating func deepseek(architecture: String, name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        let kvHeads = positive("num_key_value_heads") ?? heads
        checkHeads(hidden: hidden, heads: heads, kvHeads: kvHeads, headDim: 1)
        let mla = ModelConfig.LatentAttention(
            kvRank: required("kv_lora_rank"), queryRank: positive("q_lora_rank"),
            ropeHeadDim: required("qk_rope_head_dim"), nopeHeadDim: required("qk_nope_head_dim"),
            valueHeadDim: required("v_head_dim"))
        let layers = required("num_hidden_layers")
        var model = base(
            name: name, family: .decoder, hidden: hidden, layers: layers, heads: heads, kvHeads: kvHeads,
            ffn: .init(
                size: required("intermediate_size"), kind: .swiglu, bias: false, activation: string("hidden_act")),
            norm: .init(kind: .rmsnorm, bias: false), vocab: required("vocab_size"),
            maxPositions: required("max_position_embeddings"), position: .rotary)
        // A width past the limits is reported by limitViolations; the sum must not overflow first.
        let widths = [mla.nopeHeadDim, mla.ropeHeadDim]
        model.headDim = widths.allSatisfy { $0 <= ModelConfig.Limits.width } ? mla.queryHeadDim : 1
        model.latentAttention = mla
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? false
        if bool("attention_bias") == true {
            diagnostics.append(
                diagnostic(
                    "attention biases under multi-head latent attention are not modelled",
                    at: root["attention_bias"]?.mark))
        }
        expect("moe_layer_freq", equals: 1, because: "a dense FFN between MoE layers")
        let experts = required("n_routed_experts")
        let topK = required("num_experts_per_tok")
        checkTopK(topK, experts: experts, expertsKey: "n_routed_experts")
        let dense = int("first_k_dense_replace") ?? 0
        if dense < 0 || dense >= layers {
            diagnostics.append(
                diagnostic(
                    "first_k_dense_replace (\(dense)) must lie in 0..<num_hidden_layers (\(layers))",
                    at: root["first_k_dense_replace"]?.mark))
        }
        let shared = int("n_shared_experts") ?? 0
        if shared < 0 {
            diagnostics.append(
                diagnostic(
                    "field 'n_shared_experts' cannot be negative, found \(shared)", at: root["n_shared_experts"]?.mark))
        }
        model.moe = .init(
            experts: experts, topK: topK, sharedExperts: max(0, shared),
            routerBias: architecture == "DeepseekV3ForCausalLM", expertSize: required("moe_intermediate_size"),
            denseLayers: min(max(0, dense), max(0, layers - 1)))
        return model
    }

    /// T5 and T5 v1.1 / Flan-T5: an encoder-decoder with one shared vocabulary table, relative
    /// position buckets, RMS-style norms, no biases; `feed_forward_proj` "gated-gelu" is GeGLU,
    /// "relu" a two-matrix MLP (T5 1.0, counted like the GELU MLP). Tied by default (T5 1.0).
    private mutating func t5(name: String) -> ModelConfig? {
        let hidden = required("d_model")
        let heads = required("num_heads")
        let projection = string("feed_forward_proj") ?? "relu"
        let gated = projection.hasPrefix("gated-")
        let activation = gated ? String(projection.dropFirst("gated-".count)) : projection
        var model = base(
            name: name, family: .encoderDecoder, hidden: hidden, layers: required("num_layers"), heads: heads,
            kvHeads: heads,
            ffn: .init(size: required("d_ff"), kind: gated ? .geglu : .geluMLP, bias: false, activation: activation),
            norm: .init(kind: .rmsnorm, bias: false), vocab: required("vocab_size"),
            maxPositions: positive("n_positions") ?? 512, position: .relative)
        model.headDim = required("d_kv")
        model.lmHead = true
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? true
        model.relativeAttentionBuckets = positive("relative_attention_num_buckets") ?? 32
        model.decoderStack = .init(layers: positive("num_decoder_layers") ?? model.layers)
        return model
    }

    private mutating func gpt2(name: String) -> ModelConfig? {
        let hidden = required("n_embd")
        let heads = required("n_head")
        checkHeads(hidden: hidden, heads: heads, kvHeads: heads, headDim: nil)
        var model = base(
            name: name, family: .decoder, hidden: hidden, layers: required("n_layer"), heads: heads, kvHeads: heads,
            ffn: .init(
                size: positive("n_inner") ?? 4 * hidden, kind: .geluMLP, bias: true,
                activation: string("activation_function")),
            norm: .init(kind: .layernorm, bias: true), vocab: required("vocab_size"),
            maxPositions: required("n_positions"), position: .learned)
        model.attentionBias = true
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? true
        return model
    }

    private mutating func neox(name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        checkHeads(hidden: hidden, heads: heads, kvHeads: heads, headDim: nil)
        var model = base(
            name: name, family: .decoder, hidden: hidden, layers: required("num_hidden_layers"), heads: heads,
            kvHeads: heads,
            ffn: .init(
                size: required("intermediate_size"), kind: .geluMLP, bias: true, activation: string("hidden_act")),
            norm: .init(kind: .layernorm, bias: true), vocab: required("vocab_size"),
            maxPositions: required("max_position_embeddings"), position: .rotary)
        model.attentionBias = true
        model.partialRotaryFactor = double("rotary_pct") ?? 0.25
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? false
        return model
    }

    private mutating func opt(name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        checkHeads(hidden: hidden, heads: heads, kvHeads: heads, headDim: nil)
        if let projection = int("word_embed_proj_dim"), projection != hidden {
            diagnostics.append(
                diagnostic(
                    "word_embed_proj_dim \(projection) differs from hidden_size: project_in/out (OPT-350m) is not modelled",
                    at: root["word_embed_proj_dim"]?.mark))
        }
        var model = base(
            name: name, family: .decoder, hidden: hidden, layers: required("num_hidden_layers"), heads: heads,
            kvHeads: heads,
            ffn: .init(
                size: required("ffn_dim"), kind: .geluMLP, bias: true, activation: string("activation_function")),
            norm: .init(kind: .layernorm, bias: true), vocab: required("vocab_size"),
            maxPositions: required("max_position_embeddings"), position: .learned)
        model.attentionBias = true
        model.positionOffset = 2
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? true
        model.finalNorm = bool("do_layer_norm_before") ?? true
        return model
    }

    private mutating func phi(name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        let kvHeads = positive("num_key_value_heads") ?? heads
        checkHeads(hidden: hidden, heads: heads, kvHeads: kvHeads, headDim: nil)
        var model = base(
            name: name, family: .decoder, hidden: hidden, layers: required("num_hidden_layers"), heads: heads,
            kvHeads: kvHeads,
            ffn: .init(
                size: required("intermediate_size"), kind: .geluMLP, bias: true, activation: string("hidden_act")),
            norm: .init(kind: .layernorm, bias: true), vocab: required("vocab_size"),
            maxPositions: required("max_position_embeddings"), position: .rotary)
        model.attentionBias = true
        model.parallelAttention = true
        model.lmHeadBias = true
        model.partialRotaryFactor = double("partial_rotary_factor") ?? 0.5
        model.tiedEmbeddings = bool("tie_word_embeddings") ?? false
        return model
    }

    private mutating func bert(name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        checkHeads(hidden: hidden, heads: heads, kvHeads: heads, headDim: nil)
        var model = base(
            name: name, family: .encoder, hidden: hidden, layers: required("num_hidden_layers"), heads: heads,
            kvHeads: heads,
            ffn: .init(
                size: required("intermediate_size"), kind: .geluMLP, bias: true, activation: string("hidden_act")),
            norm: .init(kind: .layernorm, bias: true), vocab: required("vocab_size"),
            maxPositions: required("max_position_embeddings"), position: .learned)
        model.attentionBias = true
        model.tokenTypes = int("type_vocab_size") ?? 2
        model.pooler = true
        model.finalNorm = false
        model.embeddingNorm = true
        return model
    }

    private mutating func vit(architecture: String, name: String) -> ModelConfig? {
        let hidden = required("hidden_size")
        let heads = required("num_attention_heads")
        checkHeads(hidden: hidden, heads: heads, kvHeads: heads, headDim: nil)
        let before = diagnostics.count
        var image = required("image_size")
        let patch = required("patch_size")
        if image > ModelConfig.Limits.count {
            // Checked here, before patches and tokens (image / patch)^2 are formed from it.
            diagnostics.append(
                diagnostic(
                    "field 'image_size' must be at most \(ModelConfig.Limits.count), found \(image)",
                    at: root["image_size"]?.mark))
            image = patch  // the error is recorded; this keeps the divisibility check below quiet
        }
        if diagnostics.count == before, image % max(1, patch) != 0 {
            diagnostics.append(
                diagnostic("patch_size (\(patch)) does not divide image_size (\(image))", at: root["patch_size"]?.mark))
        }
        let vision = ModelConfig.Vision(
            imageSize: image, patchSize: patch, channels: positive("num_channels") ?? 3, classToken: true,
            patchBias: true)
        var model = base(
            name: name, family: .visionEncoder, hidden: hidden, layers: required("num_hidden_layers"), heads: heads,
            kvHeads: heads,
            ffn: .init(
                size: required("intermediate_size"), kind: .geluMLP, bias: true, activation: string("hidden_act")),
            norm: .init(kind: .layernorm, bias: true), vocab: 0, maxPositions: vision.tokens, position: .learned)
        model.vision = vision
        model.attentionBias = bool("qkv_bias") ?? true
        if architecture == "ViTForImageClassification" {
            let classes = root["id2label"]?.entries?.count ?? int("num_labels") ?? 2
            model.classifier = .init(classes: classes, bias: true)
        } else {
            model.pooler = true
        }
        return model
    }
}

extension ModelConfig {
    /// Loads a model from a path (`.yaml` model file or Hugging Face `config.json`, or a folder
    /// holding one), or by name from the `Models/` library.
    public static func load(_ nameOrPath: String, catalog: Catalog = .standard()) throws(Diagnostics) -> ModelConfig {
        guard let path = catalog.resolve(nameOrPath, shelf: .models) else {
            let names = catalog.names(on: .models)
            throw Diagnostics([
                Diagnostic(
                    path: nameOrPath, mark: nil, message: "no model file or library entry named '\(nameOrPath)'",
                    hint: names.isEmpty
                        ? "give a path to a .yaml model or a config.json"
                        : Suggestion.hint(for: nameOrPath, among: names))
            ])
        }
        if path.hasSuffix(".json") {
            let text = try Catalog.readText(path)
            let folder = path.split(separator: "/").dropLast().last.map(String.init) ?? "model"
            return try HuggingFaceImport.model(from: text, path: path, name: folder)
        }
        return try Catalog.decode(ModelConfig.self, path: path)
    }
}
