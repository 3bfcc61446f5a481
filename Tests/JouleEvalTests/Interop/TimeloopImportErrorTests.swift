import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// What Joule cannot express, or what is wrong in a Timeloop file, is an error at its place in
/// that file (line and column 1-based, as `joule` prints them).
struct TimeloopImportErrorTests {
    /// A two-level architecture in Timeloop v0.4's form; `{CLASS}` and `{DEPTH}` are replaced.
    static let architecture = """
        architecture:
          version: 0.4
          nodes:
          - !Container
            name: System
            attributes: { technology: "40nm", global_cycle_seconds: 1e-9 }
          - !Component
            name: MainMemory
            class: {CLASS}
            attributes: { {DEPTH}width: 64, datawidth: 8 }
          - !Component
            name: Buffer
            class: regfile
            attributes: { depth: 64, width: 8, datawidth: 8 }
          - !Component
            name: MACC
            class: intmac
        """

    static let problem = """
        problem:
          shape:
            name: Conv1D
            dimensions: [ R, P ]
            data_spaces:
            - { name: Weights, projection: [ [ [R] ] ] }
            - { name: Inputs, projection: [ [ [R], [P] ] ] }
            - { name: Outputs, projection: [ [ [P] ] ], read_write: True }
          instance: { R: 3, P: 16 }
        """

    static func mapping(_ outer: String) -> String {
        """
        mapping:
          - target: MainMemory
            type: temporal
            factors: \(outer)
            permutation: PR
          - target: Buffer
            type: temporal
            factors: R=3 P=1
            permutation: RP
        """
    }

    struct Broken: CustomTestStringConvertible, Sendable {
        var name: String
        var className = "SRAM"
        var depth = "depth: 32768, "
        var factors = "R=1 P=16"
        var problem = TimeloopImportErrorTests.problem
        /// The file the error is in, its message, line and column. A dimension's fault (factors
        /// that do not multiply to its bound) is at the last factor written for it, as in Joule's
        /// own mapping files.
        var file: String
        var message: String
        var line: Int
        var column: Int
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(
            name: "an unknown class", className: "cache", file: "arch.yaml",
            message: "unknown class 'cache' of component 'MainMemory'", line: 9, column: 12),
        Broken(
            name: "a DRAM with no energy table and no type", className: "DRAM", file: "arch.yaml",
            message: "DRAM 'MainMemory' has no read energy in an energy table and no known attributes.type", line: 7,
            column: 5),
        Broken(
            name: "a storage level without a depth", depth: "", file: "arch.yaml",
            message: "storage 'MainMemory' has no depth; Joule needs the size of every level but DRAM", line: 7,
            column: 5),
        Broken(
            name: "a factor over an unknown dimension", factors: "R=1 Q=16", file: "map.yaml",
            message: "factor 'Q=16' names dimension Q, which the problem lacks", line: 4, column: 18),
        Broken(
            name: "a factor that is not a whole number", factors: "R=1 P=1.5", file: "map.yaml",
            message: "factor 'P=1.5' must be a whole number", line: 4, column: 18),
        Broken(
            name: "a factor with a residual", factors: "R=1 P=16,4", file: "map.yaml",
            message: "factor 'P=16,4' has a residual; Joule pads imperfect tiles instead and cannot express it",
            line: 4, column: 18),
        Broken(
            name: "factors that do not multiply to the bound", factors: "R=1 P=8", file: "map.yaml",
            message: "the factors of P multiply to 8, not its bound 16", line: 8, column: 18),
        Broken(
            name: "densities",
            problem: problem.replacingOccurrences(of: "P: 16 }", with: "P: 16, densities: { Weights: 0.5 } }"),
            file: "prob.yaml", message: "densities cannot be imported: Joule's problem files model dense tensors",
            line: 9,
            column: 39),
        Broken(
            name: "a projection over an undeclared dimension",
            problem: problem.replacingOccurrences(of: "[ [ [R], [P] ] ]", with: "[ [ [R], [Q] ] ]"), file: "prob.yaml",
            message: "projection names dimension 'Q', which the shape does not declare", line: 7, column: 45),
    ]

    @Test(arguments: broken)
    func errorsArePositionedInTheTimeloopFile(_ test: Broken) {
        let arch = Self.architecture.replacingOccurrences(of: "{CLASS}", with: test.className)
            .replacingOccurrences(of: "{DEPTH}", with: test.depth)
        do {
            _ = try TimeloopImport.convert(
                architecture: .init(path: "arch.yaml", text: arch),
                problem: .init(path: "prob.yaml", text: test.problem),
                mapping: .init(path: "map.yaml", text: Self.mapping(test.factors)))
            Issue.record("expected an error")
        } catch {
            let item = error.items.first { $0.message == test.message }
            #expect(item != nil, "\(error.items.map(\.headline))")
            #expect(item?.path == test.file)
            #expect(item?.mark == SourceMark(line: test.line, column: test.column), "\(String(describing: item?.mark))")
            #expect(item?.sourceLine != nil)
        }
    }

    /// The unbroken inputs import, so each case above fails for its own fault only.
    @Test func theBaseInputsImport() throws {
        let arch = Self.architecture.replacingOccurrences(of: "{CLASS}", with: "SRAM")
            .replacingOccurrences(of: "{DEPTH}", with: "depth: 32768, ")
        let imported = try TimeloopImport.convert(
            architecture: .init(path: "arch.yaml", text: arch), problem: .init(path: "prob.yaml", text: Self.problem),
            mapping: .init(path: "map.yaml", text: Self.mapping("R=1 P=16")))
        #expect(imported.mapping?.levels.map(\.temporal) == [[Loop(1, 16)], [Loop(0, 3)]])
    }

