import Foundation
import JouleSpec
import Testing

/// Llama-2-7B prefill of one 2048-token sequence in bf16, every figure derived by hand from
/// the config (h = 4096, 32 layers, 32 heads of 128, FFN 11008, vocabulary 32000).
@Suite struct PrefillGraphTests {
    static let sequence = 2048

    static func llamaPrefill(
        batch: Int = 1, precision: PrecisionConfig = .standard, options: GraphOptions = GraphOptions()
    ) throws -> Graph {
        try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .prefill(batch: batch, sequence: sequence), precision: precision,
            options: options)
    }

    /// A projection or FFN matrix and its FLOPs per layer.
    struct Projection: Sendable, CustomTestStringConvertible {
        let role: OperatorRole
        let n: Int
        let k: Int
        let flops: Double
        var testDescription: String { role.rawValue }
    }

    /// 2 x 2048 x 4096 x 4096 = 68,719,476,736 (68.72 GFLOP); 2 x 2048 x 4096 x 11008 = 184,683,593,728 (184.68 GFLOP).
    static let projections: [Projection] = [
        Projection(role: .qProj, n: 4096, k: 4096, flops: 68_719_476_736),
        Projection(role: .kProj, n: 4096, k: 4096, flops: 68_719_476_736),
        Projection(role: .vProj, n: 4096, k: 4096, flops: 68_719_476_736),
        Projection(role: .oProj, n: 4096, k: 4096, flops: 68_719_476_736),
        Projection(role: .ffnGate, n: 11008, k: 4096, flops: 184_683_593_728),
        Projection(role: .ffnUp, n: 11008, k: 4096, flops: 184_683_593_728),
        Projection(role: .ffnDown, n: 4096, k: 11008, flops: 184_683_593_728),
    ]

    @Test(arguments: projections)
    func everyLayerHasOneProjectionOfTheHandDerivedFLOPs(_ projection: Projection) throws {
        let graph = try Self.llamaPrefill()
        let ops = graph.ops(projection.role)
        #expect(ops.count == 32)
        #expect(Set(ops.compactMap(\.layer)) == Set(0..<32))
        for op in ops {
            let gemm = try #require(op.gemm)
            #expect(gemm.b == 1 && gemm.m == 2048 && gemm.n == projection.n && gemm.k == projection.k)
            #expect(gemm.second == .weight)
            #expect(op.flops == projection.flops)
            // The weight is read once: n x k bf16 values.
            #expect(gemm.secondBytes == Double(projection.n * projection.k * 2))
        }
    }

    /// K and V of 32 layers x 4096 wide x 2 bytes: 2 x 32 x 4096 x 2 = 524,288 bytes per token,
    /// so a 2048-token prompt leaves 2048 x 524,288 = 1 GiB in the cache.
    @Test(arguments: ["fp16", "bf16"])
    func kvCacheIsHalfAMebibytePerToken(_ precision: String) throws {
        let graph = try Self.llamaPrefill(precision: PrecisionConfig(parsing: precision))
        #expect(graph.kvBytesPerToken == 524_288)
        #expect(graph.kvCacheBytes == 1_073_741_824)
        let appended = graph.ops(.kvAppend).compactMap(\.vector)
        #expect(appended.count == 32)
        // Each layer writes K and V of 2048 tokens: 2 x 2048 x 4096 values of 2 bytes.
        #expect(appended.allSatisfy { $0.bytesWritten == 2 * 2048 * 4096 * 2 })
    }

    /// Causal attention computes 2048 x 2049 / 2 = 2,098,176 scores per head instead of
    /// 2048^2 = 4,194,304; 32 heads, 128 dimensions each.
    @Test func causalAttentionCountsTheLowerTriangle() throws {
        let graph = try Self.llamaPrefill()
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.b == 32 && score.m == 2048 && score.n == 2048 && score.k == 128)
        #expect(score.outputElements == 32 * 2_098_176)
        #expect(score.macs == 32 * 2_098_176 * 128)
        let context = try #require(graph.gemms(.attnContext).first)
        #expect(context.b == 32 && context.m == 2048 && context.n == 128 && context.k == 2048)
        #expect(context.macs == 32 * 2_098_176 * 128)
        #expect(context.inputElements == 32 * 2_098_176)
        let softmax = try #require(graph.ops(.softmax).first?.vector)
        #expect(softmax.elements == 32 * 2_098_176)
    }

    @Test func fullAttentionCountsTheWholeScoreMatrix() throws {
        let graph = try Self.llamaPrefill(options: GraphOptions(attention: .full))
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.density == 1)
        #expect(score.outputElements == 32 * 4_194_304)
        #expect(score.macs == 32 * 4_194_304 * 128)
        let context = try #require(graph.gemms(.attnContext).first)
        #expect(context.macs == 32 * 4_194_304 * 128)
    }

    /// Which tokens reach the LM head, and how many rows that makes for a batch of 4.
    struct LogitsCase: Sendable, CustomTestStringConvertible {
        let logits: GraphOptions.Logits
        let rows: Int
        var testDescription: String { logits.rawValue }
    }

    /// `last`: one row of logits per sequence (M = batch); `all`: every token (M = batch x sequence).
    @Test(arguments: [LogitsCase(logits: .last, rows: 4), LogitsCase(logits: .all, rows: 4 * 2048)])
    func lmHeadRowsFollowTheLogitsOption(_ c: LogitsCase) throws {
        let graph = try Self.llamaPrefill(batch: 4, options: GraphOptions(logits: c.logits))
        let head = try #require(graph.gemms(.lmHead).first)
        #expect(graph.gemms(.lmHead).count == 1)
        #expect(head.m == c.rows && head.n == 32000 && head.k == 4096)
        #expect(head.flops == 2 * Double(c.rows) * 32000 * 4096)
    }

    /// An encoder always attends both ways: BERT's 512-token scores are the full 512^2 per head,
    /// and it has no KV cache and no LM head.
    @Test func encoderAttentionIsFullAndUncached() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("bert-base-uncased"), .prefill(batch: 1, sequence: 512))
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.b == 12 && score.macs == 12 * 512 * 512 * 64)
        #expect(score.second == .activation)
        #expect(graph.ops(.kvAppend).isEmpty)
        #expect(graph.ops(.lmHead).isEmpty)
        #expect(graph.kvCacheBytes == 0)
        #expect(graph.gemms(.pooler).count == 1)
    }

    /// ViT-Base/16 sees (224/16)^2 = 196 patches plus a class token: the patch projection is a
    /// 196 x 768 x (3 x 16 x 16 = 768) GEMM and every layer runs on 197 tokens.
    @Test func visionEncoderRunsOnPatchesAndTheClassToken() throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("vit-base-patch16-224"), .prefill(batch: 2, sequence: 197))
        let patch = try #require(graph.gemms(.patchEmbedding).first)
        #expect(patch.m == 2 * 196 && patch.n == 768 && patch.k == 768)
        #expect(graph.tokens == 2 * 197)
        #expect(graph.gemms(.qProj).allSatisfy { $0.m == 2 * 197 })
        let classifier = try #require(graph.gemms(.classifier).first)
        #expect(classifier.m == 2 && classifier.n == 1000)
    }

    @Test func sequencePastMaxPositionsIsAWarning() throws {
        let model = try WorkloadFixtures.yaml("llama-2-7b")
        let graph = try WorkloadFixtures.graph(model, .prefill(batch: 1, sequence: 8192))
        #expect(graph.warnings.count == 1)
        #expect(graph.warnings.first?.contains("exceeds") == true)
        #expect(graph.warnings.first?.contains("4096") == true)
        #expect(try Self.llamaPrefill().warnings.isEmpty)
    }

    @Test(arguments: [
        Phase.prefill(batch: 0, sequence: 16), .prefill(batch: 1, sequence: 0), .training(batch: -1, sequence: 8),
    ])
    func nonPositiveSizesAreBuildErrors(_ phase: Phase) throws {
        let model = try WorkloadFixtures.yaml("gpt2")
        #expect(throws: GraphBuildError.self) { try WorkloadFixtures.graph(model, phase) }
    }
}
