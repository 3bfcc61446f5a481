import Foundation
import JouleSpec
import Testing

/// Parameter counts of the architectures added for issue 18 (GeGLU, post-norms, multi-head
/// latent attention, shared and dense-first MoE, encoder-decoder), derived by hand from each
/// model's config values and compared with the published totals.
@Suite struct ModernArchitectureCountTests {
    /// Gemma-2B (h 2048, 18 layers, 8 heads, 1 KV head, head_dim 256, GeGLU 16384, vocab 256000, tied):
    /// attention 2048 x 2048 + 2 x 2048 x 256 + 2048 x 2048 = 9,437,184; FFN 3 x 2048 x 16384 = 100,663,296;
    /// norms 2 x 2048. 18 x 110,104,576 = 1,981,882,368, + final norm 2048, + embedding 256000 x 2048 =
    /// 524,288,000 = 2,506,172,416 (Hugging Face's safetensors total for google/gemma-2b).
    @Test func gemma2bByComponent() throws {
        let p = try WorkloadFixtures.yaml("gemma-2b").parameters
        #expect(p.attention == 18 * 9_437_184)
        #expect(p.ffn == 18 * 100_663_296)
        #expect(p.norms == 37 * 2048)
        #expect(p.embedding == 524_288_000)
        #expect(p.head == 0)
        #expect(p.total == 2_506_172_416)
    }

    /// Gemma-7B: head_dim 256 x 16 heads = 4096 is wider than h = 3072, so each of q, k, v, o is
    /// 3072 x 4096 = 12,582,912 (4 x = 50,331,648); FFN 3 x 3072 x 24576 = 226,492,416; norms 2 x 3072.
    /// 28 x 276,830,208 + 3072 + 256000 x 3072 (786,432,000) = 8,537,680,896.
    @Test func gemma7bHeadDimIsDecoupledFromHidden() throws {
        let model = try WorkloadFixtures.yaml("gemma-7b")
        #expect(model.queryWidth == 4096)
        #expect(model.parameters.attention == 28 * 50_331_648)
        #expect(model.parameters.total == 28 * 276_830_208 + 3072 + 786_432_000)
        #expect(model.parameters.total == 8_537_680_896)
    }

    /// Gemma-2-9B has four norms per layer (pre and post, around attention and FFN):
    /// attention 3584 x 4096 x 2 + 3584 x 2048 x 2 = 44,040,192; FFN 3 x 3584 x 14336 = 154,140,672;
    /// norms 4 x 3584 = 14,336. 42 x 198,195,200 + 3584 + 256000 x 3584 = 9,241,705,984.
    @Test func gemma2HasFourNormsPerLayer() throws {
        let p = try WorkloadFixtures.yaml("gemma-2-9b").parameters
        #expect(p.norms == 42 * 4 * 3584 + 3584)
        #expect(p.total == 42 * (44_040_192 + 154_140_672 + 14_336) + 3584 + 917_504_000)
        #expect(p.total == 9_241_705_984)
    }

    /// Qwen1.5-MoE-A2.7B: per layer attention 4 x 2048^2 + 3 x 2048 q/k/v biases = 16,783,360;
    /// 60 routed experts of 3 x 2048 x 1408 = 8,650,752; one shared expert of 3 x 2048 x 5632 =
    /// 34,603,008; router 2048 x 60 = 122,880 and shared-expert gate 2048; norms 2 x 2048.
    /// 24 x 570,560,512 + 2048 + 2 x 151936 x 2048 (untied) = 14,315,784,192: "14.3B" as published.
    /// Active: 4 routed + the shared expert, 24 x 86,118,400 + 2048 + 622,329,856 = 2,689,173,504,
    /// the published "2.7B activated" (the model card's figure is rounded, so the derivation is the test).
    @Test func qwenMoEHasASharedExpertOfItsOwnSizeAndAGate() throws {
        let p = try WorkloadFixtures.yaml("qwen1.5-moe-a2.7b").parameters
        #expect(p.ffn == 24 * (60 * 8_650_752 + 34_603_008))
        #expect(p.router == 24 * (122_880 + 2048))
        #expect(p.total == 24 * 570_560_512 + 2048 + 622_329_856)
        #expect(p.total == 14_315_784_192)
        #expect((Double(p.total) / 1e8).rounded() / 10 == 14.3)
        #expect(p.active == 24 * (16_783_360 + 4 * 8_650_752 + 34_603_008 + 122_880 + 2048 + 4096) + 2048 + 622_329_856)
        #expect((Double(p.active) / 1e8).rounded() / 10 == 2.7)
    }

