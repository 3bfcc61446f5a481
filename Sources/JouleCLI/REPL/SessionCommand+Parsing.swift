import Foundation
import YAML

extension SessionCommand {
    /// Parses one line; nil for a blank line or a `#` comment.
    static func parse(_ line: String) throws(SessionError) -> SessionCommand? {
        let tokens = SessionToken.split(line)
        guard let first = tokens.first, !first.text.hasPrefix("#") else { return nil }
        var parser = Parser(line: line, tokens: tokens)
        return try parser.command()
    }

    /// Reads a token list word by word, with errors that point at the word at fault.
    private struct Parser {
        let line: String
        let tokens: [SessionToken]
        var index = 1

        init(line: String, tokens: [SessionToken]) {
            self.line = line
            self.tokens = tokens
        }

        var name: String { tokens[0].text }

        func error(_ message: String, at token: Int? = nil) -> SessionError {
            let position = token ?? index
            return SessionError(
                message, column: position < tokens.count ? tokens[position].column : line.count + 1)
        }

        /// The next word, or an error saying what was expected.
        mutating func word(_ missing: String) throws(SessionError) -> String {
            guard index < tokens.count else { throw error(missing) }
            index += 1
            return tokens[index - 1].text
        }

        /// The next word as one of a keyword set.
        mutating func keyword<K: RawRepresentable & CaseIterable>(
            _ type: K.Type, noun: String, missing: String
        ) throws(SessionError) -> K where K.RawValue == String {
            let text = try word(missing)
            guard let value = K(rawValue: text) else {
                let names = K.allCases.map(\.rawValue)
                throw error("\(noun) '\(text)'; \(Suggestion.hint(for: text, among: names))", at: index - 1)
            }
            return value
        }

        /// The text from the current word to the end of the line, as typed.
        mutating func rest() -> String {
            guard index < tokens.count else { return "" }
            let start = tokens[index].column - 1
            index = tokens.count
            let text = String(line.dropFirst(start))
            return text.trimmingCharacters(in: .whitespaces)
        }

        func end() throws(SessionError) {
            guard index < tokens.count else { return }
            let before = tokens[..<index].map(\.text).joined(separator: " ")
            throw error("unexpected '\(tokens[index].text)' after '\(before)'")
        }

