internal import CYAML

/// Parses YAML text with libyaml into a `YAMLNode` tree with 1-based marks.
///
/// Anchors and aliases are resolved, `<<` merge keys applied, duplicate keys reported, and the
/// nesting depth bounded so that hostile input cannot exhaust the stack of later consumers.
public struct YAMLParser: Sendable {
    /// The deepest nesting of sequences and mappings accepted.
    public var maximumDepth: Int
    /// The most nodes a document may hold once aliases are expanded (guards against alias bombs).
    public var maximumNodes: Int

    /// A parser with the default limits (depth 256, ten million expanded nodes).
    public init(maximumDepth: Int = 256, maximumNodes: Int = 10_000_000) {
        self.maximumDepth = maximumDepth
        self.maximumNodes = maximumNodes
    }

    /// Parses the first document of `text`; nil when the stream holds no document (empty file).
    ///
    /// - Throws: `Diagnostics` naming `path` with positions, for syntax errors and duplicate keys.
    public func parse(_ text: String, path: String) throws(Diagnostics) -> YAMLNode? {
        let bytes = Array(text.utf8)
        let lines = SourceLines(text)
        var builder = TreeBuilder(
            path: path, lines: lines, maximumDepth: maximumDepth, maximumNodes: maximumNodes)
        let outcome: Result<YAMLNode?, Diagnostics> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) != 0 else {
                return .failure(Diagnostics([Diagnostic(path: path, mark: nil, message: "libyaml could not start")]))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) != 0 else {
                    return .failure(Diagnostics([syntaxError(parser, path: path, lines: lines, bytes: buffer)]))
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                if let stop = builder.consume(event) { return .failure(stop) }
                if builder.finishedDocument { break }
            }
            // Only the first document is read, but what follows it must still be YAML: junk
            // after the root (`{...},` in a JSON file) is an error, not silently dropped.
            if builder.finishedDocument {
                var next = yaml_event_t()
                guard yaml_parser_parse(&parser, &next) != 0 else {
                    return .failure(Diagnostics([syntaxError(parser, path: path, lines: lines, bytes: buffer)]))
                }
                yaml_event_delete(&next)
            }
            return .success(builder.root)
        }
        switch outcome {
        case .failure(let diagnostics): throw diagnostics
        case .success(let root):
            if !builder.diagnostics.isEmpty { throw Diagnostics(builder.diagnostics) }
            return root
        }
    }

    private func syntaxError(
        _ parser: yaml_parser_t, path: String, lines: SourceLines, bytes: UnsafeBufferPointer<UInt8>
    ) -> Diagnostic {
        var problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) }
        var mark = SourceMark(
            line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1)
        if parser.error == YAML_READER_ERROR {
            // The reader (bad encoding, control characters) gives a byte offset, not a mark.
            mark = SourceLines.mark(ofByte: parser.problem_offset, in: bytes)
            if parser.problem_value >= 0 {
                problem += " (found U+\(String(UInt32(parser.problem_value), radix: 16, uppercase: true)))"
            }
        }
        let line = lines.line(mark.line)
        var message = problem
        if let context { message = "\(problem) \(context)" }
        var hint: String?
        if let line, let character = line.dropFirst(mark.column - 1).first, character == "\t" {
            hint = "YAML indents with spaces, never tabs: replace the tab with spaces"
        } else if problem.contains("flow sequence") || problem.contains("flow mapping")
            || (context ?? "").contains("flow")
        {
            hint = "close every '[' with ']' and every '{' with '}', e.g. holds: [weights, inputs]"
            if let context, context.contains("flow sequence") || context.contains("flow mapping") {
                let opener = context.contains("flow mapping") ? "{" : "["
                let open = SourceMark(
                    line: Int(parser.context_mark.line) + 1, column: Int(parser.context_mark.column) + 1)
                hint = "the '\(opener)' at line \(open.line), column \(open.column) is never closed; " + (hint ?? "")
            }
        } else if problem.contains("invalid") || problem.contains("control characters") {
            hint = "the file must be UTF-8 text"
        }
        return Diagnostic(path: path, mark: mark, message: message, hint: hint, sourceLine: line)
    }
}

