import Foundation
import JouleSpec
import YAML

/// Runs REPL lines against a session: interactively (errors print and the session goes on) or
/// as a script (commands echoed, stopping at the first error unless told to keep going).
struct REPLDriver {
    var session: Session
    /// A person at a terminal: prompts, one-line errors, never stops on an error.
    var interactive: Bool
    /// Scripts: print each command after the prompt, as a transcript.
    var echo: Bool
    /// Scripts: run the lines after a failed one.
    var keepGoing: Bool
    /// The script's name in diagnostics.
    var path: String

    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Runs every line until the input ends or `quit`; returns the failed script lines.
    /// Interactively, Ctrl-C cancels the line being typed (or stops a sweep, which polls
    /// `Interrupt`) and the session goes on; Ctrl-D on an empty line ends it, asking first
    /// when an edited description has not been exported.
    mutating func run(_ reader: inout some LineReader) -> [Diagnostic] {
        var failures: [Diagnostic] = []
        var number = 0
        reading: while true {
            if interactive { Interrupt.clear() }
            let line: String
            switch reader.readLine(prompt: interactive ? session.prompt : "", session: session) {
            case .cancelled:
                print("^C")
                continue reading
            case .end:
                if interactive && !confirmLeaving(&reader) { continue reading }
                break reading
            case .line(let text):
                line = text
            }
            number += 1
            reader.remember(line)
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if !interactive && echo { print(session.prompt + trimmed) }
            do {
                guard let command = try SessionCommand.parse(line) else { continue }
                var next = session
                let output = try next.execute(command)
                session = next
                for warning in output.warnings { Self.standardError("warning: \(warning)") }
                if !output.text.isEmpty { print(output.text) }
                if output.quit { break }
            } catch {
                if interactive {
                    Self.standardError("error: \(error.message)")
                    continue
                }
                let diagnostic = Diagnostic(
                    path: path, mark: SourceMark(line: number, column: error.column ?? 1), message: error.message,
                    sourceLine: line)
                failures.append(diagnostic)
                if !keepGoing { break }
                fflush(nil)
                Self.standardError(diagnostic.headline)
            }
            fflush(nil)
        }
        if interactive { print("") }
        return failures
    }

    /// Ctrl-D with edits no `export` wrote: asks whether to leave. `y` (or a second Ctrl-D)
    /// leaves; anything else, Ctrl-C included, stays.
    func confirmLeaving(_ reader: inout some LineReader) -> Bool {
        let unsaved = session.unsavedEdits
        guard !unsaved.isEmpty else { return true }
        print("")
        let question = "unsaved edits to \(unsaved.joined(separator: " and ")); leave anyway? (y/n) "
        Interrupt.clear()
        let answer = reader.readLine(prompt: question, session: session)
        switch answer {
        case .end:
            return true
        case .line(let answer) where ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased()):
            return true
        case .line, .cancelled:
            if answer == .cancelled { print("^C") }
            let subjects = unsaved.compactMap { $0.split(separator: " ").first }
            let examples = subjects.map { "export \($0) FILE" }.joined(separator: ", ")
            print("staying; \(examples) writes the edits")
            return false
        }
    }
}

/// `joule repl` and `joule run`: the interactive session and its scripts.
enum REPLCommand {
    static let usage = "usage: joule repl [--hardware H] [--model M] [--keep-going] [--no-echo]"

