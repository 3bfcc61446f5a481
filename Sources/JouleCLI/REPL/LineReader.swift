import Foundation

/// What a line reader got: a line, a line cancelled with Ctrl-C, or the end of the input
/// (Ctrl-D on an empty line, or the end of a script).
enum LineInput: Equatable {
    case line(String)
    case cancelled
    case end
}

/// Where the REPL's lines come from: a terminal with line editing, or a script. Tests drive the
/// session through `ScriptLineReader` (or through `joule repl` with a script on stdin).
protocol LineReader {
    /// The next line without its newline. `session` is the state the line will run against
    /// (for completion).
    mutating func readLine(prompt: String, session: Session) -> LineInput
    /// Records a line that was entered (history); scripts ignore it.
    mutating func remember(_ line: String)
}

/// Lines of a script file or of standard input, one at a time.
struct ScriptLineReader: LineReader {
    private var lines: [Substring]
    private var next = 0

    init(text: String) {
        lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        if lines.last?.isEmpty == true { lines.removeLast() }
    }

    mutating func readLine(prompt: String, session: Session) -> LineInput {
        guard next < lines.count else { return .end }
        next += 1
        return .line(String(lines[next - 1]))
    }

    mutating func remember(_ line: String) {}
}

/// Lines of standard input as they arrive (a script piped into `joule repl`).
struct StandardInputLineReader: LineReader {
    mutating func readLine(prompt: String, session: Session) -> LineInput {
        Swift.readLine(strippingNewline: true).map(LineInput.line) ?? .end
    }

    mutating func remember(_ line: String) {}
}