        mutating func command() throws(SessionError) -> SessionCommand {
            let result: SessionCommand
            switch name {
            case "help", "?":
                result = .help(index < tokens.count ? try word("") : nil)
                if case .help(let topic?) = result, !SessionHelp.topics.contains(topic) {
                    throw error(
                        "no help for '\(topic)'; \(Suggestion.hint(for: topic, among: SessionHelp.topics))",
                        at: 1)
                }
            case "load":
                let subject = try keyword(
                    Subject.self, noun: "cannot load",
                    missing: "load takes hardware or model and a name, e.g. load hardware tpu-v1")
                result = .load(
                    subject,
                    try word(
                        "load \(subject.rawValue) needs a name or a path, e.g. load \(subject.rawValue) \(subject.example)"
                    ))
            case "show":
                let target = try keyword(
                    ShowTarget.self, noun: "cannot show",
                    missing: "show what? hardware, model, graph, mapping, settings or saved")
                var operatorName: String?
                if target == .graph || target == .mapping, index < tokens.count { operatorName = try word("") }
                result = .show(target, operatorName)
            case "set":
                let key = try word("set needs a key and a value, e.g. set batch 8")
                let value = rest()
                guard !value.isEmpty else {
                    throw error("set \(key) needs a value, e.g. \(SessionHelp.setExample(for: key))")
                }
                result = .set(key: key, value: value)
            case "unset":
                result = .unset(try word("unset needs a key, e.g. unset precision"))
            case "diff":
                result = .diff
            case "eval":
                var perOperator = false
                while index < tokens.count {
                    let option = try word("")
                    guard option == "--per-op" else {
                        throw error(
                            "unknown option '\(option)' for eval; \(Suggestion.hint(for: option, among: ["--per-op"]))",
                            at: index - 1)
                    }
                    perOperator = true
                }
                result = .eval(perOperator: perOperator)
            case "breakdown":
                let by = try word("breakdown needs a cut: breakdown by level|operand|kind|role|layer")
                guard by == "by" else {
                    throw error("breakdown needs 'by' and a cut, e.g. breakdown by level", at: index - 1)
                }
                result = .breakdown(
                    try keyword(
                        Cut.self, noun: "unknown cut",
                        missing: "breakdown by what? level, operand, kind, role or layer"))
            case "roofline":
                result = .roofline
            case "dvfs":
                result = .dvfs
            case "serve":
                result = .serve
            case "top":
                var count = 10
                if index < tokens.count, let first = tokens[index].text.first, first.isNumber || first == "-" {
                    let text = try word("")
                    guard let value = Int(text), value >= 1 else {
                        throw error(
                            "top takes a whole number of at least 1, found '\(text)'", at: index - 1)
                    }
                    count = value
                }
                result = .top(
                    count: count,
                    rank: try keyword(
                        Rank.self, noun: "cannot rank by",
                        missing: "top needs energy or time, e.g. top 10 energy"))
            case "compare":
                result = .compare(try word("compare needs a saved name or a hardware, e.g. compare baseline"))
            case "save":
                let saved = try word("save needs a name, e.g. save baseline")
                guard saved.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                    throw error(
                        "a saved name takes letters, digits, '-', '_' and '.', found '\(saved)'", at: index - 1)
                }
                result = .save(saved)
            case "restore":
                result = .restore(try word("restore needs a saved name, e.g. restore baseline"))
            case "export":
                let subject = try keyword(
                    Subject.self, noun: "cannot export",
                    missing: "export takes hardware or model and a file, e.g. export hardware my-tpu.yaml")
                result = .export(
                    subject,
                    try word("export \(subject.rawValue) needs a file, e.g. export \(subject.rawValue) out.yaml"))
            case "sweep":
                result = try sweep()
            case "plot":
                let kind = try keyword(
                    PlotKind.self, noun: "unknown plot",
                    missing: "plot needs a kind and a file, e.g. plot roofline roofline.svg")
                let file = try word(
                    "plot \(kind.rawValue) needs a file, e.g. plot \(kind.rawValue) \(kind.rawValue).svg")
                guard file.hasSuffix(".svg") else {
                    throw error("plot writes SVG: name a .svg file, found '\(file)'", at: index - 1)
                }
                result = .plot(kind, file)
            case "format":
                result = .format(
                    try keyword(Format.self, noun: "unknown format", missing: "format takes table, json or csv"))
            case "quit", "exit":
                result = .quit
            default:
                let hint =
                    Suggestion.closest(to: name, among: SessionCommand.names).map { "did you mean '\($0)'?" }
                    ?? "type 'help' for the commands"
                throw error("unknown command '\(name)'; \(hint)", at: 0)
            }
            try end()
            return result
        }

        /// `sweep KEY in [v1, v2, ...]` or `sweep FILE [options]`.
        mutating func sweep() throws(SessionError) -> SessionCommand {
            let usage = "sweep takes KEY in [v1, v2, ...] or a sweep file, e.g. sweep batch in [1, 8, 64]"
            let first = try word(usage)
            guard index < tokens.count, tokens[index].text == "in" else {
                var words = [first]
                while index < tokens.count { words.append(try word("")) }
                if words.count > 1, !words[1].hasPrefix("--") {
                    throw error("\(usage); found '\(words[1])' where 'in' goes", at: 2)
                }
                return .sweepFile(words)
            }
            index += 1
            let listColumn = index
            let list = rest()
            guard list.hasPrefix("["), list.hasSuffix("]") else {
                throw error(
                    list.isEmpty
                        ? "sweep \(first) in needs values in brackets, e.g. sweep \(first) in [1, 8, 64]"
                        : "sweep values go in brackets, e.g. sweep \(first) in [1, 8, 64]",
                    at: listColumn)
            }
            let values = list.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !values.allSatisfy(\.isEmpty) else { throw error("the sweep list is empty", at: listColumn) }
            if values.contains(where: \.isEmpty) { throw error("the sweep list has an empty value", at: listColumn) }
            return .sweepValues(key: first, values: values)
        }
    }
}

extension SessionCommand.Subject {
    /// A name to show in examples.
    var example: String { self == .hardware ? "tpu-v1" : "llama-2-7b" }
}
