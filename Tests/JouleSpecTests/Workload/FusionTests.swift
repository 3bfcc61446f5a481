import Foundation
import JouleSpec
import Testing

/// Fusion keeps tensors on chip: the graph's compulsory DRAM bytes drop by exactly the traffic
/// of those tensors, and no operation is lost.
///
/// Llama-2-7B in bf16 (2 bytes), h = 4096, f = 11008, 32 layers, 32 heads. With t tokens and S
/// attention scores per layer (all heads):
///
/// - Attention fusion (FlashAttention): unfused, the score GEMM writes S values, softmax reads S
///   and writes S, and the context GEMM reads S: 4 x S x 2 bytes per layer leave the chip; fused,
///   none do.
/// - Epilogue fusion, per layer: two norms (read t·h, write t·h each: 8·t·h bytes), two residual
///   adds (read 2·t·h, write t·h each: 12·t·h), RoPE over q and k (2·t·h values read and written:
///   8·t·h), the K/V append (2·t·h values read and written: 8·t·h; the K/V projection's own
///   output write then is the cache write), and the SwiGLU gate (read 2·t·f, write t·f: 6·t·f);
///   plus the final norm (4·t·h). In all, 32 x (36·t·h + 6·t·f) + 4·t·h bytes.
@Suite struct FusionTests {
    struct FusionCase: Sendable, CustomTestStringConvertible {
        let label: String
        let phase: Phase
        let attention: Bool
        let epilogues: Bool
        /// Compulsory bytes that must disappear, by hand.
        let drop: Double
        var testDescription: String { label }
    }

    /// Prefill of 2048 tokens: S = 32 x 2048 x 2049 / 2 = 67,141,632 (causal), so attention
    /// fusion saves 32 x 4 x 67,141,632 x 2 = 17,188,257,792 bytes. t·h = 8,388,608 and
    /// t·f = 22,544,384, so epilogue fusion saves 32 x (36 x 8,388,608 + 6 x 22,544,384)
    /// + 4 x 8,388,608 = 14,025,752,576 bytes.
    /// Decode at context 2048, batch 1: S = 32 x 2048 = 65,536, saving 32 x 4 x 65,536 x 2 =
    /// 16,777,216 bytes; t = 1, so epilogues save 32 x (36 x 4096 + 6 x 11008) + 4 x 4096 = 6,848,512.
    static let cases: [FusionCase] = [
        FusionCase(
            label: "prefill attention", phase: .prefill(batch: 1, sequence: 2048), attention: true, epilogues: false,
            drop: 17_188_257_792),
        FusionCase(
            label: "prefill epilogues", phase: .prefill(batch: 1, sequence: 2048), attention: false, epilogues: true,
            drop: 14_025_752_576),
        FusionCase(
            label: "prefill both", phase: .prefill(batch: 1, sequence: 2048), attention: true, epilogues: true,
            drop: 17_188_257_792 + 14_025_752_576),
        FusionCase(
            label: "decode attention", phase: .decode(batch: 1, context: 2048), attention: true, epilogues: false,
            drop: 16_777_216),
        FusionCase(
            label: "decode epilogues", phase: .decode(batch: 1, context: 2048), attention: false, epilogues: true,
            drop: 6_848_512),
    ]

    @Test(arguments: cases)
    func compulsoryBytesDropByTheFusedTensors(_ c: FusionCase) throws {
        let model = try WorkloadFixtures.yaml("llama-2-7b")
        let plain = try WorkloadFixtures.graph(model, c.phase)
        let fused = try WorkloadFixtures.graph(
            model, c.phase, options: GraphOptions(fusedAttention: c.attention, fusedEpilogues: c.epilogues))
        #expect(plain.compulsoryBytes - fused.compulsoryBytes == c.drop)
        // Fusion moves bytes, not work.
        #expect(fused.flops == plain.flops)
        #expect(fused.operators.count == plain.operators.count)
    }

