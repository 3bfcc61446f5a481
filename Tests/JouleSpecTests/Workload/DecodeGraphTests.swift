import Foundation
import JouleSpec
import Testing

/// Decode: one new token per sequence against a KV cache.
@Suite struct DecodeGraphTests {
    /// A decode step and the FLOPs per token expected from the rule of thumb
    /// 2 x (non-embedding active parameters) + 4 x layers x context x heads x head_dim.
    struct PerTokenCase: Sendable, CustomTestStringConvertible {
        let model: String
        let batch: Int
        let context: Int
        /// Active parameters outside the embedding table, by hand (see each case).
        let nonEmbeddingActive: Double
        let layers: Double
        let heads: Double
        let headDim: Double

        var expected: Double { 2 * nonEmbeddingActive + 4 * layers * Double(context) * heads * headDim }
        var testDescription: String { "\(model) batch \(batch) context \(context)" }
    }

    /// Llama-2-7B: 6,738,415,616 - 32000 x 4096 = 6,607,343,616.
    /// Mixtral 8x7B: 12,879,925,248 active (2 of 8 experts, see ParameterCountTests) - 32000 x 4096
    /// = 12,748,853,248; attention uses the 32 query heads (the 8 KV heads change bytes, not FLOPs).
    static let perToken: [PerTokenCase] = [
        PerTokenCase(
            model: "llama-2-7b", batch: 1, context: 2048, nonEmbeddingActive: 6_607_343_616, layers: 32, heads: 32,
            headDim: 128),
        PerTokenCase(
            model: "llama-2-7b", batch: 64, context: 2048, nonEmbeddingActive: 6_607_343_616, layers: 32, heads: 32,
            headDim: 128),
        PerTokenCase(
            model: "mixtral-8x7b", batch: 1, context: 2048, nonEmbeddingActive: 12_748_853_248, layers: 32,
            heads: 32, headDim: 128),
        PerTokenCase(
            model: "mixtral-8x7b", batch: 64, context: 2048, nonEmbeddingActive: 12_748_853_248, layers: 32,
            heads: 32, headDim: 128),
    ]

    @Test(arguments: perToken)
    func flopsPerTokenAreTwicePerActiveParameterPlusAttention(_ c: PerTokenCase) throws {
        let model = try WorkloadFixtures.yaml(c.model)
        let graph = try WorkloadFixtures.graph(model, .decode(batch: c.batch, context: c.context))
        #expect(graph.tokens == c.batch)
        let perToken = graph.flops / Double(graph.tokens)
        #expect(abs(perToken - c.expected) / c.expected < 0.01, "\(perToken) vs \(c.expected)")
    }

