import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Partial sums move at the accumulator's width (`ReuseAnalysis.holdsPartialSums`), counted by
/// hand on a three-level toy: DRAM 1 pJ/bit, Buffer 0.1 pJ/bit, Reg 0.01 pJ/bit (two instances,
/// one per PE), no block widths, so an access costs its word bits times the level's energy per
/// bit. The GEMM is bf16, M = 1, N = 2, K = 4 (8 MACs, 2 outputs), accumulating in fp32 unless
/// a test says otherwise. Problem dimensions: G 0, H 1, M 2, N 3, K 4; operand 2 is the output.
struct PartialSumTests {
    static func hardware(registerSize: String = "64 B") throws -> Accelerator {
        let text = """
            name: partial-sum-toy
            technology: 45 nm
            clock: 1 GHz
            static_power: 0 W
            compute:
              array: { rows: 2, cols: 1 }
              precisions: { bf16: 1 pJ }
            memory:
              - { name: DRAM, kind: dram, size: 1 GiB, read_energy: 1 pJ/bit, write_energy: 1 pJ/bit, leakage: 0 mW }
              - { name: Buffer, size: 1 KiB, read_energy: 0.1 pJ/bit, write_energy: 0.1 pJ/bit, leakage: 0 mW }
              - { name: Reg, instances: 2, size: \(registerSize), read_energy: 0.01 pJ/bit, write_energy: 0.01 pJ/bit, leakage: 0 mW }
            """
        var hardware = try YAMLDecoder().decode(Accelerator.self, from: text, path: "partial-sum-toy.yaml")
        hardware.nominalVoltage = .given(Voltage(si: 1))
        return hardware
    }

    static let point = OperatingPoint(frequency: Frequency(si: 1e9), voltage: Voltage(si: 1))

    static func gemm(k: Int = 4, accumulator: Precision? = nil) -> GEMM {
        var gemm = GEMM(b: 1, m: 1, n: 2, k: k, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16)
        gemm.accumulatorPrecision = accumulator
        return gemm
    }

    static func levels(_ dram: LevelMapping, _ buffer: LevelMapping, _ register: LevelMapping) -> Mapping {
        Mapping(levels: [dram, buffer, register])
    }

    /// The output's counts and energy (pJ) at each level.
    static func outputs(_ gemm: GEMM, _ mapping: Mapping, hardware: Accelerator? = nil) throws -> (
        [OperandAccess], [Double]
    ) {
        let hw = try hardware ?? Self.hardware()
        let problem = Problem.gemm(gemm)
        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hw)
        let cost = try EnergyModel.cost(
            counts: counts, mapping: mapping, problem: problem, macPrecision: .bf16, hardware: hw, at: point)
        return ((0..<3).map { counts.access(level: $0, operand: 2) }, (0..<3).map { cost.energy[$0, 2] * 1e12 })
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// K split across Buffer and Reg, with N between them: Buffer [K 2, N 2], Reg [K 2].
    static let splitK = levels(
        LevelMapping(), LevelMapping(temporal: [Loop(4, 2), Loop(3, 2)]), LevelMapping(temporal: [Loop(4, 2)]))

    /// Reg's one-output tile leaves for every step of N and of Buffer's K: 2 x 2 = 4 updates of
    /// Buffer, 2 of them first writes, so Buffer reads back 2 partial sums and refills Reg with
    /// them. Reg takes the 8 MACs' updates, 2 first writes, so 6 reads. Buffer holds both
    /// outputs over all of K and writes them to DRAM once, finished: DRAM 2 updates, no reads.
    /// Reg and Buffer hold partial sums (32 bits), DRAM finished outputs (16 bits):
    /// DRAM 2 x 16 x 1 = 32 pJ; Buffer (4 + 2) x 32 x 0.1 = 19.2 pJ; Reg (8 + 6 + 2) x 32 x 0.01 = 5.12 pJ.
    @Test func kSplitAcrossBufferAndRegisterSpillsPartialSumsToTheBuffer() throws {
        let (access, picojoules) = try Self.outputs(Self.gemm(), Self.splitK)
        #expect(access[0].updates == 2 && access[0].reads == 0 && access[0].wordBits == 16)
        #expect(access[1].updates == 4 && access[1].reads == 2 && access[1].fills == 0 && access[1].wordBits == 32)
        #expect(access[2].updates == 8 && access[2].reads == 6 && access[2].fills == 2 && access[2].wordBits == 32)
        #expect(Self.close(picojoules[0], 32))
        #expect(Self.close(picojoules[1], 19.2))
        #expect(Self.close(picojoules[2], 5.12))
    }

