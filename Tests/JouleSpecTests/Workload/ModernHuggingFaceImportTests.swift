import Foundation
import JouleSpec
import Testing
import YAML

/// The config.json importer reads the architectures added for issue 18 and agrees with the YAML
/// model files component by component. The configs below carry the keys and values the model
/// files cite (their `source` lines); they are test inputs, not copies of the Hub files.
@Suite struct ModernHuggingFaceImportTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let yaml: String
        let json: String
        var testDescription: String { yaml }
    }

    static let cases: [Case] = [
        Case(
            yaml: "gemma-2b",
            json: """
                {"architectures": ["GemmaForCausalLM"], "hidden_size": 2048, "intermediate_size": 16384,
                 "num_attention_heads": 8, "num_key_value_heads": 1, "head_dim": 256, "num_hidden_layers": 18,
                 "vocab_size": 256000, "max_position_embeddings": 8192, "hidden_act": "gelu",
                 "rms_norm_eps": 1e-06, "rope_theta": 10000.0, "attention_bias": false}
                """),
        Case(
            yaml: "gemma-7b",
            json: """
                {"architectures": ["GemmaForCausalLM"], "hidden_size": 3072, "intermediate_size": 24576,
                 "num_attention_heads": 16, "num_key_value_heads": 16, "head_dim": 256, "num_hidden_layers": 28,
                 "vocab_size": 256000, "max_position_embeddings": 8192}
                """),
        Case(
            yaml: "gemma-2-9b",
            json: """
                {"architectures": ["Gemma2ForCausalLM"], "hidden_size": 3584, "intermediate_size": 14336,
                 "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 256, "num_hidden_layers": 42,
                 "vocab_size": 256000, "max_position_embeddings": 8192, "sliding_window": 4096,
                 "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0, "query_pre_attn_scalar": 256}
                """),
        Case(
            yaml: "qwen1.5-moe-a2.7b",
            json: """
                {"architectures": ["Qwen2MoeForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
                 "moe_intermediate_size": 1408, "shared_expert_intermediate_size": 5632, "num_experts": 60,
                 "num_experts_per_tok": 4, "num_attention_heads": 16, "num_key_value_heads": 16,
                 "num_hidden_layers": 24, "vocab_size": 151936, "max_position_embeddings": 8192,
                 "tie_word_embeddings": false, "decoder_sparse_step": 1, "mlp_only_layers": [],
                 "use_sliding_window": false, "sliding_window": 32768}
                """),
        Case(
            yaml: "deepseek-v2-lite",
            json: """
                {"architectures": ["DeepseekV2ForCausalLM"], "hidden_size": 2048, "intermediate_size": 10944,
                 "moe_intermediate_size": 1408, "num_hidden_layers": 27, "num_attention_heads": 16,
                 "num_key_value_heads": 16, "n_shared_experts": 2, "n_routed_experts": 64,
                 "num_experts_per_tok": 6, "first_k_dense_replace": 1, "moe_layer_freq": 1, "kv_lora_rank": 512,
                 "q_lora_rank": null, "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128,
                 "vocab_size": 102400, "max_position_embeddings": 163840, "tie_word_embeddings": false,
                 "attention_bias": false}
                """),
        Case(
            yaml: "deepseek-v3",
            json: """
                {"architectures": ["DeepseekV3ForCausalLM"], "hidden_size": 7168, "intermediate_size": 18432,
                 "moe_intermediate_size": 2048, "num_hidden_layers": 61, "num_attention_heads": 128,
                 "num_key_value_heads": 128, "n_shared_experts": 1, "n_routed_experts": 256,
                 "num_experts_per_tok": 8, "first_k_dense_replace": 3, "moe_layer_freq": 1, "kv_lora_rank": 512,
                 "q_lora_rank": 1536, "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128,
                 "vocab_size": 129280, "max_position_embeddings": 163840, "tie_word_embeddings": false,
                 "num_nextn_predict_layers": 1}
                """),
        Case(
            yaml: "flan-t5-base",
            json: """
                {"architectures": ["T5ForConditionalGeneration"], "d_model": 768, "d_kv": 64, "d_ff": 2048,
                 "num_heads": 12, "num_layers": 12, "num_decoder_layers": 12, "vocab_size": 32128,
                 "relative_attention_num_buckets": 32, "feed_forward_proj": "gated-gelu",
                 "tie_word_embeddings": false, "n_positions": 512}
                """),
    ]

    @Test(arguments: cases)
    func importMatchesTheYAMLFile(_ example: Case) throws {
        let yaml = try WorkloadFixtures.yaml(example.yaml)
        let imported = try HuggingFaceImport.model(from: example.json, path: "config.json", name: example.yaml)
        #expect(imported.parameters == yaml.parameters)
        #expect(imported.headDim == yaml.headDim)
        #expect(imported.kvHeads == yaml.kvHeads)
        #expect(imported.ffn.kind == yaml.ffn.kind)
        #expect(imported.moe == yaml.moe)
        #expect(imported.latentAttention == yaml.latentAttention)
        #expect(imported.slidingWindow == yaml.slidingWindow)
        #expect(imported.slidingWindowPattern == yaml.slidingWindowPattern)
        #expect(imported.attentionSoftcap == yaml.attentionSoftcap)
        #expect(imported.finalLogitSoftcap == yaml.finalLogitSoftcap)
        #expect(imported.postNorms == yaml.postNorms)
        #expect(imported.decoderStack == yaml.decoderStack)
        #expect(imported.maxPositions == yaml.maxPositions)
    }

    /// A layout Joule does not model is an error at the field that asks for it.
    @Test func denseLayersBetweenMoELayersAreRejectedWhereWritten() throws {
        let json = """
            {"architectures": ["DeepseekV2ForCausalLM"], "hidden_size": 2048, "intermediate_size": 10944,
             "moe_intermediate_size": 1408, "num_hidden_layers": 27, "num_attention_heads": 16,
             "n_routed_experts": 64, "num_experts_per_tok": 70, "moe_layer_freq": 2, "kv_lora_rank": 512,
             "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128,
             "vocab_size": 102400, "max_position_embeddings": 163840}
            """
        let error = #expect(throws: Diagnostics.self) {
            try HuggingFaceImport.model(from: json, path: "config.json", name: "broken")
        }
        let messages = error?.items.map(\.message) ?? []
        #expect(messages.contains { $0.contains("field 'moe_layer_freq' is 2") })
        #expect(messages.contains { $0.contains("num_experts_per_tok (70) exceeds n_routed_experts (64)") })
        let freq = error?.items.first { $0.message.contains("moe_layer_freq") }
        #expect(freq?.mark?.line == 3)
    }

    /// Widths past the limits are errors at their field, before any product of them is formed:
    /// qk_nope_head_dim of Int.max would overflow d_h + d_h^R, kv_lora_rank of 10^11 the kv_b count.
    @Test func latentWidthsPastTheLimitsAreErrorsNotTraps() throws {
        let json = """
            {"architectures": ["DeepseekV3ForCausalLM"], "hidden_size": 7168, "intermediate_size": 18432,
             "moe_intermediate_size": 2048, "num_hidden_layers": 61, "num_attention_heads": 128,
             "n_routed_experts": 256, "num_experts_per_tok": 8, "kv_lora_rank": 100000000000,
             "qk_rope_head_dim": 64, "qk_nope_head_dim": 9223372036854775807, "v_head_dim": 128,
             "vocab_size": 129280, "max_position_embeddings": 163840}
            """
        let error = #expect(throws: Diagnostics.self) {
            try HuggingFaceImport.model(from: json, path: "config.json", name: "huge")
        }
        let messages = error?.items.map(\.message) ?? []
        #expect(messages.contains("mla kv_rank must be at most 16777216, found 100000000000"))
        #expect(messages.contains { $0.hasPrefix("mla nope_head_dim must be at most 16777216") })
        #expect(error?.items.first?.mark?.line == 3)
    }
}
