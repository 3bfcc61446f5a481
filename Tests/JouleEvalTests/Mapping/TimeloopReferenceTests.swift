import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Timeloop's tutorial exercises (40 nm, 1 GHz, 8-bit words): MAC 0.845 pJ; register-file
/// Buffer 64 x 8 bit, block 1, 0.42564 pJ per read/write/update, leakage 0.000861 pJ/cycle;
/// SRAM MainMemory 32768 x 64 bit (blocks of 8 words), read 43.353054 pJ, write = update
/// 30.878292 pJ per block, leakage 0.007972 pJ/cycle. Energies and counts are Timeloop's
/// published results for these exercises. Totals are published to 0.01 pJ and the leakage
/// constants rounded to three or four digits, so totals are compared within half the last
/// printed digit (0.005 pJ) or 1e-5 relative, whichever is larger.
struct TimeloopReferenceTests {
    static func close(_ picojoules: Double, _ expected: Double) -> Bool {
        abs(picojoules - expected) <= max(0.005, 1e-5 * expected)
    }

    static let buffer = """
          - name: Buffer
            size: 64 B
            width: 8 bit
            read_energy: 0.42564 pJ/access
            write_energy: 0.42564 pJ/access
            leakage: 0.861 uW
        """

    static func hardware(twoLevels: Bool) throws -> Accelerator {
        let mainMemory = """
              - name: MainMemory
                kind: sram
                size: 256 KiB
                width: 64 bit
                read_energy: 43.353054 pJ/access
                write_energy: 30.878292 pJ/access
                leakage: 7.972 uW

            """
        let text = """
            name: timeloop-exercise
            technology: 40 nm
            clock: 1 GHz
            compute:
              array: { rows: 1, cols: 1 }
              precisions: { int8: 0.845 pJ }
            memory:
            \(twoLevels ? mainMemory : "")\(buffer)
            """
        return try YAMLDecoder().decode(Accelerator.self, from: text, path: "timeloop.yaml")
    }

    static let point = OperatingPoint(frequency: Frequency(si: 1e9), voltage: Voltage(si: 1))

    static func evaluate(_ problem: Problem, _ mapping: Mapping, hardware: Accelerator) throws -> (
        AccessCounts, OperatorCost
    ) {
        var hw = hardware
        hw.nominalVoltage = .given(Voltage(si: 1))
        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hw)
        let cost = try EnergyModel.cost(
            counts: counts, mapping: mapping, problem: problem, macPrecision: .int8, hardware: hw, at: point)
        return (counts, cost)
    }

    // Problem dimensions of conv1D: K = 0, R = 1, P = 2. Operands: weights 0, inputs 1, outputs 2.

    @Test func oneLevelBufferOnly() throws {
        let problem = Problem.conv1D(k: 1, r: 3, p: 16)
        let mapping = Mapping(levels: [LevelMapping(temporal: [Loop(2, 16), Loop(1, 3)])])
        let (counts, cost) = try Self.evaluate(problem, mapping, hardware: Self.hardware(twoLevels: false))
        #expect(cost.cycles.rounded() == 48)
        let buffer = counts.levels[0]
        #expect(buffer[0].reads == 48)
        #expect(buffer[1].reads == 48)
        #expect(buffer[2].reads == 32)
        #expect(buffer[2].updates == 48)
        #expect(Self.close(cost.energy.total * 1e12, 115.51))
        #expect(abs(cost.energy.total * 1e12 / 48 - 2.4065) < 0.0005)
    }

    struct TwoLevelCase: CustomTestStringConvertible, Sendable {
        var name: String
        var mapping: Mapping
        var testDescription: String { name }
    }

    @Test(arguments: [
        TwoLevelCase(
            name: "output stationary: MainMemory P16 / Buffer R3",
            mapping: Mapping(levels: [LevelMapping(temporal: [Loop(2, 16)]), LevelMapping(temporal: [Loop(1, 3)])])),
        TwoLevelCase(
            name: "weight stationary: MainMemory R3 / Buffer P16",
            mapping: Mapping(levels: [LevelMapping(temporal: [Loop(1, 3)]), LevelMapping(temporal: [Loop(2, 16)])])),
    ])
    func twoLevels(_ example: TwoLevelCase) throws {
        let problem = Problem.conv1D(k: 1, r: 3, p: 16)
        let (counts, cost) = try Self.evaluate(problem, example.mapping, hardware: Self.hardware(twoLevels: true))
        #expect(cost.cycles.rounded() == 48)
        #expect(counts.levels[1][0].fills == 3)
        #expect(counts.levels[1][1].fills == 18)
        #expect(counts.levels[0][0].reads == 3)
        #expect(counts.levels[0][1].reads == 18)
        #expect(counts.levels[0][2].updates == 16)
        #expect(Self.close(cost.energy.total * 1e12, 360.00))
        #expect(abs(cost.energy.total * 1e12 / 48 - 7.5001) < 0.0005)
    }

    @Test func outputChannels() throws {
        let problem = Problem.conv1D(k: 32, r: 3, p: 16)
        let mapping = Mapping(levels: [
            LevelMapping(temporal: [Loop(0, 32), Loop(2, 16)]), LevelMapping(temporal: [Loop(1, 3)]),
        ])
        let (counts, cost) = try Self.evaluate(problem, mapping, hardware: Self.hardware(twoLevels: true))
        #expect(cost.cycles.rounded() == 1536)
        #expect(counts.levels[1][0].fills == 96)
        #expect(counts.levels[1][1].fills == 576)
        #expect(counts.levels[0][0].reads == 96)
        #expect(counts.levels[0][1].reads == 576)
        #expect(counts.levels[0][2].updates == 512)
        #expect(Self.close(cost.energy.total * 1e12, 9612.60))
        #expect(abs(cost.energy.total * 1e12 / 1536 - 6.2582) < 0.0005)
    }

    @Test func mappingThatMissesAFactorIsRejected() throws {
        let problem = Problem.conv1D(k: 1, r: 3, p: 16)
        let mapping = Mapping(levels: [LevelMapping(temporal: [Loop(2, 8)]), LevelMapping(temporal: [Loop(1, 3)])])
        #expect(throws: MappingError.self) {
            try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: Self.hardware(twoLevels: true))
        }
    }
}