    /// A !Parallel node's branches (Eyeriss's per-operand scratchpads) become consecutive
    /// levels in the order listed, as Timeloop's front end writes them, each holding the data
    /// space its constraints keep; instances multiply through the container's mesh.
    @Test func parallelBranchesBecomeConsecutiveLevels() throws {
        let arch = """
            architecture:
              version: 0.4
              nodes:
              - !Container
                name: System
                attributes: { technology: "40nm" }
              - !Component
                name: GlobalBuffer
                class: SRAM
                attributes: { depth: 1024, width: 64, datawidth: 8 }
              - !Container
                name: PE
                spatial: { meshX: 4, meshY: 2 }
              - !Parallel
                nodes:
                - !Component
                  name: weights_spad
                  class: smartbuffer_RF
                  attributes: { depth: 16, width: 8, datawidth: 8 }
                  constraints: { dataspace: { keep: [Weights] } }
                - !Component
                  name: psum_spad
                  class: regfile
                  attributes: { depth: 8, width: 8, datawidth: 8 }
                  constraints: { dataspace: { keep: [Outputs], bypass: [Weights, Inputs] } }
              - !Component
                name: mac
                class: intmac
            """
        let imported = try TimeloopImport.convert(architecture: .init(path: "arch.yaml", text: arch))
        let memory = imported.hardware.memory
        #expect(memory.map(\.name) == ["GlobalBuffer", "weights_spad", "psum_spad"])
        #expect(memory.map(\.instances) == [1, 8, 8])
        #expect(memory.map(\.holds) == [[.weights, .inputs, .outputs], [.weights], [.outputs]])
        #expect(memory.map(\.kind) == [.sram, .register, .register])
        #expect(imported.hardware.compute.rows == 4)
        #expect(imported.hardware.compute.cols == 2)
    }

    /// A Timeloop file within Timeloop's limits but past one of Joule's (an array of 100,000
    /// rows, Joule reads up to 65,536) is reported in the hardware file as it would be written,
    /// with an error naming the Timeloop file it came from.
    @Test func joulesOwnLimitsAreReportedInTheFileThatWouldBeWritten() {
        let arch = Self.architecture.replacingOccurrences(of: "{CLASS}", with: "SRAM")
            .replacingOccurrences(of: "{DEPTH}", with: "depth: 32768, ")
            .replacingOccurrences(
                of: "  - !Component\n    name: Buffer",
                with: "  - !Container\n    name: PE\n    spatial: { meshX: 100000 }\n  - !Component\n    name: Buffer")
        do {
            _ = try TimeloopImport.convert(architecture: .init(path: "arch.yaml", text: arch), folder: "out")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.items.contains {
                    $0.path == "out/hardware.yaml" && $0.message.hasPrefix("rows must be from 1 to 65536")
                })
            #expect(
                error.items.contains {
                    $0.path == "arch.yaml" && $0.message.hasPrefix("out/hardware.yaml, imported from this file")
                })
        }
    }

    /// An action the energy table prices at 0 pJ cannot be written (Joule's energies are above
    /// zero, and a left-out write energy would be taken equal to the read energy).
    @Test func aZeroEnergyIsRefusedAtIt() {
        let arch = Self.architecture.replacingOccurrences(of: "{CLASS}", with: "SRAM")
            .replacingOccurrences(of: "{DEPTH}", with: "depth: 32768, ")
        let table = """
            ERT_summary:
              table_summary:
                - name: System_top_level.Buffer[1..1]
                  actions:
                    - { name: read, energy: 0.144 }
                    - { name: write, energy: 0.0 }
            """
        do {
            _ = try TimeloopImport.convert(
                architecture: .init(path: "arch.yaml", text: arch), energyTable: .init(path: "ert.yaml", text: table))
            Issue.record("expected an error")
        } catch {
            let item = error.items.first { $0.path == "ert.yaml" }
            #expect(item?.message == "Buffer.write costs 0 pJ, and Joule's access and MAC energies are above zero")
            #expect(item?.mark == SourceMark(line: 6, column: 34), "\(error.items.map(\.headline))")
        }
    }

    /// Joule charges fills and updates at one write energy; an ERT that prices them apart is refused
    /// at the update's energy.
    @Test func anUpdateThatCostsOtherThanAWriteIsRefused() {
        let arch = Self.architecture.replacingOccurrences(of: "{CLASS}", with: "SRAM")
            .replacingOccurrences(of: "{DEPTH}", with: "depth: 32768, ")
        let table = """
            ERT_summary:
              table_summary:
                - name: System_top_level.MainMemory[1..1]
                  actions:
                    - { name: read, energy: 43.353054 }
                    - { name: write, energy: 30.878292 }
                    - { name: update, energy: 20.0 }
            """
        do {
            _ = try TimeloopImport.convert(
                architecture: .init(path: "arch.yaml", text: arch), energyTable: .init(path: "ert.yaml", text: table))
            Issue.record("expected an error")
        } catch {
            let item = error.items.first { $0.path == "ert.yaml" }
            #expect(item?.mark == SourceMark(line: 7, column: 35), "\(error.items.map(\.headline))")
        }
    }
}