    /// DeepSeek-V2-Lite, multi-head latent attention without query compression, per layer:
    /// q_proj 2048 x 16 x (128 + 64) = 6,291,456; kv_a_proj_with_mqa 2048 x (512 + 64) = 1,179,648;
    /// kv_a_layernorm 512; kv_b_proj 512 x 16 x (128 + 128) = 2,097,152; o_proj 16 x 128 x 2048 =
    /// 4,194,304: 13,763,072. Layer 0 is dense (3 x 2048 x 10944 = 67,239,936); 26 MoE layers hold 64
    /// routed + 2 shared experts of 3 x 2048 x 1408 = 8,650,752 and a 64 x 2048 router.
    /// Total 27 x 13,763,072 + 67,239,936 + 26 x (66 x 8,650,752 + 131,072) + 55 x 2048 norms
    /// + 2 x 102400 x 2048 = 15,706,484,224: the published "15.7B".
    /// Active (6 routed + 2 shared): 2,661,150,208 counting both vocabulary tables; the paper's
    /// "2.4B activated" is not derivable exactly (without the input embedding it is 2,451,435,008).
    @Test func deepSeekV2LiteByComponent() throws {
        let p = try WorkloadFixtures.yaml("deepseek-v2-lite").parameters
        #expect(p.attention == 27 * 13_763_072)
        #expect(p.ffn == 67_239_936 + 26 * 66 * 8_650_752)
        #expect(p.router == 26 * 131_072)
        #expect(p.norms == 55 * 2048)
        #expect(p.total == 15_706_484_224)
        #expect((Double(p.total) / 1e8).rounded() / 10 == 15.7)
        #expect(p.active == 27 * 13_763_072 + 67_239_936 + 26 * (8 * 8_650_752 + 131_072) + 55 * 2048 + 419_430_400)
        #expect(p.active - p.embedding == 2_451_435_008)
    }

    /// DeepSeek-V3 with query compression, per layer: q_a_proj 7168 x 1536 = 11,010,048; q_a_layernorm
    /// 1536; q_b_proj 1536 x 128 x 192 = 37,748,736; kv_a_proj_with_mqa 7168 x 576 = 4,128,768;
    /// kv_a_layernorm 512; kv_b_proj 512 x 128 x 256 = 16,777,216; o_proj 128 x 128 x 7168 =
    /// 117,440,512: 187,107,328. Three dense layers of 3 x 7168 x 18432 = 396,361,728; 58 MoE layers of
    /// 257 experts x 3 x 7168 x 2048 (44,040,192) and a router of 256 x 7168 + 256 correction biases.
    /// Total 671,026,419,200 (the main model, without the multi-token-prediction module).
    /// Active (8 routed + 1 shared): 37,552,297,472, the published "37B".
    @Test func deepSeekV3ByComponent() throws {
        let p = try WorkloadFixtures.yaml("deepseek-v3").parameters
        #expect(p.attention == 61 * 187_107_328)
        #expect(p.ffn == 3 * 396_361_728 + 58 * 257 * 44_040_192)
        #expect(p.router == 58 * (256 * 7168 + 256))
        #expect(p.norms == 123 * 7168)
        #expect(p.embedding == 129_280 * 7168)
        #expect(p.head == 129_280 * 7168)
        #expect(p.total == 671_026_419_200)
        #expect(p.active == 37_552_297_472)
        #expect(p.active / 1_000_000_000 == 37)
    }

    /// Llama-3.1-405B: attention 2 x 16384^2 + 2 x 16384 x 1024 = 570,425,344; FFN 3 x 16384 x 53248 =
    /// 2,617,245,696; norms 2 x 16384. 126 x 3,187,703,808 + 16384 + 2 x 128256 x 16384 = 405,853,388,800.
    @Test func llama31_405bByComponent() throws {
        let p = try WorkloadFixtures.yaml("llama-3.1-405b").parameters
        #expect(p.total == 126 * (570_425_344 + 2_617_245_696 + 32_768) + 16_384 + 2 * 128_256 * 16_384)
        #expect(p.total == 405_853_388_800)
    }

    /// Flan-T5-base: one 32128 x 768 table shared by both stacks (24,674,304) and an untied LM head of the
    /// same size; encoder layers 4 x 768^2 + 3 x 768 x 2048 + 2 x 768 = 7,079,424; decoder layers add
    /// cross-attention and a third norm, 9,439,488; a 32 x 12 relative bias and a final norm per stack.
    /// 2 x 24,674,304 + 12 x 7,079,424 + 12 x 9,439,488 + 2 x 384 + 2 x 768 = 247,577,856.
    @Test func flanT5BaseHasCrossAttention() throws {
        let model = try WorkloadFixtures.yaml("flan-t5-base")
        let p = model.parameters
        #expect(model.decoderStack?.layers == 12)
        #expect(p.attention == 12 * 4 * 589_824 + 12 * 8 * 589_824)
        #expect(p.embedding == 24_674_304 + 2 * 384)
        #expect(p.total == 2 * 24_674_304 + 12 * 7_079_424 + 12 * 9_439_488 + 2 * 384 + 2 * 768)
        #expect(p.total == 247_577_856)
    }

    /// DeepSeek-V2 paper, section 2.1.4 and Table 1: MLA caches (d_c + d_h^R) x l = (512 + 64) x l
    /// elements per token, about 9/2 x d_h x l with d_h = 128, against 2 x n_h x d_h x l for MHA.
    @Test func latentAttentionCachesTheLatentAndTheRopeKey() throws {
        let lite = try WorkloadFixtures.yaml("deepseek-v2-lite")
        #expect(lite.kvElementsPerLayer == 512 + 64)
        #expect(Double(lite.kvElementsPerLayer) == 4.5 * 128)
        // The same heads as MHA would cache 2 x 16 x 128 per layer: 4096 / 576, about 7.1 times more.
        #expect(2 * lite.heads * 128 == 4096)
        let graph = try WorkloadFixtures.graph(lite, .decode(batch: 1, context: 1024))
        #expect(graph.kvBytesPerToken == 27.0 * 576 * 2)  // bf16
        let gqa = try WorkloadFixtures.yaml("llama-3.1-405b")
        #expect(gqa.kvElementsPerLayer == 2 * 8 * 128)
    }
}
