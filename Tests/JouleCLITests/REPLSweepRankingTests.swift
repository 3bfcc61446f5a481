import Foundation
import Testing

/// The REPL's one-axis sweep ranks per token where the values change a step's tokens: a step
/// of batch 1 does the least work, so per-step energy and latency always named it best.
struct REPLSweepRankingTests {
    static func run(_ lines: [String]) throws -> String {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script =
            ["load hardware toy-3level", "load model gpt2", "set phase decode context=128", "set roofline ideal"]
            + lines
        let run = try REPLTests.jouleIn(["repl", "--no-echo"], input: script.joined(separator: "\n"), in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        return run.stdout
    }

    /// Batch-8 decode reads gpt2's weights once for eight tokens: more energy and time per step
    /// than batch 1, less per token. Per token, batch 8 is best at both.
    @Test func aBatchSweepNamesTheBestBatchPerToken() throws {
        let out = try Self.run(["format csv", "sweep batch in [1, 8]", "format table", "sweep batch in [1, 8]"])
        let rows = out.split(separator: "\n").filter { $0.hasPrefix("1,") || $0.hasPrefix("8,") }.map {
            $0.split(separator: ",").map(String.init)
        }
        #expect(rows.count == 2)
        let one = try #require(rows.first { $0[0] == "1" })
        let eight = try #require(rows.first { $0[0] == "8" })
        // Columns: batch, latency_s, energy_j, energy_per_token_j, time_per_token_s, tokens, ...
        #expect(try #require(Double(one[2])) < #require(Double(eight[2])))
        #expect(try #require(Double(one[1])) < #require(Double(eight[1])))
        #expect(try #require(Double(eight[3])) < #require(Double(one[3])))
        #expect(try #require(Double(eight[4])) < #require(Double(one[4])))
        // Hand-derived: time per token is the step's latency over its 8 (or 1) new tokens.
        #expect(try abs(#require(Double(eight[4])) - #require(Double(eight[1])) / 8) <= 1e-15)
        #expect(eight[5] == "8" && one[5] == "1")
        let table = out.split(separator: "\n").map(String.init)
        let best = try #require(table.first { $0.hasPrefix("    8 ") })
        #expect(best.hasSuffix("energy/token, time/token"), "\(best)")
        let worst = try #require(table.first { $0.hasPrefix("    1 ") })
        #expect(!worst.contains("energy"), "\(worst)")
    }

    /// A sweep that leaves the tokens alone ranks per step, as before.
    @Test func aHardwareSweepRanksPerStep() throws {
        let out = try Self.run(["sweep hardware.memory.GlobalBuffer.size in [32 KiB, 64 KiB]"])
        #expect(out.contains("energy, latency"), "\(out)")
        #expect(!out.contains("energy/token, time/token"), "\(out)")
    }
}