    /// K entirely in Reg (Buffer [N 2], Reg [K 4]): Reg accumulates each output over all of K
    /// (8 updates, 6 reads, 32 bits) and writes it up once, finished: Buffer and DRAM take 2
    /// updates each at 16 bits. DRAM 2 x 16 x 1 = 32 pJ; Buffer 2 x 16 x 0.1 = 3.2 pJ;
    /// Reg (8 + 6) x 32 x 0.01 = 4.48 pJ.
    @Test func kInsideTheRegisterMovesFinishedOutputsAbove() throws {
        let mapping = Self.levels(
            LevelMapping(), LevelMapping(temporal: [Loop(3, 2)]), LevelMapping(temporal: [Loop(4, 4)]))
        let (access, picojoules) = try Self.outputs(Self.gemm(), mapping)
        #expect(access[0].updates == 2 && access[0].wordBits == 16)
        #expect(access[1].updates == 2 && access[1].reads == 0 && access[1].wordBits == 16)
        #expect(access[2].updates == 8 && access[2].reads == 6 && access[2].fills == 0 && access[2].wordBits == 32)
        #expect(Self.close(picojoules[0], 32))
        #expect(Self.close(picojoules[1], 3.2))
        #expect(Self.close(picojoules[2], 4.48))
    }

    /// K split at DRAM outside N (DRAM [K 2, N 2], Reg [K 2]): every level's one-output tile
    /// leaves unfinished once per (K, N) step, 4 times, and comes back for the second half of
    /// K, 2 times. DRAM: 4 updates + 2 reads, all partial sums at 32 bits, (4 + 2) x 32 x 1 =
    /// 192 pJ; Buffer: 4 updates + 2 reads + 2 fills, 8 x 32 x 0.1 = 25.6 pJ; Reg: 8 + 6 + 2,
    /// 16 x 32 x 0.01 = 5.12 pJ.
    @Test func kSplitAtDRAMSpillsPartialSumsToDRAM() throws {
        let mapping = Self.levels(
            LevelMapping(temporal: [Loop(4, 2), Loop(3, 2)]), LevelMapping(), LevelMapping(temporal: [Loop(4, 2)]))
        let (access, picojoules) = try Self.outputs(Self.gemm(), mapping)
        #expect(access[0].updates == 4 && access[0].reads == 2 && access[0].wordBits == 32)
        #expect(access[1].updates == 4 && access[1].reads == 2 && access[1].fills == 2 && access[1].wordBits == 32)
        #expect(Self.close(picojoules[0], 192))
        #expect(Self.close(picojoules[1], 25.6))
        #expect(Self.close(picojoules[2], 5.12))
    }