/// The lines of a source text, for caret displays.
public struct SourceLines: Sendable {
    private let lines: [Substring]

    /// Splits `text` into lines at every break libyaml counts: LF, CRLF, CR, and the Unicode
    /// breaks NEL (U+0085), LINE SEPARATOR (U+2028) and PARAGRAPH SEPARATOR (U+2029), so line
    /// numbers agree with libyaml's marks.
    public init(_ text: String) {
        // "\r\n" is one Character in Swift, so it is matched whole; libyaml counts it as one break.
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: Self.isBreak)
    }

    /// True for a character libyaml counts as a line break.
    static func isBreak(_ character: Character) -> Bool {
        character == "\n" || character == "\r\n" || character == "\r" || character == "\u{85}"
            || character == "\u{2028}" || character == "\u{2029}"
    }

    /// The 1-based line and column of a byte offset, counting breaks as libyaml does and
    /// columns in characters.
    static func mark(ofByte offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceMark {
        let prefix = String(decoding: bytes.prefix(max(0, min(offset, bytes.count))), as: UTF8.self)
        var line = 1
        var column = 1
        for character in prefix {
            if isBreak(character) {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return SourceMark(line: line, column: column)
    }

    /// The 1-based line `number`, if the text has it.
    public func line(_ number: Int) -> String? {
        guard number >= 1, number <= lines.count else { return nil }
        let text = lines[number - 1]
        return text.count > 200 ? String(text.prefix(200)) + "…" : String(text)
    }
}

/// Turns libyaml's event stream into a tree without recursion.
private struct TreeBuilder {
    private enum Frame {
        case sequence(items: [YAMLNode], mark: SourceMark, anchor: String?, tag: String?)
        case mapping(entries: [YAMLEntry], pendingKey: YAMLNode?, mark: SourceMark, anchor: String?, tag: String?)
    }

    let path: String
    let lines: SourceLines
    let maximumDepth: Int
    let maximumNodes: Int
    private var stack: [Frame] = []
    private var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    private var sizes: [Int] = []  // expanded node count of each open frame
    private var expandedNodes = 0
    private(set) var root: YAMLNode?
    private(set) var finishedDocument = false
    private(set) var diagnostics: [Diagnostic] = []

    init(path: String, lines: SourceLines, maximumDepth: Int, maximumNodes: Int) {
        self.path = path
        self.lines = lines
        self.maximumDepth = maximumDepth
        self.maximumNodes = maximumNodes
    }

    private func mark(_ event: yaml_event_t) -> SourceMark {
        SourceMark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
    }

    private func diagnostic(_ message: String, at mark: SourceMark, hint: String? = nil) -> Diagnostic {
        Diagnostic(path: path, mark: mark, message: message, hint: hint, sourceLine: lines.line(mark.line))
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
    }

    /// Takes one event; returns diagnostics that stop the parse.
    mutating func consume(_ event: yaml_event_t) -> Diagnostics? {
        let at = mark(event)
        switch event.type {
        case YAML_DOCUMENT_END_EVENT:
            finishedDocument = true
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text: String
            if let value = scalar.value {
                let buffer = UnsafeBufferPointer(start: value, count: Int(scalar.length))
                text = String(decoding: buffer, as: UTF8.self)
            } else {
                text = ""
            }
            let plain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil
            return add(
                YAMLNode(.scalar(text, plain: plain), at: at, tag: Self.string(scalar.tag)), size: 1,
                anchor: Self.string(scalar.anchor))
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let anchored = anchors[name] else {
                return Diagnostics([
                    diagnostic("unknown alias '*\(name)'", at: at, hint: "define it first with &\(name)")
                ])
            }
            var node = anchored.node
            node.mark = at
            return add(node, size: anchored.size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            if let stop = push(at) { return stop }
            let start = event.data.sequence_start
            stack.append(.sequence(items: [], mark: at, anchor: Self.string(start.anchor), tag: Self.string(start.tag)))
        case YAML_MAPPING_START_EVENT:
            if let stop = push(at) { return stop }
            let start = event.data.mapping_start
            stack.append(
                .mapping(
                    entries: [], pendingKey: nil, mark: at, anchor: Self.string(start.anchor),
                    tag: Self.string(start.tag)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast(), let size = sizes.popLast() else { return nil }
            switch frame {
            case .sequence(let items, let mark, let anchor, let tag):
                return add(YAMLNode(.sequence(items), at: mark, tag: tag), size: size, anchor: anchor, counted: true)
            case .mapping(let entries, _, let mark, let anchor, let tag):
                let merged = merge(entries)
                return add(YAMLNode(.mapping(merged), at: mark, tag: tag), size: size, anchor: anchor, counted: true)
            }
        default:
            break
        }
        return nil
    }

    private mutating func push(_ at: SourceMark) -> Diagnostics? {
        guard stack.count < maximumDepth else {
            return Diagnostics([
                diagnostic(
                    "nesting deeper than \(maximumDepth) levels", at: at,
                    hint: "Joule files are a few levels deep; this looks like generated or corrupted input")
            ])
        }
        sizes.append(1)
        return nil
    }

    private mutating func add(_ node: YAMLNode, size: Int, anchor: String?, counted: Bool = false) -> Diagnostics? {
        if !counted {
            expandedNodes += size
            guard expandedNodes <= maximumNodes else {
                return Diagnostics([
                    diagnostic("the document expands to more than \(maximumNodes) nodes through aliases", at: node.mark)
                ])
            }
        }
        if let anchor { anchors[anchor] = (node, size) }
        if !sizes.isEmpty { sizes[sizes.count - 1] += size }
        guard let top = stack.popLast() else {
            if root == nil { root = node }
            return nil
        }
        switch top {
        case .sequence(var items, let mark, let frameAnchor, let frameTag):
            items.append(node)
            stack.append(.sequence(items: items, mark: mark, anchor: frameAnchor, tag: frameTag))
        case .mapping(var entries, let pendingKey, let mark, let frameAnchor, let frameTag):
            if let key = pendingKey {
                if let text = key.scalar {
                    if let first = entries.first(where: { $0.key == text && text != "<<" }) {
                        diagnostics.append(
                            diagnostic(
                                "duplicate key '\(text)' (first at line \(first.keyMark.line))", at: key.mark,
                                hint: "each key may appear once in a mapping"))
                    } else {
                        entries.append(YAMLEntry(key: text, keyMark: key.mark, value: node))
                    }
                }
                stack.append(
                    .mapping(entries: entries, pendingKey: nil, mark: mark, anchor: frameAnchor, tag: frameTag))
            } else {
                if node.scalar == nil {
                    diagnostics.append(
                        diagnostic("a mapping key must be a plain scalar, not \(node.kindDescription)", at: node.mark))
                }
                stack.append(
                    .mapping(entries: entries, pendingKey: node, mark: mark, anchor: frameAnchor, tag: frameTag))
            }
        }
        return nil
    }

    /// Applies `<<` merge keys: explicit keys win, then earlier merged mappings win over later ones.
    private mutating func merge(_ entries: [YAMLEntry]) -> [YAMLEntry] {
        guard entries.contains(where: { $0.key == "<<" }) else { return entries }
        var result = entries.filter { $0.key != "<<" }
        var present = Set(result.map(\.key))
        for entry in entries where entry.key == "<<" {
            let sources: [YAMLNode]
            switch entry.value.content {
            case .mapping: sources = [entry.value]
            case .sequence(let items): sources = items
            case .scalar:
                diagnostics.append(
                    diagnostic("'<<' must merge a mapping or a sequence of mappings", at: entry.value.mark))
                continue
            }
            for source in sources {
                guard let merged = source.entries else {
                    diagnostics.append(
                        diagnostic("'<<' must merge mappings, not \(source.kindDescription)", at: source.mark))
                    continue
                }
                for item in merged where !present.contains(item.key) {
                    present.insert(item.key)
                    result.append(item)
                }
            }
        }
        return result
    }
}
