/// One error in an input file, with where it is and how to write it right.
///
/// Prints as compilers do: `path:line:col: error: message`, the offending line, a caret under
/// the fault, and an example of the right form when one helps.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file the error is in (as the user named it).
    public var path: String
    /// Where in the file; nil for errors about the file as a whole.
    public var mark: SourceMark?
    /// What is wrong.
    public var message: String
    /// An example of the right form, or a suggestion ("did you mean ...").
    public var hint: String?
    /// The text of the offending line, for the caret display.
    public var sourceLine: String?

    /// A diagnostic at a mark of a file.
    public init(
        path: String, mark: SourceMark?, message: String, hint: String? = nil,
        sourceLine: String? = nil
    ) {
        self.path = path
        self.mark = mark
        self.message = message
        self.hint = hint
        self.sourceLine = sourceLine
    }

    /// The one-line form: `path:line:col: error: message`.
    public var headline: String {
        if let mark { return "\(path):\(mark.line):\(mark.column): error: \(message)" }
        return "\(path): error: \(message)"
    }

    /// The full form: headline, source line, caret, hint.
    public var description: String {
        var out = headline
        if let mark, let line = sourceLine {
            let (shown, caret) = Self.window(line.replacingTabs(), column: mark.column)
            out += "\n    \(shown)\n    " + String(repeating: " ", count: caret) + "^"
        }
        if let hint { out += "\n    note: \(hint)" }
        return out
    }
}

extension Diagnostic {
    /// The most characters of a source line shown under a diagnostic; a longer line (a CSV
    /// header of thousands of columns) is shown as this much around the caret, cut with "…".
    public static let shownWidth = 120

    /// The part of a line shown, and how many characters precede the caret in it.
    static func window(_ line: String, column: Int) -> (text: String, caret: Int) {
        let scalars = line.unicodeScalars
        guard scalars.count > shownWidth else { return (line, max(0, column - 1)) }
        let start = max(0, min(column - 1 - shownWidth / 2, scalars.count - shownWidth))
        let first = scalars.index(scalars.startIndex, offsetBy: start)
        let last = scalars.index(first, offsetBy: shownWidth)
        var text = String(scalars[first..<last])
        var caret = column - 1 - start
        if start > 0 {
            text = "…" + text
            caret += 1
        }
        if last < scalars.endIndex { text += "…" }
        return (text, max(0, caret))
    }
}

/// Every error found in one or more files, in file order.
public struct Diagnostics: Error, Sendable, CustomStringConvertible {
    /// The errors, sorted by file and position.
    public private(set) var items: [Diagnostic]

    /// A collection of diagnostics (sorted by path, then position; duplicates dropped).
    public init(_ items: [Diagnostic]) {
        var seen = Set<Diagnostic>()
        self.items = items.filter { seen.insert($0).inserted }.sorted { a, b in
            if a.path != b.path { return a.path < b.path }
            return (a.mark ?? SourceMark(line: 0, column: 0)) < (b.mark ?? SourceMark(line: 0, column: 0))
        }
    }

    /// All diagnostics, separated by blank lines, then a count.
    public var description: String {
        let body = items.map(\.description).joined(separator: "\n")
        let count = items.count == 1 ? "1 error" : "\(items.count) errors"
        return body + "\n" + count
    }

    /// Flattens any error into diagnostics: `Diagnostics` and `Diagnostic` keep their positions,
    /// anything else becomes one diagnostic about `path`.
    public static func flatten(_ error: any Error, path: String) -> [Diagnostic] {
        switch error {
        case let many as Diagnostics: return many.items
        case let one as Diagnostic: return [one]
        default: return [Diagnostic(path: path, mark: nil, message: "\(error)")]
        }
    }
}

extension String {
    /// Tabs shown as single spaces so a caret column lines up with the printed line.
    fileprivate func replacingTabs() -> String {
        String(map { $0 == "\t" ? " " : $0 })
    }
}
