import JouleSpec
import YAML

/// A mapping written by hand (`joule eval op ... --mapping FILE`), in the form `joule eval op`
/// prints:
///
/// ```yaml
/// dataflow: weight_stationary        # optional
/// levels:                            # one entry per memory level, outermost first
///   - level: DRAM
///     temporal: [K4]                 # loops outermost first: dimension letter and bound
///   - level: WeightFIFO
///     temporal: [N4, M2048]
///     spatial_x: [K256]
///     spatial_y: [N256]
///     bypass: [inputs]               # optional
/// ```
public struct MappingFile: Decodable, Sendable {
    /// One written level.
    public struct Level: Decodable, Sendable {
        public var level: Located<String>
        public var temporal: [Located<String>]
        public var spatialX: [Located<String>]
        public var spatialY: [Located<String>]
        public var bypass: [Operand]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case level, temporal, bypass
            case spatialX = "spatial_x"
            case spatialY = "spatial_y"
        }

        public init(from decoder: any Decoder) throws {
            var r = try MappingReader(decoder, keys: CodingKeys.self)
            let level = r.required(.level, Located<String>.self, example: "level: DRAM")
            temporal = r.optional(.temporal, [Located<String>].self) ?? []
            spatialX = r.optional(.spatialX, [Located<String>].self) ?? []
            spatialY = r.optional(.spatialY, [Located<String>].self) ?? []
            bypass = r.optional(.bypass, [Operand].self) ?? []
            try r.finish()
            self.level = try r.unwrap(level)
        }
    }

    /// The dataflow the spatial loops implement (decides systolic timing).
    public var dataflow: Dataflow?
    /// Levels, outermost first.
    public var levels: [Level]
    /// Where the `levels` key is.
    public var mark: SourceMark?
    /// Where the `dataflow` value is.
    public var dataflowMark: SourceMark?
    /// The file's name, for diagnostics.
    public var path = ""

    enum CodingKeys: String, CodingKey, CaseIterable { case dataflow, levels }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        dataflow = r.optional(.dataflow, Dataflow.self)
        let levels = r.required(.levels, [Level].self, example: "levels: [ { level: DRAM, temporal: [K4] } ]")
        mark = r.mark(of: .levels)
        dataflowMark = r.mark(of: .dataflow)
        try r.finish()
        self.levels = try r.unwrap(levels)
    }

    /// Loads a mapping file.
    public static func load(_ path: String) throws(Diagnostics) -> MappingFile {
        try parse(Catalog.readText(path), path: path)
    }

    /// Reads a mapping from text already read from `path`.
    public static func parse(_ text: String, path: String) throws(Diagnostics) -> MappingFile {
        var file = try YAMLDecoder().decode(MappingFile.self, from: text, path: path)
        file.path = path
        return file
    }

    /// The mapping for a problem on a hardware: level names must match the hardware's in order,
    /// and loops name the problem's dimensions (`B` is accepted for a GEMM's batch `H`).
    public func mapping(for problem: Problem, hardware: Accelerator, lines: SourceLines? = nil) throws(Diagnostics)
        -> Mapping
    {
        var diagnostics: [Diagnostic] = []
        func fail(_ message: String, _ mark: SourceMark?, hint: String? = nil) {
            diagnostics.append(
                Diagnostic(
                    path: path, mark: mark, message: message, hint: hint,
                    sourceLine: mark.flatMap { lines?.line($0.line) }))
        }
        let names = hardware.memory.map(\.name)
        if levels.count != names.count {
            fail(
                "the mapping lists \(levels.count) levels but \(hardware.name) has \(names.count): \(names.joined(separator: ", "))",
                mark)
        }
        func loops(_ texts: [Located<String>]) -> [Loop] {
            texts.compactMap { text in
                let value = text.value
                let letters = String(value.prefix { $0.isLetter })
                var name = letters.uppercased()
                if name == "B", problem.dimension(named: "B") == nil, problem.dimension(named: "H") != nil {
                    name = "H"
                }
                guard let dimension = problem.dimension(named: name) else {
                    fail(
                        "'\(value)' loops over \(letters.isEmpty ? "no dimension" : "dimension '\(letters)'"), which the operator lacks",
                        text.mark,
                        hint: "write a dimension and a bound, e.g. K4; dimensions: "
                            + problem.dimensions.joined(separator: ", "))
                    return nil
                }
                guard let bound = Int(value.dropFirst(letters.count)), bound >= 1 else {
                    fail("'\(value)' needs a bound of at least 1 after the dimension", text.mark, hint: "e.g. \(name)4")
                    return nil
                }
                return Loop(dimension, bound)
            }
        }
        var mapped: [LevelMapping] = []
        for (index, entry) in levels.enumerated() {
            if index < names.count && entry.level.value != names[index] {
                fail(
                    "level \(index + 1) is '\(names[index])' on \(hardware.name), not '\(entry.level.value)'",
                    entry.level.mark, hint: "levels go outermost first: " + names.joined(separator: ", "))
            }
            mapped.append(
                LevelMapping(
                    temporal: loops(entry.temporal), spatialX: loops(entry.spatialX), spatialY: loops(entry.spatialY),
                    bypass: Set(entry.bypass)))
        }
        if !diagnostics.isEmpty { throw Diagnostics(diagnostics) }
        return Mapping(levels: mapped, dataflow: dataflow)
    }
}

