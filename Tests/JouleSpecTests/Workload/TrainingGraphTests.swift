import Foundation
import JouleSpec
import Testing

/// Training: forward, both backward GEMMs of every forward GEMM, then AdamW.
@Suite struct TrainingGraphTests {
    /// A model trained on a small batch, and the MACs its backward pass must have.
    struct TrainingCase: Sendable, CustomTestStringConvertible {
        let model: String
        let batch: Int
        let sequence: Int
        /// Whether the first GEMM reads raw pixels (no input gradient is needed for it).
        let patchEmbedding: Bool
        var testDescription: String { model }
    }

    static let cases: [TrainingCase] = [
        TrainingCase(model: "llama-2-7b", batch: 1, sequence: 2048, patchEmbedding: false),
        TrainingCase(model: "gpt2", batch: 8, sequence: 1024, patchEmbedding: false),
        TrainingCase(model: "mixtral-8x7b", batch: 2, sequence: 512, patchEmbedding: false),
        TrainingCase(model: "bert-base-uncased", batch: 4, sequence: 512, patchEmbedding: false),
        TrainingCase(model: "vit-base-patch16-224", batch: 16, sequence: 197, patchEmbedding: true),
    ]

    static func training(_ c: TrainingCase) throws -> Graph {
        try WorkloadFixtures.graph(WorkloadFixtures.yaml(c.model), .training(batch: c.batch, sequence: c.sequence))
    }

    /// dX = dY · Wᵀ and dW = Xᵀ · dY each take as many MACs as Y = X · W.
    @Test(arguments: cases)
    func everyForwardGEMMHasBothGradientsWithTheSameMACs(_ c: TrainingCase) throws {
        let graph = try Self.training(c)
        let byName = Dictionary(graph.operators.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byName.count == graph.operators.count, "operator names are unique")
        let forward = graph.operators.filter { $0.pass == .forward && $0.gemm != nil }
        #expect(!forward.isEmpty)
        for op in forward {
            let macs = try #require(op.gemm).macs
            let wgrad = try #require(byName[op.name + ".wgrad"]?.gemm, "\(op.name) has no weight gradient")
            #expect(byName[op.name + ".wgrad"]?.pass == .backwardWeight)
            #expect(wgrad.macs == macs, "\(op.name).wgrad")
            if op.role == .patchEmbedding {
                #expect(byName[op.name + ".dgrad"] == nil, "no gradient is propagated into the pixels")
            } else {
                let dgrad = try #require(byName[op.name + ".dgrad"]?.gemm, "\(op.name) has no input gradient")
                #expect(byName[op.name + ".dgrad"]?.pass == .backwardData)
                #expect(dgrad.macs == macs, "\(op.name).dgrad")
            }
        }
    }

    /// Backward GEMM MACs = 2 x forward GEMM MACs, less the patch projection's input gradient.
    /// ViT-Base/16 at batch 16: that projection is 16 x 196 x 768 x 768 MACs.
    @Test(arguments: cases)
    func backwardGEMMsAreTwiceTheForward(_ c: TrainingCase) throws {
        let graph = try Self.training(c)
        func macs(_ pass: Pass) -> Double {
            graph.operators.filter { $0.pass == pass }.reduce(0) { $0 + ($1.gemm?.macs ?? 0) }
        }
        let skipped: Double = c.patchEmbedding ? 16 * 196 * 768 * 768 : 0
        #expect(macs(.backwardData) + macs(.backwardWeight) == 2 * macs(.forward) - skipped)
        #expect(macs(.backwardData) == macs(.forward) - skipped)
        #expect(macs(.backwardWeight) == macs(.forward))
    }

    /// A decoder's training step costs about 3x its forward pass: the rest is vector work and the
    /// optimizer, 12 x 6.7e9 = 8.1e10 operations against about 8e13.
    @Test(arguments: ["llama-2-7b", "gpt2", "mistral-7b"])
    func decoderTrainingStepIsAboutThreeForwardPasses(_ name: String) throws {
        let graph = try WorkloadFixtures.graph(WorkloadFixtures.yaml(name), .training(batch: 1, sequence: 1024))
        let forward = graph.operators.filter { $0.pass == .forward }.reduce(0) { $0 + $1.flops }
        #expect(abs(graph.flops / forward - 3) < 0.01, "ratio \(graph.flops / forward)")
    }

    /// Training scores every token (logits for all 1024 positions) and holds no KV cache; the
    /// attention's second operand is an activation, not a cache.
    @Test func trainingScoresEveryTokenAndHasNoCache() throws {
        let graph = try WorkloadFixtures.graph(WorkloadFixtures.yaml("gpt2"), .training(batch: 8, sequence: 1024))
        let head = try #require(graph.gemms(.lmHead).first)
        #expect(head.m == 8 * 1024 && head.n == 50257)
        #expect(graph.ops(.loss).count == 1)
        #expect(graph.ops(.kvAppend).isEmpty)
        #expect(graph.kvCacheBytes == 0)
        #expect(graph.gemms(.attnScore).allSatisfy { $0.second == .activation })
    }

    /// AdamW updates each parameter once: one optimizer operator over 124,439,808 elements for
    /// GPT-2, reading weight, gradient and two fp32 moments and writing weight and moments.
    @Test func adamWHasOneElementPerParameter() throws {
        let graph = try WorkloadFixtures.graph(WorkloadFixtures.yaml("gpt2"), .training(batch: 1, sequence: 1024))
        let optimizer = graph.operators.filter { $0.pass == .optimizer }
        #expect(optimizer.count == 1)
        let adamW = try #require(optimizer.first?.vector)
        #expect(optimizer.first?.role == .optimizer)
        #expect(adamW.elements == 124_439_808)
        // bf16 weight + bf16 gradient + 2 x 4-byte moments read; weight + moments written.
        #expect(adamW.bytesRead == 124_439_808 * (2 + 2 + 8))
        #expect(adamW.bytesWritten == 124_439_808 * (2 + 8))
        #expect(graph.operators.last?.pass == .optimizer)
    }
}
