import Foundation
import JouleSpec
import YAML

/// Converts Timeloop specifications (a v0.4 or older architecture, a problem, a mapping) and an
/// optional Accelergy energy table into Joule's hardware, problem and mapping files
/// (`joule import timeloop`).
///
/// Each written file starts with a comment that says it was imported and from where, and every
/// number carries its origin in a comment. What Joule cannot express is an error positioned in
/// the Timeloop file: an unknown class, a level without a depth (DRAM excepted), data spaces
/// other than two read and one read_write, densities, residual factors, write and update
/// energies that differ. The written files are read back with Joule's own
/// readers, and the mapping analysed, before anything is returned.
public struct TimeloopImport: Sendable {
    /// One input file: where it is (as the user named it) and its text.
    public struct Input: Sendable {
        /// The path, for messages and comments.
        public var path: String
        /// The file's text.
        public var text: String

        /// An input from text already read.
        public init(path: String, text: String) {
            self.path = path
            self.text = text
        }

        /// Reads a file.
        public static func load(_ path: String) throws(Diagnostics) -> Input {
            Input(path: path, text: try Catalog.readText(path))
        }
    }

    /// The hardware file's text.
    public var hardwareText: String
    /// The problem file's text, when a problem was given.
    public var problemText: String?
    /// The mapping file's text, when a mapping was given.
    public var mappingText: String?
    /// The hardware, read back from `hardwareText`.
    public var hardware: Accelerator
    /// The problem, read back from `problemText`.
    public var problem: ProblemFile?
    /// The mapping over `hardware`'s levels, read back from `mappingText`.
    public var mapping: Mapping?
    /// Things left out that change nothing Joule counts (network components), one line each.
    public var notes: [String]

    /// The names of the written files inside the output folder.
    public static let hardwareFile = "hardware.yaml"
    /// The problem file's name.
    public static let problemFile = "problem.yaml"
    /// The mapping file's name.
    public static let mappingFile = "mapping.yaml"

    /// Timeloop-to-Joule data-space names assumed when no problem is given (Timeloop's CNN
    /// layer shape names its data spaces Weights, Inputs and Outputs).
    static let defaultRoles: [String: Operand] = ["Weights": .weights, "Inputs": .inputs, "Outputs": .outputs]

