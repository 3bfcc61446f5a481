import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Pinned mappings: the printed form reads back, and bad files get positioned errors.
struct MappingFileTests {
    /// The PE's 12 B hold the printed mapping's tiles: 1 weight, 2 inputs and 2 int32 partial
    /// sums, 1 + 2 + 8 = 11 B.
    static let toy = """
        name: toy
        technology: 45 nm
        clock: 1 GHz
        compute:
          kind: systolic
          array: { rows: 4, cols: 4 }
          precisions: { int8: 0.3 pJ }
        memory:
          - { name: DRAM, technology: DDR4, size: 1 GiB, bandwidth: 10 GB/s }
          - { name: Buffer, size: 1 KiB }
          - { name: PE, instances: 16, size: 12 B }
        """

    static func hardware() throws -> Accelerator {
        try YAMLDecoder().decode(Accelerator.self, from: toy, path: "toy.yaml")
    }

    static func mapping(_ text: String, problem: Problem) throws -> Mapping {
        var file = try YAMLDecoder().decode(MappingFile.self, from: text, path: "m.yaml")
        file.path = "m.yaml"
        return try file.mapping(for: problem, hardware: hardware(), lines: SourceLines(text))
    }

    static let gemm = GEMM(
        b: 1, m: 16, n: 16, k: 16, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)

