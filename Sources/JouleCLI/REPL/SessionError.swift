import YAML

/// Why a REPL command failed: one line, and the column of the word at fault when known.
///
/// A failed command leaves the session as it was; the REPL prints the message and goes on.
struct SessionError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, with a suggestion where one helps ("did you mean 'eval'?").
    var message: String
    /// The 1-based column of the offending word in the command line, when the parser knows it.
    var column: Int?

    init(_ message: String, column: Int? = nil) {
        self.message = message
        self.column = column
    }

    var description: String { message }

    /// A command-line error from a shared CLI helper, as one line.
    init(_ error: CommandLineError) {
        switch error {
        case .usage(let message, _): self.init(message)
        case .data(let diagnostics): self.init(Self.oneLine(diagnostics))
        case .io(let message), .busy(let message), .interrupted(let message): self.init(message)
        }
    }

    /// The first diagnostic's message (and hint), with a count of the rest.
    static func oneLine(_ diagnostics: Diagnostics) -> String {
        guard let first = diagnostics.items.first else { return "invalid input" }
        var text = first.mark.map { "\(first.path):\($0.line):\($0.column): \(first.message)" } ?? first.message
        if let hint = first.hint { text += " (\(hint))" }
        let more = diagnostics.items.count - 1
        if more > 0 { text += "; and \(more) more error\(more == 1 ? "" : "s")" }
        return text
    }
}
