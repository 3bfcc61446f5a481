@preconcurrency import CEditLine
import Foundation

/// Lines from a terminal through libedit's readline-compatible calls: line editing, history
/// kept in a file, and tab completion by `SessionCompleter`.
struct EditLineReader: LineReader {
    /// The history file (`~/.joule_history`).
    let historyPath: String

    /// The history file in `$HOME` (or the user's home folder).
    static func defaultHistoryPath() -> String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".joule_history")
    }

    init(historyPath: String = EditLineReader.defaultHistoryPath()) {
        self.historyPath = historyPath
        rl_readline_name = UnsafePointer(strdup("joule"))
        rl_attempted_completion_function = { text, start, end in EditLineCompletion.complete(text, start, end) }
        rl_initialize()
        using_history()
        stifle_history(2000)
        _ = read_history(historyPath)
    }

    /// A line; Ctrl-C (the SIGINT handler of `Interrupt`, which makes libedit give up the
    /// line) cancels it; Ctrl-D on an empty line ends the input.
    mutating func readLine(prompt: String, session: Session) -> LineInput {
        EditLineCompletion.context.update(session)
        fflush(nil)
        let pointer = readline(prompt)
        defer { free(pointer) }
        if Interrupt.take() { return .cancelled }
        guard let pointer else { return .end }
        return .line(String(cString: pointer))
    }

    mutating func remember(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return }
        add_history(trimmed)
        _ = write_history(historyPath)
    }
}

/// libedit's completion hook. The hook is a C function with no context argument, so the
/// session it completes against is published in one locked box (the only shared state, and
/// only read from libedit's own thread).
enum EditLineCompletion {
    final class Context: @unchecked Sendable {
        private let lock = NSLock()
        private var session: Session?

        func update(_ session: Session) {
            lock.lock()
            self.session = session
            lock.unlock()
        }

        func candidates(before: String, word: String) -> [String] {
            lock.lock()
            let session = self.session
            lock.unlock()
            guard let session else { return [] }
            return SessionCompleter.candidates(before: before, word: word, session: session)
        }
    }

    static let context = Context()

    /// `rl_attempted_completion_function`: the matches array readline expects (the common prefix
    /// first, then every match, then NULL), allocated with malloc for libedit to free.
    static func complete(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
        -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    {
        rl_attempted_completion_over = 1
        let word = text.map { String(cString: $0) } ?? ""
        let line = rl_line_buffer.map { String(cString: $0) } ?? ""
        let before = String(String.UnicodeScalarView(line.unicodeScalars.prefix(max(0, Int(start)))))
        let matches = EditLineCompletion.context.candidates(before: before, word: word)
        guard !matches.isEmpty else { return nil }
        let common = matches.count == 1 ? matches[0] : SessionCompleter.commonPrefix(matches)
        // A key path or folder completed to its end goes on without a space.
        rl_completion_append_character = matches.count == 1 && (common.hasSuffix(".") || common.hasSuffix("/")) ? 0 : 32
        let count = matches.count + 2
        guard let raw = malloc(count * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else { return nil }
        let array = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: count)
        array[0] = strdup(common)
        for (index, match) in matches.enumerated() { array[index + 1] = strdup(match) }
        array[count - 1] = nil
        return array
    }
}
