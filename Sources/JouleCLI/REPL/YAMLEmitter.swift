import YAML

/// Writes a YAML node tree back as text: block mappings and sequences, short collections of
/// scalars in flow form, scalars quoted when they would not read back as they are.
enum YAMLEmitter {
    /// Collections whose flow form is at most this long print on one line.
    static let flowWidth = 72

    /// The node as a YAML document (ending with a newline).
    static func document(_ node: YAMLNode) -> String {
        var lines: [String] = []
        switch node.content {
        case .mapping(let entries) where !entries.isEmpty:
            mapping(entries, indent: 0, into: &lines)
        case .sequence(let items) where !items.isEmpty:
            sequence(items, indent: 0, into: &lines)
        default:
            lines.append(flow(node))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The node on one line: `{ a: 1, b: [x, y] }`.
    static func flow(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let text, let plain):
            return scalar(text, plain: plain, inFlow: true)
        case .sequence(let items):
            return "[" + items.map(flow).joined(separator: ", ") + "]"
        case .mapping(let entries):
            if entries.isEmpty { return "{}" }
            return "{ " + entries.map { key($0.key) + ": " + flow($0.value) }.joined(separator: ", ") + " }"
        }
    }

    /// A collection printed inline after its key: empty ones, and short ones made of scalars
    /// (or of short collections of scalars, as `operating_points` items are).
    private static func inline(_ node: YAMLNode) -> String? {
        func flat(_ node: YAMLNode, depth: Int) -> Bool {
            switch node.content {
            case .scalar: return true
            case .sequence(let items): return depth < 2 && items.allSatisfy { flat($0, depth: depth + 1) }
            case .mapping(let entries): return depth < 2 && entries.allSatisfy { flat($0.value, depth: depth + 1) }
            }
        }
        if node.entries?.isEmpty == true || node.items?.isEmpty == true { return flow(node) }
        guard flat(node, depth: 0) else { return nil }
        let text = flow(node)
        return text.count <= flowWidth ? text : nil
    }

    private static func mapping(_ entries: [YAMLEntry], indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for entry in entries {
            let head = pad + key(entry.key) + ":"
            if let text = entry.value.scalar.map({ _ in flow(entry.value) }) ?? inline(entry.value) {
                lines.append(head + " " + text)
            } else if let items = entry.value.items {
                lines.append(head)
                sequence(items, indent: indent + 2, into: &lines)
            } else if let children = entry.value.entries {
                lines.append(head)
                mapping(children, indent: indent + 2, into: &lines)
            }
        }
    }

    private static func sequence(_ items: [YAMLNode], indent: Int, into lines: inout [String]) {
        let pad = String(repeating: " ", count: indent)
        for item in items {
            if let text = item.scalar.map({ _ in flow(item) }) ?? inline(item) {
                lines.append(pad + "- " + text)
            } else if let entries = item.entries {
                var block: [String] = []
                mapping(entries, indent: indent + 2, into: &block)
                for (index, line) in block.enumerated() {
                    lines.append(index == 0 ? pad + "- " + line.dropFirst(indent + 2) : line)
                }
            } else if let children = item.items {
                lines.append(pad + "-")
                sequence(children, indent: indent + 2, into: &lines)
            }
        }
    }

    /// A mapping key, quoted when needed.
    static func key(_ text: String) -> String {
        scalar(text, plain: true, inFlow: true)
    }

    /// A scalar as YAML text: plain when it reads back as the same plain scalar, else
    /// double-quoted. A scalar that was quoted in its file stays quoted (so "8" stays text).
    static func scalar(_ text: String, plain: Bool, inFlow: Bool) -> String {
        if plain && text.isEmpty { return "~" }
        if plain && !needsQuotes(text, inFlow: inFlow) { return text }
        var out = "\""
        for character in text.unicodeScalars {
            switch character {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if character.value < 0x20 || character.value == 0x7F {
                    out += "\\x" + String(character.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(character)
                }
            }
        }
        return out + "\""
    }

    private static func needsQuotes(_ text: String, inFlow: Bool) -> Bool {
        guard let first = text.first, let last = text.last else { return true }
        if first == " " || last == " " || last == ":" { return true }
        if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
            // A negative number or a unit such as "-3 dB" reads back plain when '-' is followed by a digit.
            if first == "-", let second = text.dropFirst().first, second.isNumber { return false }
            return true
        }
        if text.contains(": ") || text.contains(" #") || text.contains("\n") || text.contains("\t") { return true }
        if inFlow && text.contains(where: { ",[]{}".contains($0) }) { return true }
        return text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}