    /// Decode attends over the whole cache: the score GEMM is 1 query x 2048 keys per head,
    /// unmasked, and K and V are read from the cache once per step. Llama-2-7B holds
    /// 2048 x 524,288 = 1 GiB per sequence; the attention GEMMs' second operands read exactly that.
    @Test(arguments: [1, 8])
    func decodeReadsTheWholeKVCacheOnce(_ batch: Int) throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: batch, context: 2048))
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.b == batch * 32 && score.m == 1 && score.n == 2048 && score.k == 128)
        #expect(score.density == 1)
        #expect(score.second == .kvCache)
        let cacheReads = (graph.gemms(.attnScore) + graph.gemms(.attnContext)).reduce(0) { $0 + $1.secondBytes }
        #expect(cacheReads == Double(batch) * 1_073_741_824)
        #expect(graph.kvCacheBytes == Double(batch) * 1_073_741_824)
    }

    /// Mistral's 4096-token sliding window: at context 8192 each new token attends over 4096
    /// keys, and the (rolling) cache holds 4096 tokens of 2 x 32 x (8 x 128) x 2 = 131,072 bytes.
    @Test func mistralSlidingWindowCapsTheKeysAt4096() throws {
        let model = try WorkloadFixtures.yaml("mistral-7b")
        let graph = try WorkloadFixtures.graph(model, .decode(batch: 1, context: 8192))
        #expect(graph.keyLength == 4096)
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.n == 4096)
        #expect(graph.gemms(.attnContext).allSatisfy { $0.k == 4096 })
        #expect(graph.kvBytesPerToken == 131_072)
        #expect(graph.kvCacheBytes == 4096 * 131_072)
        let attention = (graph.gemms(.attnScore) + graph.gemms(.attnContext)).reduce(0) { $0 + $1.flops }
        #expect(attention == 4 * 32 * 4096 * 32 * 128)
        // Below the window the whole context is attended.
        let short = try WorkloadFixtures.graph(model, .decode(batch: 1, context: 2048))
        #expect(short.keyLength == 2048)
        #expect(short.warnings.isEmpty)
    }

    /// Mistral prefill of 8192 tokens with a 4096 window: query i sees min(i + 1, 4096) keys,
    /// 4096 x 4097 / 2 + (8192 - 4096) x 4096 = 25,167,872 scores per head.
    @Test func mistralSlidingWindowMasksPrefillScores() throws {
        let graph = try WorkloadFixtures.graph(WorkloadFixtures.yaml("mistral-7b"), .prefill(batch: 1, sequence: 8192))
        let score = try #require(graph.gemms(.attnScore).first)
        #expect(score.outputElements == 32 * 25_167_872)
        #expect(score.macs == 32 * 25_167_872 * 128)
    }

    /// At batch 1 each of Mixtral's 32 layers routes its token to top_k = 2 experts, so exactly two
    /// experts' weights are read: 2 x (3 x 4096 x 14336) x 2 bytes = 704,643,072 bytes per layer.
    /// At batch 64 the 128 token-expert pairs cover all 8 experts (16 tokens each).
    struct ExpertCase: Sendable, CustomTestStringConvertible {
        let batch: Int
        let experts: Int
        let tokensPerExpert: Int
        var testDescription: String { "batch \(batch)" }
    }

    @Test(arguments: [
        ExpertCase(batch: 1, experts: 2, tokensPerExpert: 1), ExpertCase(batch: 64, experts: 8, tokensPerExpert: 16),
    ])
    func moeDecodeReadsOnlyTheRoutedExperts(_ c: ExpertCase) throws {
        let graph = try WorkloadFixtures.graph(
            WorkloadFixtures.yaml("mixtral-8x7b"), .decode(batch: c.batch, context: 2048))
        let expertRoles: [OperatorRole] = [.expertGate, .expertUp, .expertDown]
        for layer in 0..<32 {
            let gemms = graph.operators.filter { $0.layer == layer && expertRoles.contains($0.role) }.compactMap(\.gemm)
            #expect(gemms.count == 3)
            let bytes = gemms.reduce(0) { $0 + $1.secondBytes }
            #expect(bytes == Double(c.experts) * 3 * 4096 * 14336 * 2)
            #expect(gemms.allSatisfy { $0.b == c.experts && $0.m == c.tokensPerExpert })
        }
        #expect(graph.ops(.ffnGate).isEmpty)
        let router = try #require(graph.gemms(.router).first)
        #expect(router.m == c.batch && router.n == 8 && router.k == 4096)
    }

    @Test func encodersCannotDecode() throws {
        let model = try WorkloadFixtures.yaml("bert-base-uncased")
        let error = #expect(throws: GraphBuildError.self) {
            try WorkloadFixtures.graph(model, .decode(batch: 1, context: 128))
        }
        #expect(error?.message.contains("decode needs a decoder") == true)
    }

    @Test func contextPastMaxPositionsIsAWarningNotAnError() throws {
        let graph = try WorkloadFixtures.graph(WorkloadFixtures.yaml("llama-2-7b"), .decode(batch: 1, context: 99999))
        #expect(graph.warnings == ["context 99999 exceeds llama-2-7b's max_positions 4096"])
        #expect(graph.keyLength == 99999)
    }
}
