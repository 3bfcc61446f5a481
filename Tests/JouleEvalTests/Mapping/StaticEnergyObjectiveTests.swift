import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// The energy objective counts static energy, so on a leaky design a faster mapping can win.
struct StaticEnergyObjectiveTests {
    /// toy-3level has no static power; at 100 W a cycle costs 100 nJ, far more than the traffic
    /// a slower tiling saves, so the search must pick a faster mapping than it does at 0 W, and
    /// that mapping must cost less energy at 100 W than the 0 W choice costed at 100 W.
    @Test func aLeakyDesignBuysTimeWithTraffic() throws {
        var leaky = try MapperTests.hardware("toy-3level")
        let tight = leaky
        leaky.staticPower = .given(Power(si: 100))
        let problem = Problem.gemm(
            GEMM(b: 1, m: 64, n: 3072, k: 768, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8))
        let cold = try Mapper(hardware: tight, tilingBudget: 200).best(problem: problem, macPrecision: .int8)
        let hot = try Mapper(hardware: leaky, tilingBudget: 200).best(problem: problem, macPrecision: .int8)
        #expect(hot.cost.seconds < cold.cost.seconds, "\(hot.cost.seconds) vs \(cold.cost.seconds)")
        let holds = ReuseAnalysis.holdMatrix(problem: problem, mapping: cold.mapping, hardware: leaky)
        let coldAtHundredWatts = try EnergyModel.cost(
            counts: ReuseAnalysis.counts(problem: problem, mapping: cold.mapping, holds: holds), mapping: cold.mapping,
            problem: problem, macPrecision: .int8, hardware: leaky,
            at: leaky.operatingPoints[0])
        #expect(hot.cost.energy.total < coldAtHundredWatts.energy.total)
        #expect(hot.cost.energy.leakage == 100 * hot.cost.seconds)
    }
}
