import JouleSpec

/// `joule show model`: a model's configuration and parameters by component.
struct ModelReport {
    let model: ModelConfig

    private var settings: [(String, String)] {
        let m = model
        var rows: [(String, String)] = [
            ("family", m.family.rawValue), ("hidden_size", "\(m.hiddenSize)"), ("layers", "\(m.layers)"),
            ("heads", "\(m.heads)"),
            (
                "kv_heads",
                "\(m.kvHeads)"
                    + (m.kvHeads == m.heads
                        ? " (MHA)" : m.kvHeads == 1 ? " (MQA)" : " (GQA, \(m.heads / m.kvHeads) per group)")
            ),
            ("head_dim", "\(m.headDim)"),
            (
                "ffn",
                "\(m.ffn.kind.rawValue), size \(m.ffn.size)" + (m.ffn.bias ? ", bias" : "")
                    + (m.ffn.activation.map { ", \($0)" } ?? "")
            ),
            (
                "norm",
                m.norm.kind.rawValue + (m.norm.bias ? " with bias" : "")
                    + (m.parallelAttention ? ", one per layer (parallel attention)" : "")
            ),
            ("attention bias", m.qkvBiasOnly ? "q, k, v" : m.attentionBias ? "q, k, v, o" : "none"),
            (
                "position embedding",
                m.positionEmbedding.rawValue
                    + (m.partialRotaryFactor < 1
                        ? " (\(QuantityFormat.number(m.partialRotaryFactor * 100))% of each head)" : "")
            ),
            ("max_positions", "\(m.maxPositions)"),
        ]
        if m.vocabSize > 0 {
            rows.append(("vocab_size", "\(m.vocabSize)" + (m.tiedEmbeddings ? ", tied embeddings" : "")))
        }
        if let decoder = m.decoderStack { rows.append(("decoder_layers", "\(decoder.layers), with cross-attention")) }
        if let window = m.slidingWindow {
            rows.append(
                (
                    "sliding_window",
                    "\(window)" + (m.slidingWindowPattern.map { " (every \($0) layers one attends globally)" } ?? "")
                ))
        }
        if let mla = m.latentAttention {
            rows.append(
                (
                    "latent attention",
                    "KV latent \(mla.kvRank)" + (mla.queryRank.map { ", query latent \($0)" } ?? "")
                        + ", RoPE key \(mla.ropeHeadDim), q/k heads \(mla.nopeHeadDim) + \(mla.ropeHeadDim), values \(mla.valueHeadDim)"
                ))
        }
        rows.append(("KV cache", "\(m.kvElementsPerLayer) elements per token and layer"))
        if m.postNorms { rows.append(("post-norms", "after attention and after the FFN")) }
        if let cap = m.attentionSoftcap { rows.append(("attention soft-cap", QuantityFormat.number(cap))) }
        if let cap = m.finalLogitSoftcap { rows.append(("logit soft-cap", QuantityFormat.number(cap))) }
        if let moe = m.moe {
            var text = "\(moe.experts), top-\(moe.topK)"
            if let size = moe.expertSize { text += ", size \(size)" }
            if moe.sharedExperts > 0 {
                text += ", \(moe.sharedExperts) shared" + (moe.sharedExpertSize.map { " of size \($0)" } ?? "")
                text += moe.sharedExpertGate ? " (gated)" : ""
            }
            if moe.denseLayers > 0 { text += ", first \(moe.denseLayers) layers dense" }
            if let shares = moe.load.shares {
                text += ", load shares " + shares.map { QuantityFormat.number($0) }.joined(separator: "/")
            }
            if let factor = moe.load.capacityFactor { text += ", capacity factor \(QuantityFormat.number(factor))" }
            rows.append(("experts", text))
        }
        if let vision = m.vision {
            rows.append(
                (
                    "vision",
                    "\(vision.imageSize)x\(vision.imageSize) image, \(vision.patchSize)x\(vision.patchSize) patches, \(vision.tokens) tokens"
                ))
        }
        if let classifier = m.classifier { rows.append(("classifier", "\(classifier.classes) classes")) }
        if m.pooler { rows.append(("pooler", "yes")) }
        return rows
    }

    func table() -> String {
        var out = [model.name + (model.source.map { " — \($0)" } ?? "")]
        var config = TextTable(["setting", "value"], alignments: [.left, .left])
        for (key, value) in settings { config.add([key, value]) }
        out.append(config.render(indent: "  "))
        out.append("")
        let p = model.parameters
        var params = TextTable(["parameters", "count"])
        for (name, value) in [
            ("embedding", p.embedding), ("attention", p.attention), ("ffn", p.ffn), ("router", p.router),
            ("norms", p.norms), ("head", p.head),
        ] where value > 0 {
            params.add([name, QuantityFormat.grouped(value)])
        }
        params.add(["total", QuantityFormat.grouped(p.total)])
        if p.active != p.total { params.add(["active per token", QuantityFormat.grouped(p.active)]) }
        out.append(params.render(indent: "  "))
        return out.joined(separator: "\n")
    }

    func json() -> String {
        let p = model.parameters
        var object: [String: Any] = [
            "name": model.name, "family": model.family.rawValue, "hidden_size": model.hiddenSize,
            "layers": model.layers,
            "heads": model.heads, "kv_heads": model.kvHeads, "head_dim": model.headDim,
            "ffn": ["size": model.ffn.size, "kind": model.ffn.kind.rawValue, "bias": model.ffn.bias],
            "norm": ["kind": model.norm.kind.rawValue, "bias": model.norm.bias], "vocab_size": model.vocabSize,
            "max_positions": model.maxPositions, "position_embedding": model.positionEmbedding.rawValue,
            "parameters": [
                "total": p.total, "active": p.active, "embedding": p.embedding, "attention": p.attention, "ffn": p.ffn,
                "router": p.router, "norms": p.norms, "head": p.head,
            ],
        ]
        if let source = model.source { object["source"] = source }
        if let moe = model.moe {
            object["moe"] = [
                "experts": moe.experts, "top_k": moe.topK, "shared_experts": moe.sharedExperts,
                "expert_size": moe.expertSize ?? model.ffn.size, "dense_layers": moe.denseLayers,
            ]
        }
        if let window = model.slidingWindow { object["sliding_window"] = window }
        if let pattern = model.slidingWindowPattern { object["sliding_window_pattern"] = pattern }
        if let mla = model.latentAttention {
            var latent: [String: Any] = [
                "kv_rank": mla.kvRank, "rope_head_dim": mla.ropeHeadDim, "nope_head_dim": mla.nopeHeadDim,
                "v_head_dim": mla.valueHeadDim,
            ]
            if let rank = mla.queryRank { latent["q_rank"] = rank }
            object["mla"] = latent
        }
        if let decoder = model.decoderStack { object["decoder_layers"] = decoder.layers }
        object["kv_elements_per_token_layer"] = model.kvElementsPerLayer
        return JSONOutput.render(object)
    }
}