    @Test func printedMappingReadsBackEqual() throws {
        let problem = Problem.gemm(Self.gemm)
        let mapping = Mapping(
            levels: [
                LevelMapping(temporal: [Loop(2, 8)]),
                LevelMapping(temporal: [Loop(4, 4), Loop(3, 4)], spatialX: [Loop(4, 4)], spatialY: [Loop(3, 4)]),
                LevelMapping(temporal: [Loop(2, 2)]),
            ], dataflow: .weightStationary)
        let text = mapping.yaml(problem: problem, levelNames: ["DRAM", "Buffer", "PE"])
        #expect(try Self.mapping(text, problem: problem) == mapping)
        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: Self.hardware())
        #expect(counts.macs == 4096)
    }

    @Test func unknownDimensionIsAnErrorAtItsPosition() throws {
        let text = "levels:\n  - level: DRAM\n    temporal: [Q4]\n  - level: Buffer\n  - level: PE\n"
        do {
            _ = try Self.mapping(text, problem: Problem.gemm(Self.gemm))
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            #expect(error.items.count == 1)
            #expect(error.items[0].message.contains("dimension 'Q', which the operator lacks"))
            #expect(error.items[0].mark == SourceMark(line: 3, column: 16))
        }
    }

    @Test func levelsMustMatchTheHardwareInOrder() throws {
        let text = "levels:\n  - level: DRAM\n  - level: PE\n  - level: Buffer\n"
        do {
            _ = try Self.mapping(text, problem: Problem.gemm(Self.gemm))
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            #expect(
                error.items.map(\.message) == [
                    "level 2 is 'Buffer' on toy, not 'PE'", "level 3 is 'PE' on toy, not 'Buffer'",
                ])
        }
    }

    /// Buffer holds 1 KiB; a 16 x 16 x 16 int8 tile of all three operands is 3 x 256 B = 768 B.
    /// A loop of 32 over M = 16 does not pad the tile (it is ceil(16 / 1) = 16 elements, the
    /// other 16 steps are empty), but a 32 x 16 x 16 problem needs 512 + 256 + 512 = 1280 B.
    @Test func tilesOverCapacityNameTheLevelAndTheNumbers() throws {
        let problem = Problem.gemm(Self.gemm)
        for m in [16, 32] {
            let fits = Mapping(levels: [
                LevelMapping(), LevelMapping(temporal: [Loop(2, m), Loop(3, 16), Loop(4, 16)]), LevelMapping(),
            ])
            #expect(throws: Never.self) {
                try ReuseAnalysis.analyze(problem: problem, mapping: fits, hardware: Self.hardware())
            }
        }
        var taller = Self.gemm
        taller.m = 32
        let tooBig = Mapping(levels: [
            LevelMapping(), LevelMapping(temporal: [Loop(2, 32), Loop(3, 16), Loop(4, 16)]), LevelMapping(),
        ])
        do {
            _ = try ReuseAnalysis.analyze(problem: Problem.gemm(taller), mapping: tooBig, hardware: Self.hardware())
            Issue.record("expected an error")
        } catch let error as MappingError {
            #expect(error.message.contains("the tiles at Buffer need 1.25 KiB"))
            #expect(error.message.contains("it holds 1 KiB"))
        }
    }

    @Test func aFanoutBeyondTheChildrenIsAnError() throws {
        let problem = Problem.gemm(Self.gemm)
        let mapping = Mapping(levels: [
            LevelMapping(), LevelMapping(spatialX: [Loop(2, 16)], spatialY: [Loop(3, 16)]),
            LevelMapping(temporal: [Loop(4, 16)]),
        ])
        #expect(throws: MappingError.self) {
            try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: Self.hardware())
        }
    }

    /// Through the evaluator, a 32 x 32 systolic array with unlimited bandwidth is compute
    /// bound at exactly SCALE-Sim's cycle count.
    @Test(arguments: [(Dataflow.outputStationary, 503.0), (.weightStationary, 631), (.inputStationary, 631)])
    func evaluatorUsesSystolicTiming(_ dataflow: Dataflow, _ cycles: Double) throws {
        let text = """
            name: systolic32
            technology: 45 nm
            clock: 1 GHz
            compute: { kind: systolic, array: { rows: 32, cols: 32 }, precisions: { int8: 0.3 pJ } }
            memory:
              - { name: DRAM, technology: DDR4, size: 1 GiB }
              - { name: SRAM, size: 1 MiB }
              - { name: PE, instances: 1024, size: 16 B }
            """
        let hw = try YAMLDecoder().decode(Accelerator.self, from: text, path: "s.yaml")
        let gemm = GEMM(
            b: 1, m: 64, n: 64, k: 64, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let cost = try Evaluator(hardware: hw, dataflow: dataflow, tilingBudget: 30).evaluate(gemm).cost
        #expect(cost.computeSeconds * 1e9 == cycles)
        #expect(cost.bound == .compute)
    }

    struct PreloadCase: CustomTestStringConvertible, Sendable {
        var dataflow: Dataflow
        var cycles: Double
        var testDescription: String { dataflow.abbreviation }
    }

    /// The same array with `weight_preload: overlapped`, through both the evaluator's
    /// `EnergyModel` and the mapper's `CostTable`. 64^3 on 32 x 32: WS and IS run 2 x 2 = 4 folds
    /// of T = 64 streamed rows, longer than the P = 32-cycle preload, so the count is
    /// 4 x 64 + 32 + (32 + 32 - 2) - 1 = 349; OS has no preload and keeps SCALE-Sim's 503.
    @Test(arguments: [
        PreloadCase(dataflow: .outputStationary, cycles: 503), PreloadCase(dataflow: .weightStationary, cycles: 349),
        PreloadCase(dataflow: .inputStationary, cycles: 349),
    ])
    func evaluatorAndMapperUseTheOverlappedPreload(_ example: PreloadCase) throws {
        let text = """
            name: systolic32
            technology: 45 nm
            clock: 1 GHz
            compute:
              kind: systolic
              weight_preload: overlapped
              array: { rows: 32, cols: 32 }
              precisions: { int8: 0.3 pJ }
            memory:
              - { name: DRAM, technology: DDR4, size: 1 GiB }
              - { name: SRAM, size: 1 MiB }
              - { name: PE, instances: 1024, size: 16 B }
            """
        let hw = try YAMLDecoder().decode(Accelerator.self, from: text, path: "s.yaml")
        #expect(hw.compute.weightPreload == .overlapped)
        let gemm = GEMM(
            b: 1, m: 64, n: 64, k: 64, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let evaluated = try Evaluator(hardware: hw, dataflow: example.dataflow, tilingBudget: 30).evaluate(gemm)
        #expect(evaluated.cost.computeSeconds * 1e9 == example.cycles)
        #expect(evaluated.cost.bound == .compute)
        let counts = try #require(evaluated.cost.counts)
        let table = try CostTable(hardware: hw, precision: .int8, at: hw.operatingPoints[0])
        let scored = table.energyAndSeconds(counts, problem: .gemm(gemm), dataflow: example.dataflow)
        #expect(abs(scored.seconds * 1e9 - example.cycles) <= 1e-9 * example.cycles)
    }

    struct PositionCase: CustomTestStringConvertible, Sendable {
        var name: String
        var levels: String
        var message: String
        var line: Int
        var column: Int
        var testDescription: String { name }
    }

    /// Semantic errors of a mapping file point into it (line 1 is `levels:`, each level one line
    /// below): a factor product that overflows at its loop, factors that do not cover a bound at
    /// the last loop over that dimension, a level's overflowing tiles at its entry.
    static let positions = [
        PositionCase(
            name: "factors past 2^62",
            levels: """
                  - { level: DRAM, temporal: [M9223372036854775807, M4] }
                  - { level: Buffer, temporal: [N16, K16] }
                  - { level: PE, spatial_x: [K4], spatial_y: [N4] }
                """,
            message: "the factors of M multiply past 2^62 at level DRAM", line: 2, column: 53),
        PositionCase(
            name: "factors that do not cover",
            levels: """
                  - { level: DRAM, temporal: [M16] }
                  - { level: Buffer, temporal: [N2, K4] }
                  - { level: PE, spatial_x: [K4], spatial_y: [N4] }
                """,
            message: "the factors of N multiply to 8, which does not cover its bound 16", line: 4, column: 47),
        PositionCase(
            name: "tiles over a level's capacity",
            levels: """
                  - { level: DRAM, temporal: [M16] }
                  - { level: Buffer, temporal: [N4, K4] }
                  - { level: PE, temporal: [K4], spatial_y: [N4] }
                """,
            message: "the tiles at PE need", line: 4, column: 14),
    ]

    @Test(arguments: positions)
    func semanticErrorsArePositioned(_ testCase: PositionCase) throws {
        let text = "levels:\n" + testCase.levels
        var file = try YAMLDecoder().decode(MappingFile.self, from: text, path: "m.yaml")
        file.path = "m.yaml"
        let hardware = try Self.hardware()
        do {
            _ = try file.analyze(problem: Problem.gemm(Self.gemm), hardware: hardware, lines: SourceLines(text))
            Issue.record("expected an error")
        } catch {
            let item = try #require(error.items.first)
            #expect(item.message.hasPrefix(testCase.message), "\(item.message)")
            #expect(
                item.mark == SourceMark(line: testCase.line, column: testCase.column),
                "\(String(describing: item.mark))")
            #expect(item.path == "m.yaml")
        }
    }
}
