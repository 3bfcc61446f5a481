extension ModelConfig {
    /// Sizes past these would make parameter counts or graph dimensions overflow exact integers;
    /// real models sit far below them.
    public enum Limits {
        /// The largest hidden size, FFN size, head dimension, vocabulary, context or class count.
        public static let width = 1 << 24
        /// The most layers, heads, experts or channels.
        public static let count = 65_536
        /// The most parameters a model may have (10^15).
        public static let parameters = 1e15
    }

    /// A size past the limits, with where it is written.
    public struct LimitViolation: Sendable, Equatable {
        /// The sentence for the error.
        public var message: String
        /// The key path of the size in a model file (`ffn.size`).
        public var key: [String]
        /// The config.json fields that can hold it, most specific first.
        public var configKeys: [String]
    }

    /// What breaks the limits (empty when the model is within them).
    public var limitViolations: [LimitViolation] {
        var problems: [LimitViolation] = []
        var widths: [(name: String, value: Int, key: [String], config: [String])] = [
            ("hidden_size", hiddenSize, ["hidden_size"], ["hidden_size", "n_embd", "d_model"]),
            ("head_dim", headDim, ["head_dim"], ["head_dim", "hidden_size", "n_embd"]),
            ("ffn size", ffn.size, ["ffn", "size"], ["intermediate_size", "ffn_dim", "n_inner"]),
            ("vocab_size", vocabSize, ["vocab_size"], ["vocab_size"]),
            (
                "max_positions", maxPositions + positionOffset, ["max_positions"],
                ["max_position_embeddings", "n_positions"]
            ),
            ("classes", classifier?.classes ?? 0, ["classifier", "classes"], ["id2label", "num_labels"]),
            ("expert_size", moe?.expertSize ?? 0, ["moe", "expert_size"], ["moe_intermediate_size"]),
            (
                "shared_expert_size", moe?.sharedExpertSize ?? 0, ["moe", "shared_expert_size"],
                ["shared_expert_intermediate_size"]
            ),
        ]
        if let mla = latentAttention {
            widths += [
                ("mla kv_rank", mla.kvRank, ["mla", "kv_rank"], ["kv_lora_rank"]),
                ("mla q_rank", mla.queryRank ?? 0, ["mla", "q_rank"], ["q_lora_rank"]),
                ("mla rope_head_dim", mla.ropeHeadDim, ["mla", "rope_head_dim"], ["qk_rope_head_dim"]),
                ("mla nope_head_dim", mla.nopeHeadDim, ["mla", "nope_head_dim"], ["qk_nope_head_dim"]),
                ("mla v_head_dim", mla.valueHeadDim, ["mla", "v_head_dim"], ["v_head_dim"]),
            ]
        }
        for width in widths where width.value > Limits.width {
            problems.append(
                LimitViolation(
                    message: "\(width.name) must be at most \(Limits.width), found \(width.value)", key: width.key,
                    configKeys: width.config))
        }
        var counts: [(name: String, value: Int, key: [String], config: [String])] = [
            ("layers", layers, ["layers"], ["num_hidden_layers", "n_layer"]),
            ("heads", heads, ["heads"], ["num_attention_heads", "n_head"]),
            ("kv_heads", kvHeads, ["kv_heads"], ["num_key_value_heads", "num_attention_heads"]),
            ("token_types", tokenTypes, ["token_types"], ["type_vocab_size"]),
            (
                "relative_attention_buckets", relativeAttentionBuckets, ["relative_attention_buckets"],
                ["relative_attention_num_buckets"]
            ),
            (
                "decoder_layers", decoderStack?.layers ?? 0, ["decoder_layers"],
                ["num_decoder_layers", "num_layers"]
            ),
        ]
        if let moe {
            counts.append(
                ("experts", moe.experts + moe.sharedExperts, ["moe", "experts"], ["num_local_experts", "num_experts"]))
        }
        if let vision {
            counts += [
                ("channels", vision.channels, ["vision", "channels"], ["num_channels"]),
                ("image_size", vision.imageSize, ["vision", "image_size"], ["image_size"]),
            ]
        }
        for count in counts where count.value > Limits.count {
            problems.append(
                LimitViolation(
                    message: "\(count.name) must be at most \(Limits.count), found \(count.value)", key: count.key,
                    configKeys: count.config))
        }
        guard problems.isEmpty else { return problems }
        // Dominant terms of the parameter count, in floating point so the check cannot overflow.
        let h = Double(hiddenSize)
        let experts = Double((moe?.experts ?? 1) + (moe?.sharedExperts ?? 0))
        let widestFFN = max(ffn.size, moe?.expertSize ?? 0, moe?.sharedExpertSize ?? 0)
        var attention = 4 * h * Double(max(queryWidth, kvWidth))
        if let mla = latentAttention {
            // q (with its low-rank path), kv_a, kv_b and o: every product of widths that the count forms.
            let heads = Double(heads)
            let query = Double(mla.nopeHeadDim) + Double(mla.ropeHeadDim)
            let rank = Double(mla.queryRank ?? 0)
            attention =
                (h + rank) * heads * query + h * rank + h * (Double(mla.kvRank) + Double(mla.ropeHeadDim))
                + Double(mla.kvRank) * heads * (Double(mla.nopeHeadDim) + Double(mla.valueHeadDim))
                + heads * Double(mla.valueHeadDim) * h
        }
        let perLayer = attention + experts * 3 * h * Double(widestFFN)
        let total =
            Double(layers + 2 * (decoderStack?.layers ?? 0)) * perLayer + 2
            * Double(vocabSize + maxPositions + positionOffset) * h
        if total > Limits.parameters {
            problems.append(
                LimitViolation(
                    message:
                        "the model would have about \(QuantityFormat.number(total)) parameters, over \(QuantityFormat.number(Limits.parameters))",
                    key: ["hidden_size"], configKeys: ["hidden_size", "n_embd", "d_model"]))
        }
        return problems
    }
}
