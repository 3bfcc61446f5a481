import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// `TimeloopImport` on the Timeloop-Accelergy tutorial's Conv1D exercises (inputs in
/// `Tests/Corpus/timeloop`, written as the tutorial writes them): the imported run reproduces
/// Timeloop's published counts and energies (the exercises' `ref-output/*/timeloop-model.stats.txt`)
/// and what Joule's own files for the same exercises give.
struct TimeloopImportTests {
    static let corpus = MapperTests.root.appendingPathComponent("Tests/Corpus/timeloop")

    static func input(_ name: String) throws -> TimeloopImport.Input {
        try .load(corpus.appendingPathComponent(name).path)
    }

    static func imported(_ arch: String, _ problem: String, _ mapping: String, _ ert: String) throws -> TimeloopImport {
        try TimeloopImport.convert(
            architecture: input(arch), problem: input(problem), mapping: input(mapping), energyTable: input(ert))
    }

    /// Counts and cost of an imported run at the hardware's nominal point.
    static func run(_ imported: TimeloopImport) throws -> (AccessCounts, OperatorCost) {
        let problem = try #require(imported.problem)
        let mapping = try #require(imported.mapping)
        let hardware = imported.hardware
        let counts = try ReuseAnalysis.analyze(problem: problem.problem, mapping: mapping, hardware: hardware)
        let cost = try EnergyModel.cost(
            counts: counts, mapping: mapping, problem: problem.problem, macPrecision: problem.macPrecision,
            hardware: hardware, at: hardware.operatingPoints[0])
        return (counts, cost)
    }

    /// (reads, fills, updates) of weights, inputs and outputs at one level; a bypassed operand is 0s.
    typealias LevelCounts = [(Double, Double, Double)]

    struct ReferenceCase: CustomTestStringConvertible, Sendable {
        var name: String
        var files: [String]
        var cycles: Double
        /// Timeloop's "Computes".
        var computes: Double = 0
        /// Timeloop's "Total" in fJ per compute, published to 0.01 fJ.
        var femtojoulesPerCompute: Double
        /// Timeloop's scalar reads, fills and updates per level, outermost first, summed over
        /// the level's instances (Timeloop prints them per instance).
        var counts: [[Double]]
        /// fJ per compute by which Joule's total is known to differ from Timeloop's, by hand.
        var knownDifference = 0.0
        var testDescription: String { name }
    }

    /// Exercise 04 cp-ws: Timeloop's counts per instance x 16 PEs (MainMemory has one instance).
    static let spatialCP: [[Double]] = [
        [3072, 0, 0, 576, 0, 0, 0, 0, 512],
        [192 * 16, 192 * 16, 0, 1152 * 16, 36 * 16, 0, 512 * 16, 0, 1024 * 16],
        [3072 * 16, 192 * 16, 0, 3072 * 16, 1152 * 16, 0, 2560 * 16, 512 * 16, 3072 * 16],
    ]

