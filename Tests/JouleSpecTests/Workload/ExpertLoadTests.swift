import Foundation
import JouleSpec
import Testing
import YAML

/// MoE expert load as a distribution: the batched expert GEMM is timed by its busiest expert
/// (or its capacity) and charged by the rows routed. Mixtral 8x7B prefill of 16 tokens, top-2:
/// 32 token-expert pairs over 8 experts; each expert is 3 x 4096 x 14336.
@Suite struct ExpertLoadTests {
    static let mixtral = Result { try WorkloadFixtures.yaml("mixtral-8x7b") }

    func expertUp(_ load: ExpertLoad) throws -> (GEMM, Graph) {
        var options = GraphOptions()
        options.expertLoad = load
        let graph = try WorkloadFixtures.graph(Self.mixtral.get(), .prefill(batch: 1, sequence: 16), options: options)
        return (try #require(graph.named("L0.expert_up")?.gemm), graph)
    }

    /// Shares 1/2, 1/4, 1/8, 1/8 (and 0 for four experts): 16, 8, 4 and 4 pairs. Four experts run,
    /// padded to the busiest's 16 rows: time of 4 x 16 rows, energy of 32 rows (density 1/2).
    @Test func sharesSizeTheBatchByTheBusiestExpert() throws {
        let (up, _) = try expertUp(ExpertLoad(shares: [0.5, 0.25, 0.125, 0.125, 0, 0, 0, 0]))
        #expect((up.b, up.m, up.n, up.k) == (4, 16, 14336, 4096))
        #expect(up.density == 0.5)
        #expect(up.macs == 32 * 14336 * 4096)
        #expect(up.busyMACs == 64 * 14336 * 4096)
        #expect(up.inputElements == 32 * 4096)
        #expect(up.outputElements == 32 * 14336)
        #expect(up.secondElements == 4 * 4096 * 14336)
    }

    /// Capacity factor 1.25, uniform routing: C = ceil(1.25 x 32 / 8) = 5 rows for all 8 experts,
    /// 40 padded rows of which 32 carry tokens.
    @Test func capacityPadsEveryExpert() throws {
        let (up, graph) = try expertUp(ExpertLoad(capacityFactor: 1.25))
        #expect((up.b, up.m) == (8, 5))
        #expect(up.density == 0.8)
        #expect(up.busyMACs == 40 * 14336 * 4096)
        #expect(graph.warnings.isEmpty)
    }

    /// Capacity 1.0 under the skewed shares: C = 4, so the experts keep 4 + 4 + 4 + 4 = 16 pairs
    /// and 16 are dropped, with a warning; the combine adds only the kept pairs.
    @Test func pairsPastTheCapacityAreDropped() throws {
        let (up, graph) = try expertUp(ExpertLoad(shares: [0.5, 0.25, 0.125, 0.125, 0, 0, 0, 0], capacityFactor: 1))
        #expect((up.b, up.m) == (8, 4))
        #expect(up.macs == 16 * 14336 * 4096)
        #expect(graph.warnings.contains { $0.contains("16 of 32 token-expert pairs") })
        #expect(graph.named("L0.expert_combine")?.vector?.elements == Double(16 * 4096))
    }

    /// Uniform load keeps the balanced split: 32 pairs over 8 experts is 4 tokens each, unpadded.
    @Test func uniformIsTheBalancedSplit() throws {
        let (up, _) = try expertUp(.uniform)
        #expect((up.b, up.m, up.density, up.padded) == (8, 4, 1, false))
    }

    /// Largest-remainder rounding: 10 pairs at 1/3 each are 4, 3, 3.
    @Test func sharesRoundByLargestRemainder() {
        let load = ExpertLoad(shares: [1.0 / 3, 1.0 / 3, 1.0 / 3])
        #expect(load.pairsPerExpert(pairs: 10, experts: 3) == [4, 3, 3])
        #expect(ExpertLoad.uniform.pairsPerExpert(pairs: 10, experts: 4) == [3, 3, 2, 2])
        #expect(ExpertLoad(capacityFactor: 1.25).capacity(pairs: 10, experts: 4) == 4)
    }

    /// The model file's `moe.load` is read, and a flag-set load replaces it.
    @Test func modelFileLoadIsRead() throws {
        let text = """
            name: tiny-moe
            hidden_size: 64
            layers: 1
            heads: 4
            ffn: { size: 128, kind: swiglu }
            vocab_size: 100
            max_positions: 64
            moe: { experts: 4, top_k: 1, load: { shares: [0.7, 0.1, 0.1, 0.1], capacity_factor: 2 } }
            """
        let model = try YAMLDecoder().decode(ModelConfig.self, from: text, path: "tiny-moe.yaml")
        #expect(model.moe?.load == ExpertLoad(shares: [0.7, 0.1, 0.1, 0.1], capacityFactor: 2))
        // 10 tokens: 7, 1, 1, 1 pairs; capacity ceil(2 x 10 / 4) = 5 keeps 5 + 1 + 1 + 1 = 8.
        let graph = try WorkloadFixtures.graph(model, .prefill(batch: 1, sequence: 10))
        let up = try #require(graph.named("L0.expert_up")?.gemm)
        #expect((up.b, up.m, up.macs) == (4, 5, 8 * 128 * 64))
    }
}
