import JouleSpec
import YAML

/// Mapspace constraints written by hand (`joule eval op ... --constraints FILE`, and `joule eval`
/// for every GEMM), Timeloop's per-level constraints in Joule's words:
///
/// ```yaml
/// constraints:
///   - level: GlobalBuffer
///     factors: [K32, P1]      # the level's temporal loop bounds, as in mapping files
///     innermost: [P]          # dimensions that may run innermost at the level
///     permutation: [P, K]     # loop order, innermost first: P, then K, the rest outside
///     spatial_x: [K]          # dimensions allowed across the fanout's X (rows)
///     spatial_y: [N]          # ... and Y (columns)
///     keep: [inputs]          # operands the level must keep
///     bypass: [weights]       # operands it must not keep
///     extents: every          # every tile count of each dimension, not the ladder (slower)
/// ```
public struct ConstraintsFile: Decodable, Sendable {
    /// One level's entry.
    public struct Entry: Decodable, Sendable {
        public var level: Located<String>
        public var factors: [Located<String>]?
        public var innermost: [Located<String>]?
        public var permutation: [Located<String>]?
        public var spatialX: [Located<String>]?
        public var spatialY: [Located<String>]?
        public var keep: [Located<Operand>]?
        public var bypass: [Located<Operand>]?
        public var extents: Located<String>?
        /// Where each key is, to name the constraint that empties the mapspace.
        public var marks: [String: SourceMark] = [:]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case level, factors, innermost, permutation, keep, bypass, extents
            case spatialX = "spatial_x"
            case spatialY = "spatial_y"
        }

