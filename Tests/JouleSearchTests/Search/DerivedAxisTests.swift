import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// Derived axes: a key computed from other axes' values at every point, with positioned errors.
struct DerivedAxisTests {
    static let base = """
        name: derived
        base: { hardware: toy-3level, model: gpt2, phase: decode, context: 128, precision: int8, roofline: ideal }
        axes:
          - { key: compute.array.rows, values: [4, 8] }
          - { key: compute.array.cols, values: [8, 16] }

        """

    /// toy-3level has one PE register per PE: instances must equal rows x cols, so every point
    /// is a valid design only when the derived value is exactly the product.
    @Test func peInstancesFollowTheArray() throws {
        let plan = try SweepPlan(
            spec: sweep(Self.base + "  - { key: memory.PE.instances, derived: \"rows * cols\" }\n"),
            catalog: repositoryCatalog)
        #expect(plan.keys == ["compute.array.rows", "compute.array.cols", "memory.PE.instances"])
        #expect(plan.points.count == 4)
        let values = (0..<4).map { plan.settings($0).map(\.value) }
        #expect(values == [["4", "8", "32"], ["4", "16", "64"], ["8", "8", "64"], ["8", "16", "128"]])
        for id in 0..<4 {
            let row = plan.evaluate(id)
            #expect(row.error.isEmpty, "\(row.error)")
            #expect(row.values == values[id])
        }
    }

    static func parse(_ text: String, _ values: [String: Double]) throws -> Double? {
        let expression = try AxisExpression.parse(text) { name in .success(name) }
        return expression.value(values)
    }

    @Test func arithmeticFollowsTheUsualPrecedence() throws {
        let v: [String: Double] = ["rows": 4, "cols": 8]
        #expect(try Self.parse("rows * cols", v) == 32)
        #expect(try Self.parse("(rows + 2) * cols / 4", v) == 12)
        #expect(try Self.parse("rows - cols / 2", v) == 0)
        #expect(try Self.parse("rows - cols - 1", v) == -5)
        #expect(try Self.parse("-rows + 10", v) == 6)
        #expect(try Self.parse("2 * -(rows - cols)", v) == 8)
        #expect(try Self.parse("1e3 / rows", v) == 250)
        #expect(try Self.parse("rows / (cols - 8)", v) == nil)
    }

    struct Broken: CustomTestStringConvertible, Sendable {
        var entry: String
        var message: String
        var column: Int
        var hint: String?
        var testDescription: String { entry }
    }

    /// Each entry is line 6 of the file; columns are 1-based and count into the quotes.
    static let broken: [Broken] = [
        Broken(
            entry: "  - { key: memory.PE.instances, derived: \"rows * colz\" }",
            message: "derived memory.PE.instances: no axis named 'colz' before this one", column: 50,
            hint: "did you mean 'cols'?"),
        Broken(
            entry: "  - { key: memory.PE.instances, derived: \"rows * (cols + 1\" }",
            message: "derived memory.PE.instances: '(' is not closed", column: 50),
        Broken(
            entry: "  - { key: memory.PE.instances, derived: \"rows * \" }",
            message: "derived memory.PE.instances: the expression ends where a number, an axis or '(' was expected",
            column: 50),
        Broken(
            entry: "  - { key: memory.PE.instances, derived: \"rows cols\" }",
            message: "derived memory.PE.instances: expected an operator (+ - * /), found 'c'", column: 48),
        Broken(
            entry: "  - { key: memory.PE.instances, derived: \"rows % 2\" }",
            message: "derived memory.PE.instances: expected an operator (+ - * /), found '%'", column: 48),
        Broken(
            entry: "  - { key: memory.PE.instances, derived: \"\" }",
            message: "derived memory.PE.instances: the expression is empty", column: 43),
        Broken(
            entry: "  - { key: compute.array.rows, derived: \"cols\" }",
            message: "key 'compute.array.rows' is both swept and derived", column: 12),
        Broken(
            entry:
                "  - { key: memory.GlobalBuffer.size, values: [64 KiB] }\n  - { key: memory.PE.instances, derived: size }",
            message:
                "derived memory.PE.instances: 'size' (memory.GlobalBuffer.size) has values that are not plain numbers",
            column: 42),
    ]

    @Test(arguments: broken) func aBadDerivedAxisIsAnErrorAtItsCharacter(_ test: Broken) throws {
        let text = Self.base + test.entry + "\n"
        do {
            _ = try sweep(text)
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            let first = try #require(error.items.first)
            #expect(first.message == test.message)
            let line = test.entry.contains("\n") ? 7 : 6
            #expect(first.mark == SourceMark(line: line, column: test.column), "\(first.mark.map { "\($0)" } ?? "-")")
            if let hint = test.hint { #expect(first.hint == hint) }
        }
    }

    /// Two axes ending in `size`: the short name is ambiguous, the whole key is not.
    @Test func anAmbiguousShortNameAsksForTheWholeKey() throws {
        let text = """
            name: derived
            base: { hardware: toy-3level, model: gpt2, phase: decode, context: 128, precision: int8 }
            axes:
              - { key: memory.PE.size, values: [64, 128] }
              - { key: memory.GlobalBuffer.size, values: [65536] }
              - { key: memory.DRAM.size, derived: "size * 2" }
            """
        #expect(throws: Diagnostics.self) { try sweep(text) }
        let fixed = text.replacingOccurrences(of: "\"size * 2\"", with: "\"memory.GlobalBuffer.size * 1024\"")
        let spec = try sweep(fixed)
        #expect(spec.derived.first?.expression.references == ["memory.GlobalBuffer.size"])
    }

    /// A point where the expression divides by zero fails with the reason; the others run.
    @Test func aDivisionByZeroFailsThatPointOnly() throws {
        let text = """
            name: derived
            base: { hardware: toy-3level, model: gpt2, phase: decode, context: 128, precision: int8, roofline: ideal }
            axes:
              - { key: batch, values: [1, 2] }
              - { key: context, derived: "64 / (batch - 1)" }
            """
        let plan = try SweepPlan(spec: sweep(text), catalog: repositoryCatalog)
        let first = plan.evaluate(0)
        #expect(first.error.contains("context = 64 / (batch - 1) has no value here (a division by zero)"))
        #expect(plan.settings(1).map(\.value) == ["2", "64"])
        #expect(plan.evaluate(1).error.isEmpty)
    }

    /// The expression is part of the fingerprint: a folder of `rows * cols` does not resume
    /// `rows * cols / 2`.
    @Test func theExpressionIsPartOfTheFingerprint() throws {
        let a = try sweep(Self.base + "  - { key: memory.PE.instances, derived: \"rows * cols\" }\n")
        let b = try sweep(Self.base + "  - { key: memory.PE.instances, derived: \"rows * cols / 2\" }\n")
        let part = { (spec: SweepSpec) in spec.parts.first { $0.name == "derived memory.PE.instances" }?.written }
        #expect(part(a) == "rows * cols")
        #expect(part(b) == "rows * cols / 2")
    }
}
