import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// Sweep files get the usual validation, with positions in the sweep file.
struct SweepSpecTests {
    struct BrokenCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var message: String
        var line: Int
        var column: Int
        var testDescription: String { name }
    }

    static let base = "base: { hardware: tpu-like, model: bert-base-uncased, sequence: 128, precision: int8 }\n"

    @Test(arguments: [
        BrokenCase(
            name: "unknown key path with suggestion",
            text: base + "axes:\n  - { key: memory.UnifiedBufer.size, values: [1 MiB] }\n",
            message: "unknown key path 'memory.UnifiedBufer.size' in tpu-like: no item named 'UnifiedBufer'", line: 3,
            column: 12),
        BrokenCase(
            name: "unknown final key", text: base + "axes:\n  - { key: memory.UnifiedBuffer.sise, values: [1 MiB] }\n",
            message: "unknown key path 'memory.UnifiedBuffer.sise': unknown key 'sise'", line: 3, column: 12),
        BrokenCase(
            name: "empty axis", text: base + "axes:\n  - key: batch\n    values: []\n", message: "values is empty",
            line: 4, column: 13),
        BrokenCase(
            name: "range with no point", text: base + "axes:\n  - { key: batch, range: { from: 8, to: 2, step: 1 } }\n",
            message: "the range from 8 to 2 produces no value", line: 3, column: 41),
        BrokenCase(
            name: "constraint on an unknown metric",
            text: base + "axes: [ { key: batch, values: [1] } ]\nconstraints: [ arae <= 100 mm^2 ]\n",
            message: "unknown metric 'arae' in a constraint", line: 3, column: 16),
        BrokenCase(
            name: "wrong unit for a hardware key",
            text: base + "axes:\n  - { key: memory.DRAM.bandwidth, values: [3 GB] }\n",
            message: "memory.DRAM.bandwidth = 3 GB: expected a bandwidth, but '3 GB' is a size in bytes", line: 3,
            column: 12),
        BrokenCase(
            name: "bad workload value", text: base + "axes:\n  - { key: batch, values: [0] }\n",
            message: "batch = 0: must be a whole number of at least 1", line: 3, column: 12),
        BrokenCase(
            name: "unknown objective",
            text: base + "axes: [ { key: batch, values: [1] } ]\nobjectives: [energy, latancy]\n",
            message: "unknown metric 'latancy'", line: 3, column: 22),
    ])
    func brokenSweepsPointAtTheFault(_ example: BrokenCase) throws {
        do {
            let spec = try sweep(example.text)
            _ = try SweepPlan(spec: spec, catalog: repositoryCatalog)
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            let first = try #require(error.items.first)
            #expect(first.message.hasPrefix(example.message), "got: \(first.message)")
            #expect(
                first.mark == SourceMark(line: example.line, column: example.column),
                "got: \(String(describing: first.mark))")
        }
    }

    @Test func unknownKeyPathSuggestsTheNearestLevel() throws {
        let spec = try sweep(Self.base + "axes:\n  - { key: memory.UnifiedBufer.size, values: [1 MiB] }\n")
        do {
            _ = try SweepPlan(spec: spec, catalog: repositoryCatalog)
            Issue.record("expected an error")
        } catch {
            #expect(error.items.first?.hint == "did you mean 'UnifiedBuffer'?")
        }
    }

    @Test func linkedAxesMoveTogether() throws {
        let spec = try sweep(
            Self.base
                + "axes:\n  - linked:\n      - { key: compute.array.rows, values: [64, 128] }\n      - { key: compute.array.cols, values: [64, 128] }\n      - { key: memory.PE.instances, values: [4096, 16384] }\n  - { key: batch, values: [1, 2, 4] }\n"
        )
        let plan = try SweepPlan(spec: spec, catalog: repositoryCatalog)
        #expect(plan.points.count == 6)
        #expect(plan.keys == ["compute.array.rows", "compute.array.cols", "memory.PE.instances", "batch"])
        #expect(plan.settings(4).map(\.value) == ["128", "128", "16384", "2"])
    }
}