        public init(from decoder: any Decoder) throws {
            var r = try MappingReader(decoder, keys: CodingKeys.self)
            let level = r.required(.level, Located<String>.self, example: "level: GlobalBuffer")
            factors = r.optional(.factors, [Located<String>].self)
            innermost = r.optional(.innermost, [Located<String>].self)
            permutation = r.optional(.permutation, [Located<String>].self)
            spatialX = r.optional(.spatialX, [Located<String>].self)
            spatialY = r.optional(.spatialY, [Located<String>].self)
            keep = r.optional(.keep, [Located<Operand>].self)
            bypass = r.optional(.bypass, [Located<Operand>].self)
            extents = r.optional(.extents, Located<String>.self)
            for key in CodingKeys.allCases { if let mark = r.mark(of: key) { marks[key.stringValue] = mark } }
            try r.finish()
            self.level = try r.unwrap(level)
        }
    }

    /// The entries, in file order.
    public var entries: [Entry]
    /// The file's name, for diagnostics.
    public var path = ""
    /// The file's text, for the source lines of diagnostics.
    public var text = ""

    enum CodingKeys: String, CodingKey, CaseIterable { case constraints }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let entries = r.required(
            .constraints, [Entry].self, example: "constraints: [ { level: GlobalBuffer, factors: [K32] } ]")
        try r.finish()
        self.entries = try r.unwrap(entries)
    }

    /// Loads a constraints file.
    public static func load(_ path: String) throws(Diagnostics) -> ConstraintsFile {
        let text = try Catalog.readText(path)
        var file = try YAMLDecoder().decode(ConstraintsFile.self, from: text, path: path)
        file.path = path
        file.text = text
        return file
    }

    /// The constraints for a problem on a hardware, every fault positioned: a level the hardware
    /// lacks (with a suggestion), a dimension the problem lacks, a factor that is not a
    /// dimension and a positive bound, an operand both kept and bypassed, kept where the level
    /// cannot hold it, bypassed where the hardware says `must_hold`, a permutation that repeats a
    /// dimension or disagrees with `innermost`. `upTo` keeps only the
    /// first entries' first keys (file order), to find the one that empties the mapspace.
    public func constraints(for problem: Problem, hardware: Accelerator, upTo limit: Int = .max) throws(Diagnostics)
        -> MapspaceConstraints
    {
        let lines = SourceLines(text)
        var diagnostics: [Diagnostic] = []
        func fail(_ message: String, _ mark: SourceMark?, hint: String? = nil) {
            diagnostics.append(
                Diagnostic(
                    path: path, mark: mark, message: message, hint: hint,
                    sourceLine: mark.flatMap { lines.line($0.line) }))
        }
        func dimension(_ text: Located<String>) -> Int? {
            var name = text.value.uppercased()
            if name == "B", problem.dimension(named: "B") == nil, problem.dimension(named: "H") != nil { name = "H" }
            guard let d = problem.dimension(named: name) else {
                fail(
                    "'\(text.value)' is not a dimension of the operator", text.mark,
                    hint: "dimensions: " + problem.dimensions.joined(separator: ", "))
                return nil
            }
            return d
        }
        var result = MapspaceConstraints()
        var taken = 0
        let names = hardware.memory.map(\.name)
        for entry in entries {
            guard let i = names.firstIndex(of: entry.level.value) else {
                fail(
                    "\(hardware.name) has no level '\(entry.level.value)'", entry.level.mark,
                    hint: Suggestion.hint(for: entry.level.value, among: names))
                continue
            }
            if result.levels[i] != nil {
                fail("\(entry.level.value) is constrained twice; give one entry per level", entry.level.mark)
            }
            var level = MapspaceConstraints.Level()
            let memory = hardware.memory[i]
            func within() -> Bool {
                taken += 1
                return taken <= limit
            }
            if let factors = entry.factors, within() {
                for factor in factors {
                    let letters = String(factor.value.prefix { $0.isLetter })
                    guard let bound = Int(factor.value.dropFirst(letters.count)), bound >= 1, !letters.isEmpty else {
                        fail(
                            "'\(factor.value)' is not a dimension and a loop bound of at least 1", factor.mark,
                            hint: "e.g. factors: [K32, P1]")
                        continue
                    }
                    guard let d = dimension(Located(letters, at: factor.mark)) else { continue }
                    if bound > problem.bounds[d] {
                        fail(
                            "\(factor.value) loops more than \(problem.dimensions[d])'s bound, \(problem.bounds[d])",
                            factor.mark)
                    }
                    level.factors[d] = bound
                }
            }
            if let innermost = entry.innermost, within() { level.innermost = Set(innermost.compactMap(dimension)) }
            if let permutation = entry.permutation, within() {
                var order: [Int] = []
                for name in permutation {
                    guard let d = dimension(name) else { continue }
                    if order.contains(d) {
                        fail(
                            "\(problem.dimensions[d]) appears twice in the permutation of \(memory.name)", name.mark,
                            hint: "list each dimension once, innermost first, e.g. permutation: [P, K]")
                    }
                    order.append(d)
                }
                if let first = order.first, let allowed = level.innermost, !allowed.contains(first) {
                    fail(
                        "the permutation of \(memory.name) puts \(problem.dimensions[first]) innermost, which its innermost list leaves out",
                        permutation.first?.mark, hint: "give one of them, or make them agree")
                }
                level.permutation = order
            }
            if let spatialX = entry.spatialX, within() { level.spatialX = Set(spatialX.compactMap(dimension)) }
            if let spatialY = entry.spatialY, within() { level.spatialY = Set(spatialY.compactMap(dimension)) }
            if let keep = entry.keep, within() {
                for operand in keep where !memory.holds.contains(operand.value) {
                    fail(
                        "\(memory.name) cannot keep \(operand.value): its holds lists "
                            + Operand.allCases.filter(memory.holds.contains).map(\.rawValue).joined(separator: ", "),
                        operand.mark)
                }
                level.keep = Set(keep.map(\.value))
            }
            if let bypass = entry.bypass, within() {
                for operand in bypass {
                    if level.keep.contains(operand.value) {
                        fail("\(operand.value) is both kept and bypassed at \(memory.name)", operand.mark)
                    } else if memory.mustHold.contains(operand.value) {
                        fail(
                            "\(memory.name) must hold \(operand.value) (the hardware's must_hold), so it cannot be bypassed",
                            operand.mark)
                    }
                }
                level.bypass = Set(bypass.map(\.value))
            }
            // Widens the level's tiles, so it never empties the mapspace: always applied.
            if let extents = entry.extents {
                switch extents.value {
                case "every": level.everyExtent = true
                case "ladder": level.everyExtent = false
                default:
                    fail(
                        "extents takes every or ladder, found '\(extents.value)'", extents.mark,
                        hint: "e.g. extents: every (every tile count of each dimension, at some cost in search time)")
                }
            }
            result.levels[i] = level
        }
        // Every operand must still be kept somewhere.
        for operand in Operand.allCases where problem.operands.contains(where: { $0.operand == operand }) {
            let kept = hardware.memory.indices.contains { i in
                hardware.memory[i].holds.contains(operand) && !(result.levels[i]?.bypass.contains(operand) ?? false)
            }
            if !kept {
                fail(
                    "the constraints bypass \(operand.rawValue) at every level that could keep it",
                    entries.first?.level.mark)
            }
        }
        if !diagnostics.isEmpty { throw Diagnostics(diagnostics) }
        return result
    }

    /// The keys the entries set, in file order (what `constraints(upTo:)` counts), with their
    /// level and where each is written.
    var keys: [(name: String, level: String, mark: SourceMark?)] {
        entries.flatMap { entry in
            [
                ("factors", entry.factors != nil), ("innermost", entry.innermost != nil),
                ("permutation", entry.permutation != nil),
                ("spatial_x", entry.spatialX != nil), ("spatial_y", entry.spatialY != nil),
                ("keep", entry.keep != nil), ("bypass", entry.bypass != nil),
            ].filter(\.1).map { (name: $0.0, level: entry.level.value, mark: entry.marks[$0.0]) }
        }
    }

    /// The mapper's best mapping under these constraints; when none is legal, a positioned
    /// error at the first key (file order) after which the constrained mapspace is empty.
    public func best(
        mapper: Mapper, problem: Problem, macPrecision: Precision, dataflow: Dataflow?
    ) throws(Diagnostics) -> MapperResult {
        var constrained = mapper
        constrained.constraints = try constraints(for: problem, hardware: mapper.hardware)
        do {
            return try constrained.best(problem: problem, macPrecision: macPrecision, dataflow: dataflow)
        } catch {
            // Without constraints the error is the hardware's or the problem's own.
            guard (try? mapper.best(problem: problem, macPrecision: macPrecision, dataflow: dataflow)) != nil else {
                throw Diagnostics([Diagnostic(path: path, mark: nil, message: error.message)])
            }
            for (n, key) in keys.enumerated() {
                constrained.constraints = try constraints(for: problem, hardware: mapper.hardware, upTo: n + 1)
                if (try? constrained.best(problem: problem, macPrecision: macPrecision, dataflow: dataflow)) == nil {
                    let lines = SourceLines(text)
                    throw Diagnostics([
                        Diagnostic(
                            path: path, mark: key.mark,
                            message:
                                "no mapping of \(problem.bounds) on \(mapper.hardware.name) satisfies the constraints: \(key.name) of \(key.level) (with the constraints before it) leaves none",
                            hint: "loosen it, or check it against the level's size and fanout",
                            sourceLine: key.mark.flatMap { lines.line($0.line) })
                    ])
                }
            }
            throw Diagnostics([Diagnostic(path: path, mark: nil, message: error.message)])
        }
    }
}