    static let references: [ReferenceCase] = [
        ReferenceCase(
            name: "04 spatial, K across PEs (kp-ws)",
            files: [
                "3levelspatial.arch.yaml", "conv1d+oc+ic.prob.yaml", "conv1d+oc+ic-3levelspatial-kp-ws.map.yaml",
                "3levelspatial.ERT_summary.yaml",
            ],
            cycles: 3072, computes: 49152, femtojoulesPerCompute: 14664.63,
            counts: [
                [3072, 0, 0, 576, 0, 0, 0, 0, 512],
                [192 * 16, 192 * 16, 0, 1152 * 16, 576 * 16, 0, 992 * 16, 0, 1024 * 16],
                [3072 * 16, 192 * 16, 0, 3072 * 16, 1152 * 16, 0, 3040 * 16, 992 * 16, 3072 * 16],
            ]),
        // Timeloop charges a level's blocks per instance: 36 input fills of each GlobalBuffer take
        // ceil(36 / 8) = 5 blocks, 80 over 16 instances; Joule rounds the sum, 576 / 8 = 72 blocks.
        // Its total is 8 x 30.878292 pJ less over 49,152 computes.
        ReferenceCase(
            name: "04 spatial, C across PEs (cp-ws)",
            files: [
                "3levelspatial.arch.yaml", "conv1d+oc+ic.prob.yaml", "conv1d+oc+ic-3levelspatial-cp-ws.map.yaml",
                "3levelspatial.ERT_summary.yaml",
            ],
            cycles: 3072, computes: 49152, femtojoulesPerCompute: 13011.43,
            counts: Self.spatialCP, knownDifference: -8 * 30_878.292 / 49152),
        ReferenceCase(
            name: "04 cp-ws in Timeloop's older subtree/local form",
            files: [
                "3levelspatial-subtree.arch.yaml", "conv1d+oc+ic.prob.yaml",
                "conv1d+oc+ic-3levelspatial-cp-ws.processed.map.yaml", "3levelspatial.ERT_summary.yaml",
            ],
            cycles: 3072, computes: 49152, femtojoulesPerCompute: 13011.43,
            counts: Self.spatialCP, knownDifference: -8 * 30_878.292 / 49152),
        ReferenceCase(
            name: "00 one level",
            files: ["1level.arch.yaml", "conv1d.prob.yaml", "conv1d-1level.map.yaml", "1level.ERT.yaml"],
            cycles: 48, femtojoulesPerCompute: 2406.54, counts: [[48, 0, 0, 48, 0, 0, 32, 0, 48]]),
        ReferenceCase(
            name: "01 two levels, output stationary",
            files: ["2level.arch.yaml", "conv1d.prob.yaml", "conv1d-2level-os.map.yaml", "2level.ERT.yaml"],
            cycles: 48, femtojoulesPerCompute: 7500.08,
            counts: [[3, 0, 0, 18, 0, 0, 0, 0, 16], [48, 3, 0, 48, 18, 0, 32, 0, 48]]),
        ReferenceCase(
            name: "01 two levels, weight stationary",
            files: ["2level.arch.yaml", "conv1d.prob.yaml", "conv1d-2level-ws.map.yaml", "2level.ERT.yaml"],
            cycles: 48, femtojoulesPerCompute: 7500.08,
            counts: [[3, 0, 0, 18, 0, 0, 0, 0, 16], [48, 3, 0, 48, 18, 0, 32, 0, 48]]),
        ReferenceCase(
            name: "02 output channels, untiled",
            files: ["2level.arch.yaml", "conv1d+oc.prob.yaml", "conv1d+oc-2level-os.map.yaml", "2level.ERT.yaml"],
            cycles: 1536, femtojoulesPerCompute: 6258.20,
            counts: [[96, 0, 0, 576, 0, 0, 0, 0, 512], [1536, 96, 0, 1536, 576, 0, 1024, 0, 1536]]),
        ReferenceCase(
            name: "02 output channels, tiled",
            files: [
                "2level.arch.yaml", "conv1d+oc.prob.yaml", "conv1d+oc-2level-os-tiled.map.yaml", "2level.ERT.yaml",
            ],
            cycles: 1536, femtojoulesPerCompute: 5162.30,
            counts: [[96, 0, 0, 288, 0, 0, 0, 0, 512], [1536, 96, 0, 1536, 288, 0, 1024, 0, 1536]]),
        ReferenceCase(
            name: "03 three levels",
            files: ["3level.arch.yaml", "conv1d+oc.prob.yaml", "conv1d+oc-3level.map.yaml", "3level.ERT_summary.yaml"],
            cycles: 1536, femtojoulesPerCompute: 32130.51,
            counts: [
                [96, 0, 0, 18, 0, 0, 0, 0, 512], [96, 96, 0, 288, 18, 0, 0, 0, 512],
                [1536, 96, 0, 1536, 288, 0, 1024, 0, 1536],
            ]),
        ReferenceCase(
            name: "03 three levels, bypass",
            files: [
                "3level.arch.yaml", "conv1d+oc.prob.yaml", "conv1d+oc-3level-bypass.map.yaml",
                "3level.ERT_summary.yaml",
            ],
            cycles: 1536, femtojoulesPerCompute: 39369.71,
            counts: [
                [96, 0, 0, 18, 0, 0, 0, 0, 512], [1536, 96, 0, 1536, 18, 0, 0, 0, 0],
                [0, 0, 0, 0, 0, 0, 1024, 0, 1536],
            ]),
    ]

    /// Timeloop prints energy per compute to 0.01 fJ and its leakage constants to three or four
    /// digits, so the imported run must agree within 0.01 fJ per compute.
    @Test(arguments: references)
    func reproducesTimeloopsCountsAndEnergy(_ reference: ReferenceCase) throws {
        let files = reference.files
        let (counts, cost) = try Self.run(Self.imported(files[0], files[1], files[2], files[3]))
        #expect(cost.cycles.rounded() == reference.cycles)
        #expect(counts.macs == (reference.computes > 0 ? reference.computes : reference.cycles))
        let written = counts.levels.map { level in level.flatMap { [$0.reads, $0.fills, $0.updates] } }
        #expect(written == reference.counts)
        let femtojoules = cost.energy.total * 1e15 / counts.macs
        let expected = reference.femtojoulesPerCompute + reference.knownDifference
        #expect(abs(femtojoules - expected) <= 0.01, "\(femtojoules) fJ per compute")
    }

    struct OwnFilesCase: CustomTestStringConvertible, Sendable {
        var name: String
        var files: [String]
        var twoLevels: Bool
        var problem: String
        var mapping: String
        var testDescription: String { name }
    }

