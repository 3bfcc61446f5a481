import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// The estimated TDP bounds what any evaluation can draw.
struct PeakPowerTests {
    static let estimated = ["eyeriss-v1", "gemmini", "nvdla-full", "simba-chiplet", "toy-3level"]

    /// GEMMs of several shapes (a square, a decode-sized one, a batched attention score) at the
    /// hardware's widest precision: each mapped cost's average power stays below the estimate,
    /// which charges one access per operand per MAC at every on-chip level that holds it.
    @Test(arguments: estimated)
    func noMappedGEMMDrawsMoreThanTheEstimatedTDP(_ name: String) throws {
        let hardware = try MapperTests.hardware(name)
        #expect(hardware.tdp.provenance.isEstimated)
        let precision = try #require(hardware.compute.supportedPrecisions.max { $0.bits < $1.bits })
        let evaluator = try Evaluator(hardware: hardware, tilingBudget: 20)
        for (b, m, n, k) in [(1, 512, 512, 512), (1, 1, 4096, 4096), (12, 128, 128, 64)] {
            let gemm = GEMM(
                b: b, m: m, n: n, k: k, secondInstances: b, inputPrecision: precision, secondPrecision: precision,
                outputPrecision: precision)
            let cost = try evaluator.evaluate(gemm).cost
            let power = cost.energy.total / cost.seconds
            #expect(
                power <= hardware.tdp.value.si, "\(name) \(b)x\(m)x\(n)x\(k): \(power) W > \(hardware.tdp.value.si) W")
        }
    }
}