    /// K = 2 split across the two Reg instances (Buffer [N 2] and spatially [K 2]): each Reg
    /// holds half of each sum (fp32, 4 updates of 1 MAC each, never read back), and the adder
    /// tree hands Buffer the two finished outputs: 2 updates at 16 bits.
    /// Reg 4 x 32 x 0.01 = 1.28 pJ; Buffer 2 x 16 x 0.1 = 3.2 pJ.
    @Test func aSpatialReductionLeavesPartialSumsInTheInstances() throws {
        let mapping = Self.levels(
            LevelMapping(), LevelMapping(temporal: [Loop(3, 2)], spatialX: [Loop(4, 2)]), LevelMapping())
        let (access, picojoules) = try Self.outputs(Self.gemm(k: 2), mapping)
        #expect(access[2].updates == 4 && access[2].reads == 0 && access[2].wordBits == 32)
        #expect(access[1].updates == 2 && access[1].reads == 0 && access[1].wordBits == 16)
        #expect(Self.close(picojoules[2], 1.28))
        #expect(Self.close(picojoules[1], 3.2))
    }

    /// The issue's complaint: `acc=fp16` against `acc=fp32` left the traffic energy unchanged.
    /// Now, on the split-K mapping, the partial sums at Buffer and Reg halve: Buffer 6 x 16 x
    /// 0.1 = 9.6 pJ less, Reg 16 x 16 x 0.01 = 2.56 pJ less, 12.16 pJ in all; DRAM, which takes
    /// finished outputs, is unchanged.
    @Test func anFP16AccumulatorMovesHalfThePartialSumBits() throws {
        let (_, wide) = try Self.outputs(Self.gemm(), Self.splitK)
        let (_, narrow) = try Self.outputs(Self.gemm(accumulator: .fp16), Self.splitK)
        #expect(Self.close(wide[0] - narrow[0], 0))
        #expect(Self.close(wide[1] - narrow[1], 9.6))
        #expect(Self.close(wide[2] - narrow[2], 2.56))
        #expect(Self.close(wide.reduce(0, +) - narrow.reduce(0, +), 12.16))
    }

    /// Capacity counts the partial sum at its width. On the split-K mapping Reg holds 2 weights
    /// and 2 inputs (bf16, 4 B each) and 1 partial sum: 12 B at fp32, 10 B at fp16. An 11 B
    /// Reg fits the fp16 accumulator only, and the error names the 4 B output tile.
    @Test func capacityCountsPartialSumsAtTheAccumulatorWidth() throws {
        let small = try Self.hardware(registerSize: "11 B")
        #expect(throws: Never.self) {
            try ReuseAnalysis.analyze(
                problem: Problem.gemm(Self.gemm(accumulator: .fp16)), mapping: Self.splitK, hardware: small)
        }
        do {
            _ = try ReuseAnalysis.analyze(problem: Problem.gemm(Self.gemm()), mapping: Self.splitK, hardware: small)
            Issue.record("a 12 B tile fitted an 11 B register")
        } catch {
            #expect(error.level == 2)
            #expect(error.message.contains("outputs 4 B"))
        }
    }

    /// The accumulator's width by precision: bf16 and fp8 GEMMs accumulate in fp32 and int8
    /// in int32 unless `acc=` says otherwise; einsum problems default to the output's width.
    @Test func accumulatorWidthsFollowThePrecision() {
        #expect(Self.gemm().accumulatorBits == 32)
        #expect(Self.gemm(accumulator: .fp16).accumulatorBits == 16)
        let int8 = GEMM(b: 1, m: 1, n: 1, k: 1, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        #expect(int8.accumulatorBits == 32)
        #expect(Problem.gemm(int8).accumulatorBits == 32)
        #expect(Problem.gemm(m: 2, n: 2, k: 2, wordBits: 8).accumulatorBits == 8)
    }

    /// The mapper sizes a level's output tile at the wider of the output and accumulator words,
    /// so what it finds fits when the reuse analysis checks it at the exact widths.
    @Test func theMappersChoiceFitsAtTheExactWidths() throws {
        let hw = try Self.hardware(registerSize: "11 B")
        let problem = Problem.gemm(Self.gemm())
        let result = try Mapper(hardware: hw, tilingBudget: 50).best(problem: problem, macPrecision: .bf16)
        let mapping = try #require(result.cost.mapping)
        #expect(throws: Never.self) { try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hw) }
    }
}