    /// Joule's own files for exercises 00 to 02: the hardware `TimeloopReferenceTests` writes,
    /// the problems in `Examples/problems`, and the mappings written by hand in Joule's form.
    @Test(arguments: [
        OwnFilesCase(
            name: "00", files: ["1level.arch.yaml", "conv1d.prob.yaml", "conv1d-1level.map.yaml", "1level.ERT.yaml"],
            twoLevels: false, problem: "timeloop-conv1d", mapping: "levels: [ { level: Buffer, temporal: [P16, R3] } ]"),
        OwnFilesCase(
            name: "01 os",
            files: ["2level.arch.yaml", "conv1d.prob.yaml", "conv1d-2level-os.map.yaml", "2level.ERT.yaml"],
            twoLevels: true, problem: "timeloop-conv1d",
            mapping: "levels: [ { level: MainMemory, temporal: [P16] }, { level: Buffer, temporal: [R3] } ]"),
        OwnFilesCase(
            name: "01 ws",
            files: ["2level.arch.yaml", "conv1d.prob.yaml", "conv1d-2level-ws.map.yaml", "2level.ERT.yaml"],
            twoLevels: true, problem: "timeloop-conv1d",
            mapping: "levels: [ { level: MainMemory, temporal: [R3] }, { level: Buffer, temporal: [P16] } ]"),
        OwnFilesCase(
            name: "02",
            files: ["2level.arch.yaml", "conv1d+oc.prob.yaml", "conv1d+oc-2level-os.map.yaml", "2level.ERT.yaml"],
            twoLevels: true, problem: "timeloop-conv1d-oc",
            mapping: "levels: [ { level: MainMemory, temporal: [K32, P16] }, { level: Buffer, temporal: [R3] } ]"),
    ])
    func matchesJoulesOwnFiles(_ example: OwnFilesCase) throws {
        let files = example.files
        let imported = try Self.imported(files[0], files[1], files[2], files[3])
        let (counts, cost) = try Self.run(imported)
        var hardware = try TimeloopReferenceTests.hardware(twoLevels: example.twoLevels)
        hardware.nominalVoltage = .given(Voltage(si: 1))
        let problem = try ProblemFileTests.example(example.problem)
        let mapping = try MappingFile.parse(example.mapping, path: "own.yaml").mapping(
            for: problem.problem, hardware: hardware)
        #expect(mapping == imported.mapping)
        let own = try ReuseAnalysis.analyze(problem: problem.problem, mapping: mapping, hardware: hardware)
        #expect(own == counts)
        let ownCost = try EnergyModel.cost(
            counts: own, mapping: mapping, problem: problem.problem, macPrecision: .int8, hardware: hardware,
            at: TimeloopReferenceTests.point)
        #expect(abs(ownCost.energy.total - cost.energy.total) <= 1e-12 * ownCost.energy.total)
        #expect(ownCost.cycles == cost.cycles)
    }

    /// Each written file says it was imported and from where, and reads back as what was returned.
    @Test func writtenFilesNameTheirSourceAndReadBack() throws {
        let imported = try Self.imported(
            "3level.arch.yaml", "conv1d+oc.prob.yaml", "conv1d+oc-3level-bypass.map.yaml", "3level.ERT_summary.yaml")
        let problemText = try #require(imported.problemText)
        let mappingText = try #require(imported.mappingText)
        for (text, source) in [
            (imported.hardwareText, "3level.arch.yaml"), (problemText, "conv1d+oc.prob.yaml"),
            (mappingText, "conv1d+oc-3level-bypass.map.yaml"),
        ] {
            let first = text.split(separator: "\n").first ?? ""
            #expect(first.hasPrefix("# Imported by `joule import timeloop` from the Timeloop"), "\(first)")
            #expect(first.contains(source), "\(first)")
        }
        #expect(imported.hardwareText.contains("3level.ERT_summary.yaml"))
        let hardware = try YAMLDecoder().decode(Accelerator.self, from: imported.hardwareText, path: "h.yaml")
        #expect(hardware == imported.hardware)
        let problem = try ProblemFile.parse(problemText, path: "p.yaml")
        let mapping = try MappingFile.parse(mappingText, path: "m.yaml").mapping(
            for: problem.problem, hardware: hardware)
        #expect(mapping == imported.mapping)
        // Timeloop's bypass directives: outputs skip the GlobalBuffer, weights and inputs the RegisterFile.
        #expect(mapping.levels[1].bypass == [.outputs])
        #expect(mapping.levels[2].bypass == [.weights, .inputs])
    }

    /// Without an energy table, energies are left for Joule to estimate and marked so; sizes
    /// follow depth x block x word size: 32768 x 8 x 8 bit = 256 KiB for the GlobalBuffer.
    @Test func withoutAnEnergyTableJouleEstimates() throws {
        let imported = try TimeloopImport.convert(architecture: Self.input("2level.arch.yaml"))
        let memory = imported.hardware.memory
        #expect(memory.map(\.name) == ["MainMemory", "Buffer"])
        #expect(memory[0].size.si == 262_144)
        #expect(memory[0].width?.si == 64)
        #expect(memory[1].size.si == 64)
        #expect(memory[1].kind == .register)
        #expect(memory[0].readEnergy.provenance.isEstimated)
        #expect(imported.hardware.compute.precisions[.int8]?.macEnergy.provenance.isEstimated == true)
        #expect(imported.hardwareText.contains("int8: estimated"))
    }
}
