import Foundation
import JouleSpec
import Testing

/// Operators of the architectures added for issue 18, with shapes derived by hand from the
/// config values.
@Suite struct ModernArchitectureGraphTests {
    /// DeepSeek-V2-Lite decode (batch 2, context 100) attends over the latent: the score GEMM's
    /// second operand is the cached latent plus RoPE key, d_c + d_h^R = 576 wide, one per sequence
    /// shared by all 16 heads; the context GEMM reads the 512-wide latent; W^UK and W^UV are
    /// applied per head to the query (128 -> 512) and to the context (512 -> 128).
    @Test func latentAttentionDecodeAttendsOverTheLatent() throws {
        let model = try WorkloadFixtures.yaml("deepseek-v2-lite")
        let graph = try WorkloadFixtures.graph(model, .decode(batch: 2, context: 100))
        let q = try #require(graph.named("L0.q_proj")?.gemm)
        #expect((q.m, q.n, q.k) == (2, 16 * 192, 2048))
        let down = try #require(graph.named("L0.kv_down")?.gemm)
        #expect((down.m, down.n, down.k) == (2, 576, 2048))
        let absorbK = try #require(graph.named("L0.k_up_absorbed")?.gemm)
        #expect((absorbK.b, absorbK.m, absorbK.n, absorbK.k, absorbK.secondInstances) == (16, 2, 512, 128, 16))
        let score = try #require(graph.named("L0.attn_score")?.gemm)
        #expect((score.b, score.m, score.n, score.k) == (32, 1, 100, 576))
        #expect(score.second == .kvCache)
        #expect(score.secondInstances == 2)
        #expect(score.secondElements == 2 * 100 * 576)
        let context = try #require(graph.named("L0.attn_context")?.gemm)
        #expect((context.b, context.m, context.n, context.k) == (32, 1, 512, 100))
        #expect(context.secondElements == 2 * 100 * 512)
        let absorbV = try #require(graph.named("L0.v_up_absorbed")?.gemm)
        #expect((absorbV.b, absorbV.n, absorbV.k) == (16, 128, 512))
        let o = try #require(graph.named("L0.o_proj")?.gemm)
        #expect((o.n, o.k) == (2048, 16 * 128))
        // The cache gains d_c + d_h^R per token and layer; RoPE turns 16 query heads and one key of 64.
        #expect(graph.named("L0.kv_append")?.vector?.elements == Double(2 * 576))
        #expect(graph.named("L0.rope")?.vector?.elements == Double(2 * 17 * 64))
        #expect(graph.kvCacheBytes == 2 * 100 * 27 * 576 * 2)
        // Layer 0 is dense (first_k_dense_replace 1), layer 1 has experts.
        #expect(graph.named("L0.ffn_gate")?.gemm?.n == 10944)
        #expect(graph.named("L1.ffn_gate") == nil)
        #expect(graph.named("L1.router")?.gemm?.n == 64)
    }

