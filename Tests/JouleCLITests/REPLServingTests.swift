import Foundation
import Testing

/// The REPL's serving settings (the keys of a serving sweep) and its `serve` command.
struct REPLServingTests {
    static let workload = repositoryRoot.appendingPathComponent("Workloads/chat.yaml").path

    /// `serve` prints what `joule serve` prints for the same settings.
    @Test func replServeEqualsCLIServe() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            load model llama-2-7b
            set workload \(Self.workload)
            set cluster dgx-h100
            set tp 2
            set concurrency 16
            set power_limit 250 W
            format json
            serve
            """
        let repl = try REPLTests.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(repl.status == 0, "\(repl.stderr)")
        let start = try #require(repl.stdout.range(of: "format = json\n"))
        let cli = try joule([
            "serve", "llama-2-7b", "dgx-h100", "--workload", Self.workload, "--tp", "2", "--concurrency", "16",
            "--power-limit", "250 W", "--format", "json",
        ])
        #expect(cli.status == 0, "\(cli.stderr)")
        #expect(String(repl.stdout[start.upperBound...]) == cli.stdout)
    }

    @Test(arguments: [
        ("set tp three", "tp must be a whole number of at least 1, found 'three'"),
        ("set power_limit 300", "power_limit takes a power such as 300 W, found '300'"),
        ("serve", "serve needs a workload file first: set workload Workloads/chat.yaml"),
        ("sweep tp in [4, 8]", "sweep evaluates single steps, not serving"),
    ])
    func badServingSettingsAreErrors(_ line: String, _ message: String) throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try REPLTests.jouleIn(
            ["repl", "--no-echo"], input: "load model llama-2-7b\n\(line)\n", in: folder)
        #expect(run.status != 0)
        #expect(run.stderr.contains(message), "\(run.stderr)")
    }
}
