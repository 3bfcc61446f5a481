/// A problem with a sweep that is not tied to one file position: a message and an example.
public struct SweepError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for the exit status a command gives it.
    public enum Kind: Sendable, Equatable {
        /// The sweep file, an output folder or a table does not fit the request (sysexits 65).
        case data
        /// Reading or writing a file failed (sysexits 74).
        case io
        /// Another process is running in the output folder; try again later (sysexits 75).
        case busy
        /// The caller asked the run to stop (Ctrl-C in the REPL); the finished points are kept.
        case interrupted
    }

    /// What is wrong.
    public var message: String
    /// How to write it right.
    public var hint: String?
    /// What went wrong.
    public var kind: Kind

    /// An error with an optional hint.
    public init(_ message: String, hint: String? = nil, kind: Kind = .data) {
        self.message = message
        self.hint = hint
        self.kind = kind
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }
}