    /// Converts the inputs; `folder` names the written files in diagnostics about them.
    ///
    /// - Throws: every error found in the inputs, positioned in them.
    public static func convert(
        architecture: Input, problem: Input? = nil, mapping: Input? = nil, energyTable: Input? = nil,
        folder: String = "."
    ) throws(Diagnostics) -> TimeloopImport {
        if mapping != nil && problem == nil {
            throw Diagnostics([
                Diagnostic(
                    path: mapping?.path ?? "", mark: nil,
                    message: "a mapping needs its problem: give the problem file before the mapping")
            ])
        }
        var failures: [Diagnostic] = []
        var archSource = try TimeloopSource.parse(architecture.text, path: architecture.path)
        let arch = TimeloopArchitecture.read(&archSource)
        var table: AccelergyEnergyTable?
        var tableSource: TimeloopSource?
        if let energyTable {
            var source = try TimeloopSource.parse(energyTable.text, path: energyTable.path)
            table = AccelergyEnergyTable.read(&source)
            failures += source.diagnostics
            source.diagnostics = []
            tableSource = source
        }
        var timeloopProblem: TimeloopProblem?
        if let problem {
            var source = try TimeloopSource.parse(problem.text, path: problem.path)
            timeloopProblem = TimeloopProblem.read(&source)
            failures += source.diagnostics
        }
        guard let arch, archSource.diagnostics.isEmpty, failures.isEmpty else {
            throw Diagnostics(archSource.diagnostics + failures)
        }
        var writer = HardwareWriter(architecture: arch, path: architecture.path, table: table)
        writer.roles =
            timeloopProblem.map { problem in
                Dictionary(problem.dataSpaces.map { ($0.name, $0.role) }, uniquingKeysWith: { first, _ in first })
            } ?? defaultRoles
        let hardwareText = writer.write(&archSource, table: &tableSource)
        if !archSource.diagnostics.isEmpty || !(tableSource?.diagnostics.isEmpty ?? true) {
            throw Diagnostics(archSource.diagnostics + (tableSource?.diagnostics ?? []))
        }
        let hardwarePath = folder + "/" + hardwareFile
        let hardware: Accelerator
        do {
            hardware = try YAMLDecoder().decode(Accelerator.self, from: hardwareText, path: hardwarePath)
        } catch {
            throw Self.unwritten(error, written: hardwarePath, from: architecture.path)
        }

        var result = TimeloopImport(
            hardwareText: hardwareText, hardware: hardware,
            notes: arch.ignored.map { "left out \($0): Joule charges no network energy" })
        guard let problem, let timeloopProblem else { return result }
        let precision = writer.precision ?? .int8
        let problemText = Self.problemText(timeloopProblem, precision: precision, from: problem.path)
        let problemFile: ProblemFile
        do {
            problemFile = try ProblemFile.parse(problemText, path: folder + "/" + Self.problemFile)
        } catch {
            throw Self.unwritten(error, written: folder + "/" + Self.problemFile, from: problem.path)
        }
        result.problemText = problemText
        result.problem = problemFile
        guard let mapping else { return result }
        var mappingSource = try TimeloopSource.parse(mapping.text, path: mapping.path)
        let nest = TimeloopMapping.read(&mappingSource, problem: timeloopProblem, architecture: arch)
        try mappingSource.finish()
        guard let nest else { return result }
        let pinned = Mapping(levels: nest.levels)
        do {
            _ = try ReuseAnalysis.analyze(problem: problemFile.problem, mapping: pinned, hardware: hardware)
        } catch {
            let level = error.level.flatMap { nest.levelMarks.indices.contains($0) ? nest.levelMarks[$0] : nil }
            let mark = error.dimension.flatMap { nest.factorMarks[$0] } ?? level
            mappingSource.error(error.message, at: mark ?? mappingSource.root.mark)
            try mappingSource.finish()
        }
        result.mapping = pinned
        result.mappingText =
            "# Imported by `joule import timeloop` from the Timeloop mapping \(mapping.path).\n"
            + "# Loops are outermost first (Timeloop's permutations list them innermost first).\n"
            + pinned.yaml(problem: problemFile.problem, levelNames: hardware.memory.map(\.name)) + "\n"
        return result
    }

    /// Errors Joule's reader finds in a file the import would write (a limit Joule has that the
    /// Timeloop file passes), with one more naming the Timeloop file it came from: the positions
    /// are in the file as it would have been written, and nothing is written.
    static func unwritten(_ errors: Diagnostics, written: String, from path: String) -> Diagnostics {
        let message =
            "\(written), imported from this file, would not be valid Joule (its errors are listed at their "
            + "positions in it as it would be written); nothing was written"
        return Diagnostics(errors.items + [Diagnostic(path: path, mark: nil, message: message)])
    }

    /// Writes the files into `folder` (created if needed).
    ///
    /// - Throws: a message when a file cannot be written.
    public func write(to folder: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var written: [String] = []
        for (name, text) in [
            (Self.hardwareFile, Optional(hardwareText)), (Self.problemFile, problemText),
            (Self.mappingFile, mappingText),
        ] {
            guard let text else { continue }
            let path = folder + "/" + name
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            written.append(path)
        }
        return written
    }

    /// The problem file: dimensions in the shape's order, one operand per role.
    static func problemText(_ problem: TimeloopProblem, precision: Precision, from path: String) -> String {
        var lines = [
            "# Imported by `joule import timeloop` from the Timeloop problem \(path).",
            "# Operand precision \(precision): the architecture's word size.",
            "name: \(quoted(problem.name))",
            "dimensions: { " + problem.dimensions.map { "\($0.name): \($0.bound)" }.joined(separator: ", ") + " }",
            "operands:",
        ]
        for space in problem.dataSpaces {
            let index = space.index.map { "\"\($0)\"" }.joined(separator: ", ")
            lines.append(
                "  - { name: \(quoted(space.name)), role: \(space.role), index: [\(index)], precision: \(precision) }")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
