import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// A level's `fill_energy` prices the fills it takes from its parent. h100-sxm's HBM figure
/// (7.0 pJ/bit) carries the whole path into the chip, its L2 part included, so the L2 gives
/// `fill_energy: 0` and the mapped model charges each bit that comes from HBM once.
struct FillEnergyTests {
    /// A 16 x 16 x 16 bf16 GEMM with every loop at the register file (SharedL1 bypassed), so
    /// each operand crosses HBM and L2 exactly once. By hand: HBM reads the 256 weights and 256
    /// inputs and takes the 256 outputs once: 768 words x 16 bit x 7 pJ = 86,016 pJ. L2 is filled
    /// with 256 + 256 words (at 0 pJ/bit), reads each once to the register file and takes the 256
    /// outputs once: 768 words x 16 bit x 2 pJ = 24,576 pJ. Charging the fills at the write
    /// energy, as before, added 512 x 16 x 2 pJ = 16,384 pJ to L2: the L2 part of HBM's figure twice.
    @Test func h100ChargesAnHBMBitsL2FillOnce() throws {
        let h100 = try RooflineTests.hardware("h100-sxm")
        #expect(h100.memory.map(\.name) == ["HBM", "L2", "SharedL1", "RegisterFile"])
        #expect(h100.memory[1].fillEnergy == .given(EnergyPerBit(si: 0)))
        let problem = Problem.gemm(m: 16, n: 16, k: 16, wordBits: 16)
        let all: Set<Operand> = [.weights, .inputs, .outputs]
        let mapping = Mapping(levels: [
            LevelMapping(), LevelMapping(), LevelMapping(bypass: all),
            LevelMapping(temporal: [Loop(0, 16), Loop(1, 16), Loop(2, 16)]),
        ])
        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: h100)
        // Operands: weights 0, inputs 1, outputs 2.
        #expect(counts.levels[0].map(\.reads) == [256, 256, 0])
        #expect(counts.levels[0].map(\.updates) == [0, 0, 256])
        #expect(counts.levels[1].map(\.fills) == [256, 256, 0])
        #expect(counts.levels[1].map(\.reads) == [256, 256, 0])
        #expect(counts.levels[1].map(\.updates) == [0, 0, 256])

        let cost = try EnergyModel.cost(
            counts: counts, mapping: mapping, problem: problem, macPrecision: .bf16, hardware: h100,
            at: h100.operatingPoints[0])
        let hbm = (0..<3).reduce(0.0) { $0 + cost.energy[0, $1] }
        let l2 = (0..<3).reduce(0.0) { $0 + cost.energy[1, $1] }
        #expect(abs(hbm * 1e12 - 86_016) < 1e-6)
        #expect(abs(l2 * 1e12 - 24_576) < 1e-6)

        // The mapper's flat table agrees.
        let table = try CostTable(hardware: h100, precision: .bf16, at: h100.operatingPoints[0])
        let (energy, _) = table.energyAndSeconds(counts, problem: problem, dataflow: nil)
        #expect(abs(energy - cost.energy.total) <= 1e-12 * energy)
    }

    /// Left out, the fill energy is the write energy (Timeloop's and Accelergy's accounting).
    @Test func fillEnergyDefaultsToTheWriteEnergy() throws {
        let tpu = try RooflineTests.hardware("tpu-v1")
        for level in tpu.memory {
            #expect(level.fillEnergy.value == level.writeEnergy.value)
            #expect(level.fillEnergy.provenance.isEstimated)
        }
    }
}