    static let help = """
        \(usage)

        An interactive session over one design: load a hardware and a model, change any key of
        the description or any workload setting, evaluate, compare against saved designs, sweep
        one key, plot, and export the edited description. Line editing and history (kept in
        ~/.joule_history) come from libedit; Tab completes commands, hardware and model names,
        files and key paths (hardware.memory.<TAB>). The prompt shows the hardware (* when
        edited), the model and the phase. A bad command prints a one-line error and the session
        goes on. Type `help` in the session for the commands, `help COMMAND` for one.

        With standard input not a terminal (joule repl < script.joule), the lines run as a script,
        as `joule run` runs them.

          --hardware H, --model M   load these first
          --keep-going              (scripts) run the lines after a failed one
          --no-echo                 (scripts) print results only, not the commands

        example session:
          load hardware tpu-v1
          load model llama-2-7b
          set phase decode batch=8 context=1024
          eval
          save baseline
          set hardware.memory.UnifiedBuffer.size 48 MiB
          compare baseline
          export hardware out/tpu-v1-48mib.yaml
        """

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(
            words, valued: ["hardware", "model"], flags: ["keep-going", "no-echo"], usage: usage)
        guard arguments.positionals.isEmpty else {
            throw .usage(
                "repl takes no file; run a script with joule run \(arguments.positionals[0]) or joule repl < \(arguments.positionals[0])",
                usage: usage)
        }
        guard isatty(0) != 0 else {
            var reader = StandardInputLineReader()
            return try runScript(&reader, path: "<stdin>", arguments, usage: usage)
        }
        var driver = REPLDriver(
            session: try session(arguments, announce: true), interactive: true, echo: false, keepGoing: true,
            path: "")
        print("joule \(jouleVersion) — type help for the commands, quit or Ctrl-D to leave")
        Interrupt.install()
        var reader = EditLineReader()
        _ = driver.run(&reader)
        return ""
    }

    /// A session with `--hardware` and `--model` loaded.
    static func session(_ arguments: Arguments, announce: Bool) throws(CommandLineError) -> Session {
        var session = Session()
        for (subject, option) in [(SessionCommand.Subject.hardware, "hardware"), (.model, "model")] {
            guard let name = arguments.options[option] else { continue }
            do {
                let text = try session.load(subject, name)
                if announce { print(text) }
            } catch {
                throw .data(Diagnostics([Diagnostic(path: name, mark: nil, message: error.message)]))
            }
        }
        return session
    }

    /// Runs a script's lines; a failed line makes the command fail with exit 65, its line and
    /// column in the diagnostic.
    static func runScript(_ reader: inout some LineReader, path: String, _ arguments: Arguments, usage: String)
        throws(CommandLineError) -> String
    {
        let echo = !arguments.flags.contains("no-echo")
        var driver = REPLDriver(
            session: try session(arguments, announce: echo), interactive: false, echo: echo,
            keepGoing: arguments.flags.contains("keep-going"), path: path)
        let failures = driver.run(&reader)
        if !failures.isEmpty { throw .data(Diagnostics(failures)) }
        return ""
    }
}

/// `joule run SCRIPT`: REPL commands from a file.
enum RunCommand {
    static let usage = "usage: joule run SCRIPT [--hardware H] [--model M] [--keep-going] [--no-echo]"

    static let help = """
        \(usage)

        Runs a file of REPL commands (see `joule help repl`, and `help` inside it), one per line;
        blank lines and lines starting with # are skipped. Each command is echoed after the
        prompt, then its result. The script stops at the first failed line and the error names
        its line and column (exit 65); --keep-going runs the rest and reports every failure.
        SCRIPT - reads standard input.

        examples:
          joule run Examples/tpu-buffer.joule
          joule run Examples/tour.joule --keep-going
        """

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(
            words, valued: ["hardware", "model"], flags: ["keep-going", "no-echo"], usage: usage)
        guard arguments.positionals.count == 1 else {
            throw .usage("name one script, e.g. joule run Examples/tour.joule", usage: usage)
        }
        let path = arguments.positionals[0]
        if path == "-" {
            var reader = StandardInputLineReader()
            return try REPLCommand.runScript(&reader, path: "<stdin>", arguments, usage: usage)
        }
        let text: String
        do {
            text = try Catalog.readText(path)
        } catch {
            throw .data(error)
        }
        var reader = ScriptLineReader(text: text)
        return try REPLCommand.runScript(&reader, path: path, arguments, usage: usage)
    }
}
