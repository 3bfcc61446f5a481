import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// Gradient all-reduces under expert parallelism, by hand from Mixtral 8x7B's shapes: 32
/// layers, hidden 4096, 8 experts of 3 x 4096 x 14336 (SwiGLU), published total 46,702,792,704.
struct GradientSynchronizationTests {
    // Routed experts: 32 layers x 8 x 3 x 4096 x 14336 = 45,097,156,608; the rest (embedding
    // and head 2 x 32000 x 4096, attention 32 x (2 x 4096² + 2 x 4096 x 1024), routers
    // 32 x 4096 x 8, norms 65 x 4096) is 1,605,636,096.
    static let experts = 45_097_156_608
    static let dense = 1_605_636_096

    @Test func routedExpertParametersAreTheExpertsOnly() throws {
        let model = try Fixtures.model("mixtral-8x7b")
        #expect(model.routedExpertParameters == Self.experts)
        #expect(model.parameters.total == Self.experts + Self.dense)
        #expect(try model.sharded(tensor: 1, expert: 2).routedExpertParameters == Self.experts / 2)
    }

    @Test func denseGradientsReduceOverEveryDataRankAndExpertGradientsOverTheRanksHoldingTheSameExperts() throws {
        let model = try Fixtures.model("mixtral-8x7b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8),
            plan: ParallelPlan(data: 4, expert: 2, zero: .optimizer),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let evaluation = try system.evaluate(
            model: model, phase: .training(batch: 4, sequence: 64), precision: .standard, options: GraphOptions())
        let gradients = evaluation.communication.filter { $0.purpose.hasPrefix("DP gradient") }
        #expect(gradients.count == 2)
        // Dense, the router replicated: 1,605,636,096 x 2 bytes over all 4 data-parallel ranks.
        #expect(gradients.first?.cost.bytes == Double(Self.dense) * 2)
        #expect(gradients.first?.cost.group == 4)
        // Experts: half of them per device, 22,548,578,304 x 2 bytes, over the 4 / 2 = 2 ranks
        // that hold the same half (ranks 0 and 2).
        #expect(gradients.last?.cost.bytes == Double(Self.experts / 2) * 2)
        #expect(gradients.last?.cost.group == 2)
        #expect(system.expertGradientRanks == [0, 2])
        // ZeRO-1 shards each kind's Adam state over its own group: 12 bytes x (dense / 4 +
        // experts / 2 / 2).
        let optimizer = 12 * (Double(Self.dense) / 4 + Double(Self.experts / 2) / 2)
        #expect(abs(evaluation.footprint.optimizer - optimizer) < 1)
        #expect(abs(evaluation.footprint.gradients - 2 * Double(Self.dense + Self.experts / 2)) < 1)
    }

    @Test func withoutExpertParallelismEveryGradientReducesOverTheDataRanks() throws {
        let model = try Fixtures.model("mixtral-8x7b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: ParallelPlan(data: 2),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let evaluation = try system.evaluate(
            model: model, phase: .training(batch: 2, sequence: 64), precision: .standard, options: GraphOptions())
        let gradients = evaluation.communication.filter { $0.purpose.hasPrefix("DP gradient") }
        #expect(gradients.map(\.cost.bytes) == [Double(Self.dense + Self.experts) * 2])
    }
}