    /// DeepSeek-V3 prefill (batch 1, sequence 16) compresses queries (7168 -> 1536 -> 128 x 192),
    /// up-projects the latent to per-head keys (128 x 128) and values (128 x 128), and attends
    /// as MHA over d_h + d_h^R = 192. Layers 0-2 are dense; layer 3 routes 16 x 8 = 128 pairs over
    /// 256 experts (one token each) and runs the shared expert on all 16 tokens.
    @Test func latentAttentionPrefillUpProjectsKeysAndValues() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("deepseek-v3"), .prefill(batch: 1, sequence: 16))
        let qDown = try #require(graph.named("L0.q_down")?.gemm)
        #expect((qDown.m, qDown.n, qDown.k) == (16, 1536, 7168))
        let qUp = try #require(graph.named("L0.q_up")?.gemm)
        #expect((qUp.n, qUp.k) == (128 * 192, 1536))
        #expect(graph.named("L0.k_up")?.gemm?.n == 128 * 128)
        #expect(graph.named("L0.v_up")?.gemm?.n == 128 * 128)
        let score = try #require(graph.named("L0.attn_score")?.gemm)
        #expect((score.b, score.m, score.n, score.k) == (128, 16, 16, 192))
        #expect(score.density == 136.0 / 256)  // causal: 16 x 17 / 2 of 16 x 16
        #expect(graph.named("L2.ffn_gate")?.gemm?.n == 18432)
        let routed = try #require(graph.named("L3.expert_gate")?.gemm)
        #expect((routed.b, routed.m, routed.n, routed.k) == (128, 1, 2048, 7168))
        let shared = try #require(graph.named("L3.expert_gate.shared")?.gemm)
        #expect((shared.b, shared.m, shared.n) == (1, 16, 2048))
        #expect(graph.named("L3.router")?.gemm?.n == 256)
    }

    /// Gemma 2 alternates: layer 0 slides over 4096 keys, layer 1 attends globally. Prefill of
    /// n = 8192: layer 0 computes w(w+1)/2 + (n - w)w = 8,390,656 + 16,777,216 scores per head,
    /// layer 1 n(n+1)/2 = 33,558,528. Decode at context 8192 reads 4096 cached keys in layer 0 and
    /// 8192 in layer 1, so the cache holds 21 x 4096 + 21 x 8192 tokens of 2 x 8 x 256 elements.
    @Test func gemma2AlternatesSlidingAndGlobalLayers() throws {
        let model = try WorkloadFixtures.yaml("gemma-2-9b")
        let prefill = try WorkloadFixtures.graph(model, .prefill(batch: 1, sequence: 8192))
        let n = 8192.0
        #expect(prefill.named("L0.attn_score")?.gemm?.density == (8_390_656 + 16_777_216) / (n * n))
        #expect(prefill.named("L1.attn_score")?.gemm?.density == 33_558_528 / (n * n))
        #expect(prefill.named("L2.attn_score")?.gemm?.density == prefill.named("L0.attn_score")?.gemm?.density)
        let decode = try WorkloadFixtures.graph(model, .decode(batch: 1, context: 8192))
        #expect(decode.named("L0.attn_score")?.gemm?.n == 4096)
        #expect(decode.named("L1.attn_score")?.gemm?.n == 8192)
        #expect(decode.kvCacheBytes == Double(21 * 4096 + 21 * 8192) * 2 * 8 * 256 * 2)
        // Soft-capping of scores (3 ops each) and of the logits; a norm after attention and after the FFN.
        let softcap = try #require(decode.named("L0.attn_softcap")?.vector)
        #expect(softcap.elements == 16 * 4096)
        #expect(softcap.opsPerElement == 3)
        #expect(decode.named("logit_softcap")?.vector?.elements == Double(256_000))
        #expect(decode.named("L0.attn_post_norm") != nil)
        #expect(decode.named("L0.ffn_post_norm") != nil)
        // head_dim 256 x 16 heads = 4096 is wider than the 3584 hidden size.
        #expect(decode.named("L0.q_proj")?.gemm?.n == 4096)
        #expect(decode.named("L0.o_proj")?.gemm?.k == 4096)
    }

    /// `sliding_window_pattern` n: layers n-1, 2n-1, ... attend globally (Gemma 3 writes 6); 1 makes
    /// every layer global.
    @Test func windowPatternPicksTheGlobalLayers() throws {
        var model = try WorkloadFixtures.yaml("gemma-2-9b")
        #expect((0..<4).map { model.window(layer: $0) } == [4096, nil, 4096, nil])
        model.slidingWindowPattern = 3
        #expect((0..<6).map { model.window(layer: $0) } == [4096, 4096, nil, 4096, 4096, nil])
        model.slidingWindowPattern = 1
        #expect((0..<3).allSatisfy { model.window(layer: $0) == nil })
        model.slidingWindowPattern = nil
        #expect((0..<3).allSatisfy { model.window(layer: $0) == 4096 })
    }

    /// GeGLU charges GELU (8) and the gating multiply (1) per element over gate and up.
    @Test func gegluChargesGELUAndTheGate() throws {
        let graph = try WorkloadFixtures.graph(WorkloadFixtures.yaml("gemma-2b"), .prefill(batch: 1, sequence: 4))
        let act = try #require(graph.named("L0.act")?.vector)
        #expect(act.opsPerElement == 9)
        #expect(act.elements == 4 * 16384)
        #expect(act.bytesRead == 2 * 4 * 16384 * 2)
        #expect(graph.named("L0.ffn_gate")?.gemm?.n == 16384)
    }

    /// Qwen1.5-MoE: 60 routed experts of 1408, a shared expert of 5632 on every token, and a
    /// 2048 x 1 sigmoid gate on the shared expert's output.
    @Test func qwenMoESharedExpertHasItsOwnSize() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("qwen1.5-moe-a2.7b"), .prefill(batch: 1, sequence: 30))
        // 30 tokens x top-4 = 120 pairs over 60 experts: two tokens each.
        let routed = try #require(graph.named("L0.expert_up")?.gemm)
        #expect((routed.b, routed.m, routed.n) == (60, 2, 1408))
        let shared = try #require(graph.named("L0.expert_up.shared")?.gemm)
        #expect((shared.b, shared.m, shared.n) == (1, 30, 5632))
        let gate = try #require(graph.named("L0.shared_gate")?.gemm)
        #expect((gate.m, gate.n, gate.k) == (30, 1, 2048))
    }

    /// Flan-T5-base prefill (batch 1, 64 source tokens) runs the 12 encoder layers with full
    /// attention, then the decoder's first step: self-attention over 1 token, cross-attention over
    /// the 64 encoder outputs whose keys and values are projected and cached once.
    @Test func encoderDecoderPrefillEncodesAndCrossAttends() throws {
        let model = try WorkloadFixtures.yaml("flan-t5-base")
        let prefill = try WorkloadFixtures.graph(model, .prefill(batch: 1, sequence: 64))
        let encoderScore = try #require(prefill.named("enc.L11.attn_score")?.gemm)
        #expect((encoderScore.b, encoderScore.m, encoderScore.n, encoderScore.k) == (12, 64, 64, 64))
        #expect(encoderScore.density == 1)
        // The relative position bias adds one operation per score: 12 heads x 64 x 64.
        #expect(prefill.named("enc.L0.position_bias")?.vector?.elements == Double(12 * 64 * 64))
        #expect(prefill.named("enc.L0.ffn_gate")?.gemm?.n == 2048)
        let cross = try #require(prefill.named("dec.L0.cross_attn_score")?.gemm)
        #expect((cross.b, cross.m, cross.n) == (12, 1, 64))
        #expect(prefill.named("dec.L0.cross_k_proj")?.gemm?.m == 64)
        #expect(prefill.named("dec.L0.cross_kv_append")?.vector?.elements == Double(64 * 2 * 768))
        #expect(prefill.named("dec.L0.attn_score")?.gemm?.n == 1)
        #expect(prefill.named("dec.L0.cross_q_proj")?.gemm?.m == 1)
        #expect(prefill.named("lm_head")?.gemm?.m == 1)
        #expect(prefill.named("dec.L0.attn_norm")?.layer == 12)
        #expect(prefill.tokens == 1)
        // Decode at context 10: no encoder, no cross projections; 12 layers cache 10 + 10 tokens of 2 x 768.
        let decode = try WorkloadFixtures.graph(model, .decode(batch: 1, context: 10))
        #expect(decode.operators.allSatisfy { !$0.name.hasPrefix("enc.") })
        #expect(decode.named("dec.L0.cross_k_proj") == nil)
        #expect(decode.named("dec.L0.cross_attn_score")?.gemm?.n == 10)
        #expect(decode.named("dec.L0.attn_score")?.gemm?.n == 10)
        #expect(decode.kvCacheBytes == 12 * 20 * 2 * 768 * 2)
        // A source of 300 tokens: the cross-attention reads 300 cached keys, the cache holds 10 + 300.
        var options = GraphOptions()
        options.sourceLength = 300
        let long = try WorkloadFixtures.graph(model, .decode(batch: 1, context: 10), options: options)
        #expect(long.named("dec.L0.cross_attn_score")?.gemm?.n == 300)
        #expect(long.named("dec.L0.attn_score")?.gemm?.n == 10)
        #expect(long.kvCacheBytes == 12 * 310 * 2 * 768 * 2)
    }
}
