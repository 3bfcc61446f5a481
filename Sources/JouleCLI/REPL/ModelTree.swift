import JouleSpec
import YAML

/// The YAML model file a decoded `ModelConfig` reads as: how the REPL makes a Hugging Face
/// `config.json` editable (`set model.…`, `unset model.…`, `export model`). Every field is
/// written under its model-file key, except `kv_heads` and `head_dim` where they equal what
/// the file would derive (so `set model.heads 16` moves them as it would in a hand-written
/// file) and keys whose absence means the same (no MoE, no vision, no classifier, no sliding
/// window, a rotary factor of 1). The text decodes to a model equal to the one it came from
/// (tested for every `config.json` under Models/hf).
enum ModelTree {
    /// The model as YAML text.
    static func text(_ m: ModelConfig) -> String {
        func quoted(_ text: String) -> String { YAMLEmitter.scalar(text, plain: true, inFlow: true) }
        var lines = ["name: \(quoted(m.name))"]
        if let source = m.source { lines.append("source: \(quoted(source))") }
        lines.append("family: \(m.family.rawValue)")
        lines.append("hidden_size: \(m.hiddenSize)")
        lines.append("layers: \(m.layers)")
        lines.append("heads: \(m.heads)")
        if m.kvHeads != m.heads { lines.append("kv_heads: \(m.kvHeads)") }
        if m.hiddenSize % m.heads != 0 || m.headDim != m.hiddenSize / m.heads {
            lines.append("head_dim: \(m.headDim)")
        }
        var ffn = "ffn: { size: \(m.ffn.size), kind: \(m.ffn.kind.rawValue), bias: \(m.ffn.bias)"
        if let activation = m.ffn.activation { ffn += ", activation: \(quoted(activation))" }
        lines.append(ffn + " }")
        lines.append("norm: { kind: \(m.norm.kind.rawValue), bias: \(m.norm.bias) }")
        lines.append("parallel_attention: \(m.parallelAttention)")
        lines.append("attention_bias: \(m.attentionBias)")
        lines.append("qkv_bias_only: \(m.qkvBiasOnly)")
        if m.family != .visionEncoder || m.vocabSize > 0 { lines.append("vocab_size: \(m.vocabSize)") }
        lines.append("tied_embeddings: \(m.tiedEmbeddings)")
        lines.append("lm_head: \(m.lmHead)")
        lines.append("lm_head_bias: \(m.lmHeadBias)")
        lines.append("position_embedding: \(m.positionEmbedding.rawValue)")
        lines.append("max_positions: \(m.maxPositions)")
        lines.append("position_offset: \(m.positionOffset)")
        if let window = m.slidingWindow { lines.append("sliding_window: \(window)") }
        if m.partialRotaryFactor != 1 { lines.append("partial_rotary_factor: \(m.partialRotaryFactor)") }
        if let moe = m.moe {
            lines.append(
                "moe: { experts: \(moe.experts), top_k: \(moe.topK), shared_experts: \(moe.sharedExperts), router_bias: \(moe.routerBias) }"
            )
        }
        lines.append("token_types: \(m.tokenTypes)")
        lines.append("pooler: \(m.pooler)")
        if let v = m.vision {
            lines.append(
                "vision: { image_size: \(v.imageSize), patch_size: \(v.patchSize), channels: \(v.channels), class_token: \(v.classToken), patch_bias: \(v.patchBias) }"
            )
        }
        if let c = m.classifier { lines.append("classifier: { classes: \(c.classes), bias: \(c.bias) }") }
        lines.append("final_norm: \(m.finalNorm)")
        lines.append("embedding_norm: \(m.embeddingNorm)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The model's tree (parsed from `text`, so its marks point into that text) and the text's
    /// lines; `path` names the file it came from in errors.
    static func tree(_ m: ModelConfig, path: String) throws(SessionError) -> (node: YAMLNode, lines: SourceLines) {
        let text = Self.text(m)
        let parsed: YAMLNode?
        do {
            parsed = try YAMLParser().parse(text, path: path)
        } catch {
            throw SessionError("\(path): the YAML form of \(m.name) does not parse: \(SessionError.oneLine(error))")
        }
        guard let node = parsed else { throw SessionError("\(path): the YAML form of \(m.name) is empty") }
        return (node, SourceLines(text))
    }
}
