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

    /// A one-axis sweep over a serving key serves each value: more sequences per step lower
    /// the energy per output token and lengthen TPOT.
    @Test func aSweepOverTheBatchCapServesEachValue() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            load model llama-2-7b
            set workload \(Self.workload)
            set cluster dgx-h100
            format json
            sweep concurrency in [8, 32, 128]
            """
        let repl = try REPLTests.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(repl.status == 0, "\(repl.stderr)")
        let start = try #require(repl.stdout.range(of: "format = json\n"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(repl.stdout[start.upperBound...].utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        let energies = points.compactMap { $0["energy_per_output_token_j"] as? Double }
        let tpots = points.compactMap { $0["tpot_s"] as? Double }
        #expect(energies.count == 3 && energies[0] > energies[1] && energies[1] > energies[2])
        #expect(tpots.count == 3 && tpots[0] < tpots[1] && tpots[1] < tpots[2])
        let single = try joule([
            "serve", "llama-2-7b", "dgx-h100", "--workload", Self.workload, "--concurrency", "32", "--format", "json",
        ])
        let served = try #require(try JSONSerialization.jsonObject(with: Data(single.stdout.utf8)) as? [String: Any])
        // The same simulation, summed in another order: equal to the last few bits.
        let point = try #require(points[1]["tpot_s"] as? Double)
        let alone = try #require(served["tpot_s"] as? Double)
        #expect(abs(point - alone) <= 1e-12 * alone, "\(point) against \(alone)")
    }

    @Test(arguments: [
        ("set tp three", "tp must be a whole number of at least 1, found 'three'"),
        ("set power_limit 300", "power_limit takes a power such as 300 W, found '300'"),
        ("serve", "serve needs a workload file first: set workload Workloads/chat.yaml"),
        ("sweep tp in [1, 2]", "serve needs a workload file first: set workload Workloads/chat.yaml"),
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
