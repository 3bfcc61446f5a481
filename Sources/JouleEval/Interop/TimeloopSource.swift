import Foundation
import JouleSpec
import YAML

/// One Timeloop or Accelergy YAML file being read: its node tree, its lines for caret displays,
/// and the errors found in it so far (every error is kept, not only the first).
struct TimeloopSource {
    /// The file as the user named it.
    let path: String
    /// Its lines, for the offending line under a diagnostic.
    let lines: SourceLines
    /// The document's root node.
    let root: YAMLNode
    /// The errors found so far.
    var diagnostics: [Diagnostic] = []

    /// Reads and parses a file; an empty file is an error.
    static func load(_ path: String) throws(Diagnostics) -> TimeloopSource {
        try parse(Catalog.readText(path), path: path)
    }

    /// Parses text read from `path`.
    static func parse(_ text: String, path: String) throws(Diagnostics) -> TimeloopSource {
        guard let root = try YAMLParser().parse(text, path: path) else {
            throw Diagnostics([Diagnostic(path: path, mark: nil, message: "the file is empty")])
        }
        return TimeloopSource(path: path, lines: SourceLines(text), root: root)
    }

    /// Records an error at a mark of this file.
    mutating func error(_ message: String, at mark: SourceMark?, hint: String? = nil) {
        diagnostics.append(
            Diagnostic(
                path: path, mark: mark, message: message, hint: hint,
                sourceLine: mark.flatMap { lines.line($0.line) }))
    }

    /// Throws every recorded error, if any.
    func finish() throws(Diagnostics) {
        if !diagnostics.isEmpty { throw Diagnostics(diagnostics) }
    }

    /// The largest whole number read: Timeloop reads depths, widths, meshes and factors as 32-bit
    /// integers (`std::uint32_t` in `buffer.cpp`, `std::stoi` in `parser.cpp`), and Joule's
    /// problem bounds stop at 2^31, so products of two such numbers cannot overflow.
    static let largestInteger = 1 << 31

    /// A whole number from `minimum` to 2^31 (a plain integer, or a float with no fraction such
    /// as YAML's `1e3`); records an error naming `what` otherwise.
    mutating func integer(_ node: YAMLNode, _ what: String, minimum: Int = 1, hint: String? = nil) -> Int? {
        let largest = Self.largestInteger
        if let text = node.scalar?.trimmingCharacters(in: .whitespaces) {
            if let value = Int(text), value >= minimum, value <= largest { return value }
            if let value = Double(text), value.isFinite, value.rounded() == value, value >= Double(minimum),
                value <= Double(largest)
            {
                return Int(value)
            }
        }
        error(
            "\(what) must be a whole number from \(minimum) to 2^31, found \(Self.shown(node))", at: node.mark,
            hint: hint ?? "Joule reads numbers only; a Timeloop variable or expression must be evaluated first")
        return nil
    }

    /// A finite number greater than zero; records an error naming `what` otherwise.
    mutating func positive(_ node: YAMLNode, _ what: String, allowZero: Bool = false) -> Double? {
        if let text = node.scalar?.trimmingCharacters(in: .whitespaces), let value = Double(text), value.isFinite,
            value > 0 || (allowZero && value == 0)
        {
            return value
        }
        error(
            "\(what) must be a number \(allowZero ? "of at least 0" : "above 0"), found \(Self.shown(node))",
            at: node.mark, hint: "Joule reads numbers only; a Timeloop variable or expression must be evaluated first")
        return nil
    }

    /// The product of two counts, held at `Int.max` instead of overflowing (Joule's own limits
    /// then reject it with a message).
    static func product(_ a: Int, _ b: Int) -> Int {
        let (value, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : value
    }

    /// How a node is quoted in a message.
    static func shown(_ node: YAMLNode) -> String {
        node.scalar.map { "'\($0)'" } ?? node.kindDescription
    }

    /// Where `token` starts inside a scalar node written on one line (a factor inside
    /// `factors: R=3 P=16`); the node's own mark when it cannot be found.
    func mark(of token: Substring, in node: YAMLNode) -> SourceMark {
        guard let text = node.scalar, let range = text.range(of: token),
            let line = lines.line(node.mark.line)
        else { return node.mark }
        let offset = text.distance(from: text.startIndex, to: range.lowerBound)
        let start = line.dropFirst(node.mark.column - 1)
        let quoted = start.first == "\"" || start.first == "'" ? 1 : 0
        let prefix = start.dropFirst(quoted).prefix(offset)
        guard prefix == text.prefix(offset), !text.contains("\n") else { return node.mark }
        return SourceMark(line: node.mark.line, column: node.mark.column + quoted + offset)
    }

    /// The scalar items of a node written as a list (`[Weights, Inputs]`) or one scalar.
    mutating func names(_ node: YAMLNode, _ what: String) -> [Located<String>] {
        if let text = node.scalar, !node.isNull { return [Located(text, at: node.mark)] }
        guard let items = node.items else {
            error("\(what) must be a list of names, found \(node.kindDescription)", at: node.mark)
            return []
        }
        var result: [Located<String>] = []
        for item in items {
            if let text = item.scalar {
                result.append(Located(text, at: item.mark))
            } else {
                error("\(what) must list names, found \(item.kindDescription)", at: item.mark)
            }
        }
        return result
    }
}
