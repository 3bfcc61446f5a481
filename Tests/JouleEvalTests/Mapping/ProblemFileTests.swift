import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Problem files: the shipped examples read back as the einsums Joule builds in code, and bad
/// files get positioned errors.
struct ProblemFileTests {
    static func example(_ name: String) throws -> ProblemFile {
        try ProblemFile.load(MapperTests.root.appendingPathComponent("Examples/problems/\(name).yaml").path)
    }

    struct Equivalence: CustomTestStringConvertible, Sendable {
        var file: String
        var problem: Problem
        var mac: Precision
        var testDescription: String { file }
    }

    /// Each example equals the problem the code builds for the same layer, dimension for
    /// dimension and term for term (strides included).
    static let equivalences = [
        Equivalence(file: "timeloop-conv1d-oc", problem: Problem.conv1D(k: 32, r: 3, p: 16), mac: .int8),
        Equivalence(
            file: "resnet50-conv3x3", problem: Problem.conv2D(n: 1, k: 64, c: 64, p: 56, q: 56, r: 3, s: 3), mac: .int8
        ),
        Equivalence(
            file: "vit-patch-embedding",
            problem: Problem.conv2D(n: 1, k: 768, c: 3, p: 14, q: 14, r: 16, s: 16, stride: 16, wordBits: 16),
            mac: .bf16),
    ]

    @Test(arguments: equivalences)
    func examplesEqualTheProblemsBuiltInCode(_ test: Equivalence) throws {
        let file = try Self.example(test.file)
        #expect(file.problem == test.problem)
        #expect(file.macPrecision == test.mac)
    }

    /// The depthwise convolution has no reduction over channels: C indexes all three operands,
    /// and R, S (the window) are its only reduction dimensions. The attention score GEMM has no
    /// weights: its keys take that role.
    @Test func depthwiseAndAttentionShapes() throws {
        let depthwise = try Self.example("depthwise-conv3x3").problem
        let c = try #require(depthwise.dimension(named: "C"))
        #expect(depthwise.operands.allSatisfy { $0.isRelevant(c) })
        let depthwiseMACs: Double = 32 * 112 * 112 * 9
        #expect(depthwise.macs == depthwiseMACs)
        let attention = try Self.example("attention-score").problem
        #expect(attention.bounds == [12, 128, 128, 64])
        let attentionMACs: Double = 12 * 128 * 128 * 64
        #expect(attention.macs == attentionMACs)
        let conv1d = try Self.example("timeloop-conv1d").problem
        #expect(conv1d.operands[1].indices == [[IndexTerm(1), IndexTerm(0)]])
    }

    /// `accumulator:` gives the partial sums' format: int32 makes them 32 bits over int8
    /// outputs; left out, partial sums are as wide as the outputs (8 bits), as Timeloop counts them.
    @Test func theAccumulatorKeySetsThePartialSumWidth() throws {
        let plain = try ProblemFile.parse(Self.header + Self.weights + Self.inputs + Self.outputs, path: "p.yaml")
        #expect(plain.problem.accumulatorBits == 8)
        let wide = try ProblemFile.parse(
            Self.header + Self.weights + Self.inputs + Self.outputs + "accumulator: int32\n", path: "p.yaml")
        #expect(wide.problem.accumulatorBits == 32)
        #expect(wide.problem.wordBits == [8, 8, 8])
    }

    struct Broken: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var message: String
        var line: Int
        var column: Int
        var testDescription: String { name }
    }

    static let header = "name: p\ndimensions: { K: 4, R: 3, P: 8 }\noperands:\n"
    static let weights = "  - { name: W, role: weights, index: [K, R], precision: int8 }\n"
    static let inputs = "  - { name: I, role: inputs, index: [\"P + R\"], precision: int8 }\n"
    static let outputs = "  - { name: O, role: outputs, index: [K, P], precision: int8 }\n"

    /// Positions worked out by hand from the text: line 4 is the weights, 5 the inputs, 6 the
    /// outputs; columns count from 1, and a quoted value starts at its opening quote.
    static let broken = [
        Broken(
            name: "undeclared dimension",
            text: header + weights.replacingOccurrences(of: "[K, R]", with: "[K, X]")
                + inputs + outputs,
            message: "'X' in 'X' is not a declared dimension", line: 4, column: 42),
        Broken(
            name: "zero bound",
            text: header.replacingOccurrences(of: "R: 3", with: "R: 0") + weights + inputs + outputs,
            message: "the bound of 'R' must be a whole number from 1 to 2^31, found '0'", line: 2, column: 24),
        Broken(
            name: "zero stride",
            text: header + weights + inputs.replacingOccurrences(of: "P + R", with: "P*0 + R") + outputs,
            message: "coefficient 0 in 'P*0 + R' must be from 1 to 65536", line: 5, column: 38),
        Broken(
            name: "missing output", text: header + weights + inputs, message: "no operand has role outputs", line: 4,
            column: 3),
        Broken(
            name: "output also read",
            text: header + weights + inputs.replacingOccurrences(of: "name: I", with: "name: O") + outputs,
            message: "output 'O' is also read as an input; an einsum's output is only updated", line: 6, column: 13),
        Broken(
            name: "two outputs", text: header + weights + inputs + outputs + outputs,
            message: "a second operand with role outputs", line: 7, column: 22),
    ]

    @Test(arguments: broken)
    func badFilesArePositioned(_ test: Broken) {
        do {
            _ = try ProblemFile.parse(test.text, path: "p.yaml")
            Issue.record("expected an error")
        } catch {
            let item = error.items.first { $0.message == test.message }
            #expect(item != nil, "\(error.items.map(\.message))")
            #expect(item?.mark == SourceMark(line: test.line, column: test.column), "\(String(describing: item?.mark))")
        }
    }

    /// A pinned mapping of the Timeloop Conv1D-with-channels problem read from its file costs
    /// exactly what the same mapping of the problem built in code costs.
    @Test func aFileProblemCostsWhatTheBuiltProblemCosts() throws {
        let hardware = try MapperTests.hardware("toy-3level")
        let file = try Self.example("timeloop-conv1d-oc")
        let mapping = Mapping(
            levels: [
                LevelMapping(temporal: []), LevelMapping(temporal: [Loop(0, 32)]),
                LevelMapping(temporal: [Loop(1, 3), Loop(2, 16)]),
            ], dataflow: nil)
        let fromFile = try ReuseAnalysis.analyze(problem: file.problem, mapping: mapping, hardware: hardware)
        let built = try ReuseAnalysis.analyze(
            problem: Problem.conv1D(k: 32, r: 3, p: 16), mapping: mapping, hardware: hardware)
        #expect(fromFile == built)
    }
}
