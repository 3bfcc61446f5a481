import Foundation
import Testing

/// `joule repl` and `joule run`: scripts through both doors, every error a one-line value, the
/// REPL's numbers equal to the CLI's, export round trips, and a real terminal for line editing,
/// history and completion.
struct REPLTests {
    /// A fresh folder under the temporary directory.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("joule-repl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `joule` in `folder` with `input` on standard input, the repository's library on
    /// `$JOULE_PATH` and `$HOME` in the folder (so no history file outside it is touched).
    static func jouleIn(_ arguments: [String], input: String = "", in folder: URL) throws -> Run {
        try joule(
            arguments, input: input, in: folder,
            environment: ["JOULE_PATH": repositoryRoot.path, "HOME": folder.path])
    }

    static func example(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appendingPathComponent("Examples/\(name)"), encoding: .utf8)
    }

    /// The commands of a script, without blank lines and comments.
    static func commands(_ script: String) -> [String] {
        script.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter {
            !$0.isEmpty && !$0.hasPrefix("#")
        }
    }

    // MARK: Scripts

    @Test func tourRunsEveryCommandThroughRunAndThroughStandardInput() throws {
        let script = try Self.example("tour.joule")
        let commands = Self.commands(script)
        let used = Set(commands.map { String($0.split(separator: " ")[0]) })
        for command in [
            "help", "load", "show", "set", "unset", "diff", "eval", "breakdown", "roofline", "dvfs", "serve", "top",
            "compare", "save", "restore", "export", "sweep", "plot", "format", "quit",
        ] {
            #expect(used.contains(command), "the tour should use \(command)")
        }

        let viaRun = try Self.folder()
        let viaStdin = try Self.folder()
        defer {
            try? FileManager.default.removeItem(at: viaRun)
            try? FileManager.default.removeItem(at: viaStdin)
        }
        let path = repositoryRoot.appendingPathComponent("Examples/tour.joule").path
        let run = try Self.jouleIn(["run", path], in: viaRun)
        #expect(run.status == 0, "\(run.stderr)")
        let piped = try Self.jouleIn(["repl"], input: script, in: viaStdin)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(run.stdout == piped.stdout)

        // Every command is echoed after the prompt, in order.
        var rest = Substring(run.stdout)
        for command in commands {
            guard let range = rest.range(of: "]> " + command + "\n") else {
                Issue.record("'\(command)' is not echoed in order")
                break
            }
            rest = rest[range.upperBound...]
        }
        #expect(run.stdout.contains("joule [toy-3level | gpt2 | prefill b=1 seq=128]> eval\n"))
        #expect(run.stdout.contains("joule [toy-3level* | gpt2 | prefill b=1 seq=128]> diff\n"))
        #expect(run.stdout.contains("hardware.memory.GlobalBuffer.size = 256 KiB (was 64 KiB)"))
        #expect(run.stdout.contains("now / baseline"))
        #expect(run.stdout.contains("energy by level"))
        for file in [
            "out/tour/roofline.svg", "out/tour/breakdown.svg", "out/tour/toy-3level-big-buffer.yaml",
            "out/tour/sweep/points.csv",
        ] {
            #expect(FileManager.default.fileExists(atPath: viaRun.appendingPathComponent(file).path), "\(file)")
        }
        let svg = try String(contentsOf: viaRun.appendingPathComponent("out/tour/roofline.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
    }

    @Test func tpuBufferExampleDoublesTheBufferComparesAndExports() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = repositoryRoot.appendingPathComponent("Examples/tpu-buffer.joule").path
        let run = try Self.jouleIn(["run", path], in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("hardware.memory.UnifiedBuffer.size = 48 MiB (was 24 MiB)"))
        // A bigger SRAM costs more per access: its left-out read energy is estimated again.
        #expect(run.stdout.contains("UnifiedBuffer read energy: 3.741 pJ/bit (est.) -> "))
        #expect(run.stdout.contains("now / baseline"))
        let exported = folder.appendingPathComponent("out/tpu-v1-48mib.yaml")
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text.contains("size: 48 MiB"))
        let check = try joule(["check", exported.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("ok (hardware tpu-v1)"))
    }

    @Test func aFailedScriptLineStopsTheScriptWithItsLineNumber() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = "load hardware toy-3level\n\n# a comment\nset batch 4\nevl\nshow settings\n"
        let file = folder.appendingPathComponent("bad.joule")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let stopped = try Self.jouleIn(["run", file.path], in: folder)
        #expect(stopped.status == 65)
        #expect(stopped.stderr.hasPrefix("\(file.path):5:1: error: unknown command 'evl'; did you mean 'eval'?\n"))
        #expect(stopped.stderr.contains("1 error"))
        #expect(!stopped.stdout.contains("show settings"))

        let kept = try Self.jouleIn(["run", file.path, "--keep-going"], in: folder)
        #expect(kept.status == 65)
        // The session went on with its state intact.
        #expect(kept.stdout.contains("]> show settings\n"))
        #expect(kept.stdout.contains("batch = 4"))

        let piped = try Self.jouleIn(["repl"], input: script, in: folder)
        #expect(piped.status == 65)
        #expect(piped.stderr.hasPrefix("<stdin>:5:1: error: unknown command 'evl'; did you mean 'eval'?\n"))
    }

    // MARK: Errors

    /// A malformed command and the one-line error it gets (after loading toy-3level and gpt2).
    struct Malformed: CustomTestStringConvertible, Sendable {
        var line: String
        var column: Int
        var error: String
        var testDescription: String { line }
    }

    static let malformed: [Malformed] = [
        Malformed(line: "evl", column: 1, error: "unknown command 'evl'; did you mean 'eval'?"),
        Malformed(line: "frobnicate", column: 1, error: "unknown command 'frobnicate'; type 'help' for the commands"),
        Malformed(line: "load hardwre tpu-v1", column: 6, error: "cannot load 'hardwre'; did you mean 'hardware'?"),
        Malformed(
            line: "load hardware", column: 14, error: "load hardware needs a name or a path, e.g. load hardware tpu-v1"),
        Malformed(
            line: "load hardware tpu-v9", column: 1,
            error: "no hardware file or library entry named 'tpu-v9'; did you mean 'tpu-v1'?"),
        Malformed(line: "show hardwre", column: 6, error: "cannot show 'hardwre'; did you mean 'hardware'?"),
        Malformed(line: "show model extra", column: 12, error: "unexpected 'extra' after 'show model'"),
        Malformed(line: "set batch", column: 10, error: "set batch needs a value, e.g. set batch 8"),
        Malformed(line: "set batch 0", column: 1, error: "batch must be a whole number of at least 1, found '0'"),
        Malformed(line: "set bach 8", column: 1, error: "unknown key 'bach'; did you mean 'batch'?"),
        Malformed(
            line: "set hardware.memory.GlobalBufer.size 1 MiB", column: 1,
            error:
                "unknown key path 'hardware.memory.GlobalBufer.size': no item named 'GlobalBufer' in hardware.memory; did you mean 'hardware.memory.GlobalBuffer.size'?"
        ),
        Malformed(
            line: "set hardware.memory.GlobalBuffer.sise 1 MiB", column: 1,
            error: "set hardware.memory.GlobalBuffer.sise 1 MiB: unknown key 'sise' (did you mean 'size'?)"),
        Malformed(
            line: "set hardware.clock 800", column: 1,
            error:
                "set hardware.clock 800: expected a frequency with a unit, found the bare number 800 (for example: '700 MHz')"
        ),
        Malformed(
            line: "set dataflow output_stationery", column: 1,
            error: "unknown dataflow 'output_stationery'; did you mean 'output_stationary'?"),
        Malformed(line: "set phase decod", column: 1, error: "unknown phase 'decod'; did you mean 'decode'?"),
        Malformed(
            line: "set phase prefill context=4096", column: 1,
            error: "context applies to decode; prefill takes sequence=S"),
        Malformed(
            line: "set model.layrs 6", column: 1,
            error: "set model.layrs 6: unknown key 'layrs' (did you mean 'layers'?)"),
        Malformed(line: "unset", column: 6, error: "unset needs a key, e.g. unset precision"),
        Malformed(
            line: "unset hardware.memory.GlobalBuffer.bandwidth", column: 1,
            error: "cannot unset hardware.memory.GlobalBuffer.bandwidth: 'bandwidth' is not set"),
        Malformed(
            line: "eval --perop", column: 6, error: "unknown option '--perop' for eval; did you mean '--per-op'?"),
        Malformed(
            line: "breakdown level", column: 11, error: "breakdown needs 'by' and a cut, e.g. breakdown by level"),
        Malformed(line: "breakdown by levle", column: 14, error: "unknown cut 'levle'; did you mean 'level'?"),
        Malformed(line: "top 0 energy", column: 5, error: "top takes a whole number of at least 1, found '0'"),
        Malformed(line: "top 5 power", column: 7, error: "cannot rank by 'power'; expected one of: energy, time"),
        Malformed(
            line: "restore baseline", column: 1,
            error: "no snapshot named 'baseline'; none saved yet (save NAME keeps one)"),
        Malformed(line: "save my baseline", column: 9, error: "unexpected 'baseline' after 'save my'"),
        Malformed(
            line: "sweep batch in 1, 8", column: 16,
            error: "sweep values go in brackets, e.g. sweep batch in [1, 8, 64]"),
        Malformed(line: "sweep batch in []", column: 16, error: "the sweep list is empty"),
        Malformed(
            line: "sweep batch in [1, 0]", column: 1,
            error: "sweep batch = 0: batch must be a whole number of at least 1, found '0'"),
        Malformed(
            line: "plot roofline out.png", column: 15, error: "plot writes SVG: name a .svg file, found 'out.png'"),
        Malformed(
            line: "plot pareto x.svg", column: 6,
            error: "unknown plot 'pareto'; expected one of: roofline, breakdown, dvfs"),
        Malformed(line: "format yaml", column: 8, error: "unknown format 'yaml'; expected one of: table, json, csv"),
        Malformed(
            line: "export hardware", column: 16, error: "export hardware needs a file, e.g. export hardware out.yaml"),
        Malformed(line: "help sett", column: 6, error: "no help for 'sett'; did you mean 'set'?"),
        Malformed(line: "quit now", column: 6, error: "unexpected 'now' after 'quit'"),
    ]

    @Test(arguments: malformed) func malformedCommandGetsItsOneLineError(_ test: Malformed) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = "load hardware toy-3level\nload model gpt2\n\(test.line)\nshow settings\n"
        let run = try Self.jouleIn(["repl"], input: script, in: folder)
        #expect(run.status == 65)
        let first = run.stderr.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        #expect(first == "<stdin>:3:\(test.column): error: \(test.error)")
        #expect(!run.stdout.contains("show settings"), "the script stops at the failed line")
    }

    @Test func errorsNeverEndTheSessionAndLeaveItsStateIntact() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let lines =
            ["load hardware toy-3level", "load model gpt2", "set batch 4", "set precision int8"]
            + Self.malformed.map(\.line) + ["show settings", "diff"]
        let run = try Self.jouleIn(["repl", "--keep-going"], input: lines.joined(separator: "\n"), in: folder)
        #expect(run.status == 65)
        // Every failure is reported as it happens, then again with its caret at the end.
        for (index, test) in Self.malformed.enumerated() {
            #expect(run.stderr.contains("<stdin>:\(index + 5):\(test.column): error: \(test.error)\n"))
        }
        #expect(run.stderr.hasSuffix("\(Self.malformed.count) errors\n"))
        #expect(run.stdout.contains("]> show settings\nhardware = toy-3level"))
        #expect(run.stdout.contains("batch = 4\n"))
        #expect(run.stdout.contains("precision = int8\n"))
        #expect(run.stdout.contains("hardware toy-3level: as in"))
    }

    // MARK: The REPL equals the CLI

    struct Equivalence: CustomTestStringConvertible, Sendable {
        var hardware: String
        var model: String
        var settings: [String]
        var options: [String]
        var testDescription: String { "\(model) on \(hardware) \(options.joined(separator: " "))" }
    }

    static let equivalences: [Equivalence] = [
        Equivalence(
            hardware: "tpu-v1", model: "llama-2-7b", settings: ["set phase decode batch=8 context=1024"],
            options: ["--phase", "decode", "--batch", "8", "--context", "1024"]),
        Equivalence(
            hardware: "a100-sxm-80gb", model: "llama-2-7b",
            settings: ["set phase decode context=2048", "set precision fp16", "set roofline ideal"],
            options: ["--phase", "decode", "--context", "2048", "--precision", "fp16", "--roofline", "ideal"]),
        Equivalence(
            hardware: "toy-3level", model: "gpt2",
            settings: [
                "set sequence 128", "set precision int8", "set dataflow output_stationary", "set fusion attention",
                "set objective latency",
            ],
            options: [
                "--sequence", "128", "--precision", "int8", "--dataflow", "output_stationary", "--fusion", "attention",
                "--objective", "latency",
            ]),
    ]

    @Test(arguments: equivalences) func replEvalJSONEqualsCLIEvalJSON(_ test: Equivalence) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script =
            (["load hardware \(test.hardware)", "load model \(test.model)"] + test.settings + ["format json", "eval"])
            .joined(separator: "\n")
        let repl = try Self.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(repl.status == 0, "\(repl.stderr)")
        let start = try #require(repl.stdout.range(of: "format = json\n"))
        let replJSON = String(repl.stdout[start.upperBound...])
        let cli = try joule(["eval", test.model, test.hardware] + test.options + ["--format", "json"])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(replJSON == cli.stdout)
        #expect(replJSON.contains("\"energy_j\""))
    }

    /// The JSON documents a REPL session printed, in order.
    static func jsonDocuments(_ output: String) -> [String] {
        output.components(separatedBy: "\n{\n").dropFirst().compactMap { rest in
            rest.range(of: "\n}\n").map { "{\n" + rest[..<$0.lowerBound] + "\n}\n" }
        }
    }

    /// An edit reaches the next evaluation, and undoing it brings back the first answer: static
    /// power set to 3 W and unset again (the session's mapping cache once kept the 0 W answer).
    @Test func staticPowerEditAndUndoEqualFreshEvaluations() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Hardware/toy-3level.yaml"), encoding: .utf8)
        let edited = original.replacingOccurrences(of: "static_power: 0 W", with: "static_power: 3 W")
        #expect(edited != original)
        let editedFile = folder.appendingPathComponent("toy-3w.yaml")
        try edited.write(to: editedFile, atomically: true, encoding: .utf8)
        let script = [
            "load hardware toy-3level", "load model gpt2", "set sequence 64", "format json", "eval",
            "set hardware.static_power 3 W", "eval", "unset hardware.static_power", "eval",
        ].joined(separator: "\n")
        let repl = try Self.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(repl.status == 0, "\(repl.stderr)")
        let documents = Self.jsonDocuments(repl.stdout)
        try #require(documents.count == 3, "\(repl.stdout)")
        let fresh = try joule(["eval", "gpt2", "toy-3level", "--sequence", "64", "--format", "json"])
        let freshEdited = try joule(["eval", "gpt2", editedFile.path, "--sequence", "64", "--format", "json"])
        #expect(fresh.status == 0 && freshEdited.status == 0, "\(fresh.stderr)\(freshEdited.stderr)")
        #expect(documents[0] == fresh.stdout)
        #expect(documents[1] == freshEdited.stdout)
        #expect(documents[2] == fresh.stdout)
        #expect(documents[1] != documents[0])
    }

    @Test func replDVFSEqualsCLIDVFS() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script =
            "load hardware h100-sxm\nload model llama-2-7b\nset phase decode batch=8 context=2048\nformat json\ndvfs"
        let repl = try Self.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(repl.status == 0, "\(repl.stderr)")
        let start = try #require(repl.stdout.range(of: "format = json\n"))
        let cli = try joule([
            "dvfs", "llama-2-7b", "h100-sxm", "--phase", "decode", "--batch", "8", "--context", "2048", "--format",
            "json",
        ])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(String(repl.stdout[start.upperBound...]) == cli.stdout)
    }

    /// Each cut of the energy accounts for all of it: the rows sum to the total.
    @Test(arguments: ["level", "operand", "kind", "role", "layer"]) func breakdownRowsSumToTheTotal(_ cut: String)
        throws
    {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script =
            "load hardware tpu-v1\nload model llama-2-7b\nset phase decode batch=8 context=1024\nformat json\nbreakdown by \(cut)"
        let run = try Self.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let start = try #require(run.stdout.range(of: "format = json\n"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout[start.upperBound...].utf8)) as? [String: Any])
        let total = try #require(object["total_j"] as? Double)
        let entries = try #require(object["entries"] as? [[String: Any]])
        let sum = entries.compactMap { $0["energy_j"] as? Double }.reduce(0, +)
        #expect(entries.count >= 3)
        #expect(abs(sum - total) <= 1e-9 * total, "\(cut): rows sum to \(sum) J of \(total) J")
        // TPU v1's 28 W static floor over a 268 ms step is most of the energy, in every cut.
        #expect(total > 12 && total < 13)
    }

    @Test func showSettingsGivesTheEquivalentCommandLine() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = "load hardware tpu-v1\nload model llama-2-7b\nset phase decode batch=8 context=1024\nshow settings"
        let run = try Self.jouleIn(["repl"], input: script, in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("  joule eval llama-2-7b tpu-v1 --phase decode --batch 8 --context 1024\n"))
    }

    // MARK: Export

    static let libraryHardware: [String] = {
        let names =
            (try? FileManager.default.contentsOfDirectory(
                atPath: repositoryRoot.appendingPathComponent("Hardware").path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    /// Every library design exported unedited reads back to the same description.
    @Test(arguments: libraryHardware) func exportOfALibraryDesignReadsBackTheSame(_ name: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try Self.jouleIn(["repl"], input: "load hardware \(name)\nexport hardware \(name).yaml\n", in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let exported = folder.appendingPathComponent("\(name).yaml").path
        let original = try joule(["show", "hardware", name, "--format", "json"])
        let again = try joule(["show", "hardware", exported, "--format", "json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == original.stdout)
    }

    @Test func editedExportPassesCheckAndLoadsToTheSameDesign() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            load hardware toy-3level
            set hardware.name toy-edited
            set hardware.source "edited: a 4x larger array, 256 KiB buffer"
            set hardware.memory.GlobalBuffer.size 256 KiB
            unset hardware.memory.GlobalBuffer.read_energy
            set hardware.compute.array { rows: 16, cols: 16 }
            set hardware.memory.PE.instances 256
            set hardware.compute.dataflows [weight_stationary, output_stationary]
            format json
            show hardware
            export hardware out/edited.yaml
            """
        let run = try Self.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let exported = folder.appendingPathComponent("out/edited.yaml")
        let check = try joule(["check", exported.path])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("ok (hardware toy-edited)"))
        let shown = try joule(["show", "hardware", exported.path, "--format", "json"])
        let start = try #require(run.stdout.range(of: "format = json\n"))
        let end = try #require(run.stdout.range(of: "\nwrote hardware toy-edited"))
        #expect(String(run.stdout[start.upperBound..<end.lowerBound]) + "\n" == shown.stdout)
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text.contains("#   memory.GlobalBuffer.size: 64 KiB -> 256 KiB"))
        #expect(text.contains("array: { rows: 16, cols: 16 }"))
        #expect(text.contains("source: \"edited: a 4x larger array, 256 KiB buffer\""))
    }

    // MARK: A real terminal

    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first {
        FileManager.default.isExecutableFile(atPath: $0) && FileManager.default.isExecutableFile(atPath: "/bin/bash")
    }

    /// Runs tmux on a private server socket.
    @discardableResult
    static func tmux(_ socket: String, _ arguments: [String]) throws -> String {
        let process = Process()
        if arguments.first == "new-session" {
            // The server new-session starts outlives its client and would inherit the descriptor
            // Foundation watches to learn that the client exited: close every descriptor above 2.
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments =
                [
                    "-c",
                    #"for fd in /proc/$$/fd/*; do n=${fd##*/}; [ "$n" -gt 2 ] && eval "exec $n>&-" 2>/dev/null; done; exec "$0" "$@""#,
                    try #require(tmux), "-L", socket, "-f", "/dev/null",
                ] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: try #require(tmux))
            process.arguments = ["-L", socket, "-f", "/dev/null"] + arguments
        }
        // Only capture-pane is read: the server that new-session starts would hold a pipe open.
        let pipe = arguments.first == "capture-pane" ? Pipe() : nil
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Ends a tmux server and its pane's process. The server inherits the test runner's
    /// blocked signals (SIGTERM, SIGCHLD among them), so `kill-server` alone can leave it
    /// running: its pid and the pane's are asked for and killed.
    static func closeTerminal(_ socket: String) {
        guard let tmux else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tmux)
        process.arguments = [
            "-L", socket, "-f", "/dev/null", "display-message", "-p", "-t", "joule", "#{pid} #{pane_pid}",
        ]
        let pipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        _ = try? Self.tmux(socket, ["kill-server"])
        let ids = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Int32($0) }
        for id in ids.reversed() where id > 1 { kill(id, SIGKILL) }
    }

    /// Waits until the pane shows `text` (true) or 20 s pass (false).
    /// Waits until the pane's last line is an empty prompt (true) or 20 s pass: keys sent while
    /// the REPL is still busy reach the terminal before the line editor takes it over, where
    /// Ctrl-A, Ctrl-D and Enter mean something else.
    static func waitForEmptyPrompt(socket: String) throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let lines = try tmux(socket, ["capture-pane", "-p", "-J", "-t", "joule"]).split(separator: "\n")
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if lines.last(where: { !$0.isEmpty })?.hasSuffix("]>") == true { return true }
            usleep(50_000)
        }
        return false
    }

    static func waitFor(_ text: String, socket: String) throws -> Bool {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if try tmux(socket, ["capture-pane", "-p", "-J", "-t", "joule"]).contains(text) { return true }
            usleep(50_000)
        }
        return false
    }

    @Test(
        .enabled(
            if: tmux != nil,
            "tmux (and bash) are not installed: the pseudo-terminal test needs them (apt-get install tmux)"))
    func terminalSessionEditsCompletesAndKeepsHistory() throws {
        let executable = try #require(jouleExecutable)
        let home = try Self.folder()
        let socket = "joule-test-\(UUID().uuidString.prefix(8))"
        defer {
            Self.closeTerminal(socket)
            try? FileManager.default.removeItem(at: home)
        }
        let command =
            "cd '\(home.path)' && env HOME='\(home.path)' JOULE_PATH='\(repositoryRoot.path)' TERM=xterm '\(executable.path)' repl"
        try Self.tmux(socket, ["new-session", "-d", "-s", "joule", "-x", "220", "-y", "60", command])
        #expect(try Self.waitFor("joule [no hardware | no model | prefill b=1]> ", socket: socket))

        // Completion of a hardware name, then of a key path one part at a time.
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "load hardware toy-3"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Tab"])
        #expect(try Self.waitFor("load hardware toy-3level", socket: socket))
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Enter"])
        #expect(try Self.waitFor("joule [toy-3level | no model", socket: socket))
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "set hardware.memory.Gl"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Tab"])
        #expect(try Self.waitFor("set hardware.memory.GlobalBuffer.", socket: socket))
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "si"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Tab"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "128 KiB"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Enter"])
        #expect(try Self.waitFor("hardware.memory.GlobalBuffer.size = 128 KiB (was 64 KiB)", socket: socket))
        #expect(try Self.waitFor("joule [toy-3level* | no model", socket: socket))

        #expect(try Self.waitForEmptyPrompt(socket: socket))
        // An error does not end the session.
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "evl"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Enter"])
        #expect(try Self.waitFor("error: unknown command 'evl'; did you mean 'eval'?", socket: socket))

        #expect(try Self.waitForEmptyPrompt(socket: socket))
        // Line editing: type "xdiff", go to the start of the line, delete the x.
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "xdiff"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "C-a", "C-d", "Enter"])
        #expect(try Self.waitFor("  memory.GlobalBuffer.size: 64 KiB -> 128 KiB", socket: socket))

        #expect(try Self.waitForEmptyPrompt(socket: socket))
        // History: the up arrow brings back the last line.
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "show settings"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Enter"])
        #expect(try Self.waitFor("format = table", socket: socket))
        #expect(try Self.waitForEmptyPrompt(socket: socket))
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Up"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Enter"])
        let deadline = Date().addingTimeInterval(20)
        var shown = 0
        while Date() < deadline {
            let pane = try Self.tmux(socket, ["capture-pane", "-p", "-J", "-t", "joule", "-S", "-200"])
            shown = pane.components(separatedBy: "format = table").count - 1
            if shown >= 2 { break }
            usleep(50_000)
        }
        #expect(shown == 2, "the recalled line should run again")

        #expect(try Self.waitForEmptyPrompt(socket: socket))
        try Self.tmux(socket, ["send-keys", "-t", "joule", "-l", "quit"])
        try Self.tmux(socket, ["send-keys", "-t", "joule", "Enter"])
        let history = home.appendingPathComponent(".joule_history")
        var text = ""
        let until = Date().addingTimeInterval(20)
        while Date() < until {
            text = (try? String(contentsOf: history, encoding: .utf8)) ?? ""
            if text.contains("quit") { break }
            usleep(50_000)
        }
        // libedit writes a space inside a history line as \040.
        let lines = text.replacingOccurrences(of: "\\040", with: " ").split(separator: "\n").map(String.init)
        for line in [
            "load hardware toy-3level", "set hardware.memory.GlobalBuffer.size 128 KiB", "evl", "diff", "show settings",
            "quit",
        ] {
            #expect(lines.contains(line), "history should hold '\(line)': \(lines)")
        }
    }
}
