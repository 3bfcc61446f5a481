import Foundation
import Testing

/// Ctrl-C and Ctrl-D in a real terminal (tmux): Ctrl-C cancels the line being typed or stops a
/// sweep and the session goes on with its edits; Ctrl-D on an empty line leaves, asking first
/// while an edit has not been exported.
@Suite(
    .enabled(
        if: REPLTests.tmux != nil,
        "tmux (and bash) are not installed: the pseudo-terminal test needs them (apt-get install tmux)"))
struct REPLInterruptTests {
    /// A terminal session running `joule repl` in `home`; when joule exits the shell prints
    /// its exit status and waits for a line, so the test can read it.
    struct Terminal {
        let socket = "joule-test-\(UUID().uuidString.prefix(8))"
        let home: URL

        init() throws {
            home = try REPLTests.folder()
            let executable = try #require(jouleExecutable)
            // The shell ignores Ctrl-C, so only joule (which installs its own handler) acts on it.
            let command =
                "trap '' INT; cd '\(home.path)' && env HOME='\(home.path)' JOULE_PATH='\(repositoryRoot.path)' TERM=xterm '\(executable.path)' repl; echo \"joule exited with status $?\"; read line"
            try REPLTests.tmux(socket, ["new-session", "-d", "-s", "joule", "-x", "220", "-y", "60", command])
        }

        func close() {
            REPLTests.closeTerminal(socket)
            try? FileManager.default.removeItem(at: home)
        }

        func type(_ text: String) throws { try REPLTests.tmux(socket, ["send-keys", "-t", "joule", "-l", text]) }
        func press(_ keys: String...) throws { try REPLTests.tmux(socket, ["send-keys", "-t", "joule"] + keys) }
        func enter(_ line: String) throws {
            try type(line)
            try press("Enter")
        }

        /// The pane with its scrollback.
        func pane() throws -> String {
            try REPLTests.tmux(socket, ["capture-pane", "-p", "-J", "-t", "joule", "-S", "-400"])
        }