    @Test func attentionFusionKeepsScoresOnChip() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .prefill(batch: 1, sequence: 2048),
            options: GraphOptions(fusedAttention: true))
        for op in graph.ops(.attnScore) {
            let gemm = try #require(op.gemm)
            #expect(gemm.outputOnChip && !gemm.inputOnChip)
            // Only q (2048 x 4096) and k (2048 x 4096) are read, 2 bytes each.
            #expect(op.compulsoryBytes == 2 * 2048 * 4096 * 2)
        }
        for op in graph.ops(.attnContext) {
            let gemm = try #require(op.gemm)
            #expect(gemm.inputOnChip && !gemm.outputOnChip)
        }
        #expect(graph.ops(.softmax).allSatisfy { $0.vector?.fused == true && $0.compulsoryBytes == 0 })
        // Nothing else is fused.
        #expect(graph.ops(.norm).allSatisfy { $0.compulsoryBytes > 0 })
    }

    @Test(arguments: [OperatorRole.norm, .act, .residual, .rope, .kvAppend])
    func epilogueFusionZeroesTheBytesOfElementwiseOperators(_ role: OperatorRole) throws {
        let model = try WorkloadFixtures.yaml("llama-2-7b")
        let plain = try WorkloadFixtures.graph(model, .prefill(batch: 1, sequence: 512))
        let fused = try WorkloadFixtures.graph(
            model, .prefill(batch: 1, sequence: 512), options: GraphOptions(fusedEpilogues: true))
        let before = plain.ops(role)
        let after = fused.ops(role)
        #expect(!after.isEmpty)
        #expect(after.count == before.count)
        #expect(before.allSatisfy { $0.compulsoryBytes > 0 })
        #expect(after.allSatisfy { $0.compulsoryBytes == 0 && $0.vector?.fused == true })
        #expect(zip(before, after).allSatisfy { $0.flops == $1.flops })
        // GEMMs and the softmax keep their traffic.
        #expect(fused.ops(.softmax).allSatisfy { $0.compulsoryBytes > 0 })
        let gemmBytes = { (graph: Graph) in
            graph.operators.filter { $0.gemm != nil }.reduce(0) { $0 + $1.compulsoryBytes }
        }
        #expect(gemmBytes(fused) == gemmBytes(plain))
    }

    /// FFN fusion keeps the intermediate on chip: per layer the gate and up outputs (t·f each)
    /// are not written, the activation neither reads them nor writes its t·f output, and down
    /// does not read it: 2·t·f + (2·t·f + t·f) + t·f = 6·t·f elements of 2 bytes. Llama-2-7B
    /// prefill of 512 tokens, 32 layers: 32 x 6 x 512 x 11,008 x 2 bytes.
    @Test func ffnFusionKeepsTheIntermediateOnChip() throws {
        let model = try WorkloadFixtures.yaml("llama-2-7b")
        let phase = Phase.prefill(batch: 1, sequence: 512)
        let plain = try WorkloadFixtures.graph(model, phase)
        var options = GraphOptions()
        let known = options.setFusion("ffn")
        #expect(known)
        let fused = try WorkloadFixtures.graph(model, phase, options: options)
        let drop = 32 * 6 * 512 * 11008 * 2.0
        #expect(plain.compulsoryBytes - fused.compulsoryBytes == drop)
        #expect(fused.flops == plain.flops)
    }

    /// The fusion words: lists, role chains, auto (which flags nothing: an ideal roofline counts
    /// chains unfused) and what each is called back; a wrong word names the part at fault.
    @Test func fusionWordsSetTheirGroups() {
        var options = GraphOptions()
        var accepted = options.setFusion("attention,epilogues")
        #expect(accepted)
        #expect(options.fusedAttention && options.fusedEpilogues && !options.fusedFFN && !options.fusionSearch)
        #expect(options.fusionName == "attention,epilogues")
        accepted = options.setFusion("ffn_gate>ffn_up>act>ffn_down")
        #expect(accepted)
        #expect(options.fusedFFN && !options.fusedAttention)
        accepted = options.setFusion("auto")
        #expect(accepted)
        #expect(options.fusionSearch && !options.fusedAttention && !options.fusedFFN)
        #expect(options.fusionName == "auto")
        accepted = options.setFusion("on")
        #expect(accepted && options.fusionName == "on")
        accepted = options.setFusion("none")
        #expect(accepted && options.fusionName == "off")
        #expect(
            GraphOptions.fusionProblem("ffn_up>attn_context")?.contains("ffn_up does not feed attn_context") == true)
        #expect(GraphOptions.fusionProblem("attention,flash")?.contains("unknown fusion 'flash'") == true)
        #expect(GraphOptions.fusionProblem("softmax>bogus")?.contains("no operator role 'bogus'") == true)
    }
}
