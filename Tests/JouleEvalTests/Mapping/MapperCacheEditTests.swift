import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Every number of a hardware file, edited one at a time: an evaluation through a cache that
/// already holds the unedited design's answers must equal a fresh one. The edits are generated
/// from the file's own tree (every numeric scalar), not from a hand-kept list of fields, so a
/// field added to the format later is covered without touching this test.
struct MapperCacheEditTests {
    /// A numeric leaf of a YAML tree: its key path and its text.
    struct Leaf: CustomStringConvertible {
        var path: [String]
        var text: String
        var description: String { path.joined(separator: ".") + " = " + text }
    }

    /// Every scalar whose text starts with a number, with the key path `setting` reaches it by.
    static func numericLeaves(_ node: YAMLNode, path: [String] = []) -> [Leaf] {
        switch node.content {
        case .scalar(let text, _):
            guard let first = text.first, first.isNumber else { return [] }
            return [Leaf(path: path, text: text)]
        case .sequence(let items):
            return items.enumerated().flatMap { numericLeaves($1, path: path + [String($0)]) }
        case .mapping(let entries):
            return entries.flatMap { numericLeaves($0.value, path: path + [$0.key]) }
        }
    }

    /// The leaf's number scaled, with its unit kept: "64 KiB" x 2 -> "128 KiB"; a zero becomes
    /// the factor itself ("0 W" -> "2 W"), since scaling it would not edit it.
    static func scaled(_ text: String, by factor: Double) -> String? {
        let number = text.prefix { $0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "-" || $0 == "+" }
        guard let value = Double(number) else { return nil }
        let isInteger = !number.contains(".") && !number.lowercased().contains("e")
        let edited = value == 0 ? factor : value * factor
        if isInteger {
            guard edited == edited.rounded(), edited >= 1 else { return nil }
            return String(Int(edited)) + text.dropFirst(number.count)
        }
        return String(edited) + text.dropFirst(number.count)
    }

    static let shapes = [
        GEMM(b: 1, m: 64, n: 768, k: 768, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16),
        GEMM(b: 12, m: 64, n: 64, k: 64, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16),
    ]

    /// The cost of each shape, through an evaluator with the given cache.
    static func costs(_ hardware: Accelerator, cache: MapperCache) throws -> [(energy: Double, seconds: Double)] {
        let evaluator = try Evaluator(hardware: hardware, cache: cache, tilingBudget: 4)
        return try shapes.map { gemm in
            var gemm = gemm
            let precision: Precision = hardware.compute.precisions[.bf16] != nil ? .bf16 : .int8
            gemm.inputPrecision = precision
            gemm.secondPrecision = precision
            gemm.outputPrecision = precision
            let cost = try evaluator.evaluate(gemm).cost
            return (cost.energy.total, cost.seconds)
        }
    }

    @Test(arguments: ["toy-3level", "h100-sxm", "gemmini"])
    func everyEditedNumberReachesACachedAnswer(design: String) throws {
        let path = MapperTests.root.appendingPathComponent("Hardware/\(design).yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let parser = YAMLParser()
        let root = try #require(try parser.parse(text, path: path))
        let lines = SourceLines(text)
        let base = try YAMLDecoder().decode(Accelerator.self, from: root, path: path, lines: lines)
        let shared = MapperCache()
        let before = try Self.costs(base, cache: shared)
        var edited = 0
        var moved: [String] = []
        for leaf in Self.numericLeaves(root) {
            // The first scaling that still makes a valid design (instances must divide, etc.).
            var design: Accelerator?
            for factor in [2.0, 0.5, 1.5] {
                guard let value = Self.scaled(leaf.text, by: factor),
                    let tree = try? root.setting(leaf.path, to: YAMLNode(.scalar(value, plain: true), at: root.mark)),
                    let decoded = try? YAMLDecoder().decode(Accelerator.self, from: tree, path: path, lines: lines)
                else { continue }
                design = decoded
                break
            }
            guard let design else { continue }
            edited += 1
            let cached = try Self.costs(design, cache: shared)
            let fresh = try Self.costs(design, cache: MapperCache())
            for (c, f) in zip(cached, fresh) {
                #expect(c.energy == f.energy && c.seconds == f.seconds, "\(design.name): \(leaf)")
            }
            if zip(cached, before).contains(where: { $0.energy != $1.energy || $0.seconds != $1.seconds }) {
                moved.append(leaf.path.joined(separator: "."))
            }
        }
        // The edits are real: most numbers were edited, and what the cost model reads moved it.
        #expect(edited >= 10, "only \(edited) numbers could be edited")
        #expect(moved.contains("static_power") || !text.contains("static_power:"), "\(moved)")
        #expect(moved.contains("clock"), "\(moved)")
    }
}