extension MappingFile {
    /// The mapping and its counts for a problem on a hardware, with every error positioned in
    /// the file: a dataflow the array lacks at `dataflow:`, a level's fault (capacity, fanout)
    /// at that level's entry, a dimension's (factors that do not cover or overflow its bound) at
    /// the last loop over it.
    public func analyze(problem: Problem, hardware: Accelerator, lines: SourceLines? = nil) throws(Diagnostics) -> (
        mapping: Mapping, counts: AccessCounts
    ) {
        let mapping = try self.mapping(for: problem, hardware: hardware, lines: lines)
        func diagnostic(_ message: String, at mark: SourceMark?, hint: String? = nil) -> Diagnostics {
            Diagnostics([
                Diagnostic(
                    path: path, mark: mark ?? self.mark, message: message, hint: hint,
                    sourceLine: (mark ?? self.mark).flatMap { lines?.line($0.line) })
            ])
        }
        if let dataflow = mapping.dataflow, !hardware.compute.dataflows.contains(dataflow) {
            throw diagnostic(
                "\(hardware.name) does not support \(dataflow)", at: dataflowMark,
                hint: "it supports " + hardware.compute.dataflows.map(\.rawValue).joined(separator: ", "))
        }
        do {
            return (mapping, try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hardware))
        } catch {
            throw diagnostic(error.message, at: self.mark(of: error, problem: problem))
        }
    }

    /// Where in the file a mapping error lies: the loop over its dimension (innermost written
    /// last wins, at its level when it names one), else its level's entry.
    func mark(of error: MappingError, problem: Problem) -> SourceMark? {
        let scope = error.level.map { levels.indices.contains($0) ? [levels[$0]] : [] } ?? levels
        if let d = error.dimension, problem.dimensions.indices.contains(d) {
            let name = problem.dimensions[d]
            let loop = scope.flatMap { $0.temporal + $0.spatialX + $0.spatialY }.last { text in
                let letters = text.value.prefix { $0.isLetter }.uppercased()
                return letters == name || (letters == "B" && name == "H")
            }
            if let loop { return loop.mark }
        }
        if let level = error.level, levels.indices.contains(level) { return levels[level].level.mark }
        return nil
    }
}

extension Mapping {
    /// The mapping in the YAML form `MappingFile` reads.
    public func yaml(problem: Problem, levelNames: [String]) -> String {
        func list(_ loops: [Loop]) -> String {
            "[" + loops.map { "\(problem.dimensions[$0.dimension])\($0.bound)" }.joined(separator: ", ") + "]"
        }
        var lines: [String] = []
        if let dataflow { lines.append("dataflow: \(dataflow)") }
        lines.append("levels:")
        for (index, level) in levels.enumerated() {
            lines.append("  - level: \(index < levelNames.count ? levelNames[index] : "level\(index)")")
            if !level.temporal.isEmpty { lines.append("    temporal: \(list(level.temporal))") }
            if !level.spatialX.isEmpty { lines.append("    spatial_x: \(list(level.spatialX))") }
            if !level.spatialY.isEmpty { lines.append("    spatial_y: \(list(level.spatialY))") }
            if !level.bypass.isEmpty {
                lines.append("    bypass: [" + level.bypass.map(\.rawValue).sorted().joined(separator: ", ") + "]")
            }
        }
        return lines.joined(separator: "\n")
    }
}