        /// Waits until the pane (with scrollback) shows `text` `count` times (true) or 60 s pass.
        func waitFor(_ text: String, count: Int = 1) throws -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if try pane().components(separatedBy: text).count - 1 >= count { return true }
                usleep(50_000)
            }
            return false
        }

        /// Waits until the pane's last line is the prompt, empty (true), or 60 s pass: a key
        /// pressed before the line editor redraws it would land on the previous line.
        func waitForEmptyPrompt() throws -> Bool {
            let prompt = REPLInterruptTests.prompt.trimmingCharacters(in: .whitespaces)
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let lines = try pane().split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                if lines.last(where: { !$0.isEmpty }) == prompt { return true }
                usleep(50_000)
            }
            return false
        }
    }

    static let prompt = "joule [toy-3level* | gpt2 | decode b=1 ctx=256]> "

    @Test func ctrlCCancelsTheLineAndStopsSweepsAndCtrlDAsksAboutUnexportedEdits() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        // Two thousand mapped points: far longer than the test waits before Ctrl-C.
        try """
        name: long-sweep
        base: { hardware: toy-3level, model: gpt2, phase: decode, context: 256, precision: int8 }
        axes:
          - { key: batch, range: { from: 1, to: 2000, step: 1 } }
        """.write(to: terminal.home.appendingPathComponent("long.yaml"), atomically: true, encoding: .utf8)
        #expect(try terminal.waitFor("joule [no hardware | no model | prefill b=1]> "))

        // Ctrl-C drops the line being typed: nothing is loaded, and the prompt comes back.
        try terminal.type("load hardware toy-3level")
        // (Ctrl-C flushes the terminal's input queue: wait until libedit has read the line.)
        #expect(try terminal.waitFor("prefill b=1]> load hardware toy-3level"))
        try terminal.press("C-c")
        #expect(try terminal.waitFor("joule [no hardware | no model | prefill b=1]> load hardware toy-3level^C"))
        #expect(try terminal.waitFor("joule [no hardware | no model | prefill b=1]> ", count: 2))
        #expect(try !terminal.pane().contains("loaded hardware"))

        try terminal.enter("load hardware toy-3level")
        try terminal.enter("load model gpt2")
        try terminal.enter("set phase decode context=256")
        try terminal.enter("set hardware.memory.GlobalBuffer.size 128 KiB")
        #expect(try terminal.waitFor(Self.prompt))

        // Ctrl-C stops a one-axis sweep of 400 values after the value being evaluated.
        try terminal.enter("sweep batch in [" + (1...400).map(String.init).joined(separator: ", ") + "]")
        usleep(1_500_000)
        try terminal.press("C-c")
        #expect(try terminal.waitFor("interrupted (Ctrl-C) after "))
        let stopped = try terminal.pane()
        #expect(!stopped.contains("after 400 of 400"), "the sweep should have stopped early")

        // Ctrl-C stops a sweep file once its progress bar runs; its points stay for --resume.
        try terminal.enter("sweep long.yaml --out out/long")
        #expect(try terminal.waitFor("ETA "))
        try terminal.press("C-c")
        #expect(try terminal.waitFor("error: interrupted with "))
        let pane = try terminal.pane()
        #expect(pane.contains("of 2000 points done; they are kept in out/long/points.csv"), "\(pane)")
        #expect(pane.contains("run the sweep again with --resume to complete it"), "\(pane)")
        // The progress line says "ETA 12 s", not "ETA 12 s s" (the terminal may echo ^C after it).
        #expect(pane.range(of: #"ETA [0-9]+ s"#, options: .regularExpression) != nil, "\(pane)")
        #expect(pane.range(of: #"ETA [0-9]+ s s"#, options: .regularExpression) == nil, "\(pane)")
        let points = try String(
            contentsOf: terminal.home.appendingPathComponent("out/long/points.csv"), encoding: .utf8)
        let rows = points.split(separator: "\n").count - 1
        #expect(rows >= 1 && rows < 2000, "\(rows) rows")

        // The session and its edit survived both interrupts.
        try terminal.enter("diff")
        #expect(try terminal.waitFor("  memory.GlobalBuffer.size: 64 KiB -> 128 KiB"))
        #expect(try terminal.waitForEmptyPrompt())

        // Ctrl-D asks while the edit is not exported; n stays.
        try terminal.press("C-d")
        #expect(try terminal.waitFor("unsaved edits to hardware toy-3level (1 edit); leave anyway? (y/n) "))
        try terminal.enter("n")
        #expect(try terminal.waitFor("staying; export hardware FILE writes the edits"))

        // Once exported, Ctrl-D leaves without asking again.
        try terminal.enter("export hardware out/edited.yaml")
        #expect(try terminal.waitFor("wrote hardware toy-3level to out/edited.yaml (1 edit)"))
        #expect(try terminal.waitForEmptyPrompt())
        try terminal.press("C-d")
        #expect(try terminal.waitFor("joule exited with status 0"), "\((try? terminal.pane()) ?? "")")
        #expect(try terminal.pane().components(separatedBy: "leave anyway?").count == 2)

        // The answer to the question is not a command: history has the commands only.
        let history = try String(contentsOf: terminal.home.appendingPathComponent(".joule_history"), encoding: .utf8)
        let lines = history.replacingOccurrences(of: "\\040", with: " ").split(separator: "\n").map(String.init)
        #expect(lines.contains("diff"))
        #expect(!lines.contains("n"), "\(lines)")
        #expect(!lines.contains("load hardware toy-3level^C"))
    }

    @Test func ctrlDThenYesLeavesDespiteUnexportedEdits() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        #expect(try terminal.waitFor("joule [no hardware | no model | prefill b=1]> "))
        try terminal.enter("load hardware toy-3level")
        try terminal.enter("set hardware.clock 500 MHz")
        #expect(try terminal.waitFor("joule [toy-3level* | no model | prefill b=1]> "))
        try terminal.press("C-d")
        #expect(try terminal.waitFor("unsaved edits to hardware toy-3level (1 edit); leave anyway? (y/n) "))
        try terminal.enter("y")
        #expect(try terminal.waitFor("joule exited with status 0"), "\((try? terminal.pane()) ?? "")")
    }

    /// An edit of a Hugging Face model counts too: the session keeps its YAML form, so leaving
    /// would lose the edit as it would a hardware edit.
    @Test func ctrlDAsksAboutAnUnexportedHuggingFaceModelEdit() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        #expect(try terminal.waitFor("joule [no hardware | no model | prefill b=1]> "))
        try terminal.enter("load model " + REPLModelEditingTests.config("gpt2"))
        try terminal.enter("set model.layers 2")
        #expect(try terminal.waitFor("model.layers = 2 (was 12)"))
        #expect(try terminal.waitFor("| gpt2* | "))
        try terminal.press("C-d")
        #expect(try terminal.waitFor("unsaved edits to model gpt2 (1 edit); leave anyway? (y/n) "))
        try terminal.enter("y")
        #expect(try terminal.waitFor("joule exited with status 0"), "\((try? terminal.pane()) ?? "")")
    }

    @Test func ctrlDWithoutEditsLeavesAtOnce() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        #expect(try terminal.waitFor("joule [no hardware | no model | prefill b=1]> "))
        try terminal.enter("load hardware toy-3level")
        #expect(try terminal.waitFor("joule [toy-3level | no model | prefill b=1]> "))
        try terminal.press("C-d")
        #expect(try terminal.waitFor("joule exited with status 0"), "\((try? terminal.pane()) ?? "")")
        #expect(try !terminal.pane().contains("leave anyway?"))
    }
}
