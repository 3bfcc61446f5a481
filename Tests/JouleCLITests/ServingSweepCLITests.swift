import Foundation
import Testing

/// Serving sweeps (a base `workload:` file): cluster, plan and batch-cap axes, the serving
/// metrics as columns and in constraints, and shards that merge back to the unsharded table.
struct ServingSweepCLITests {
    static let text = """
        name: serving-shards
        base:
          hardware: h100-sxm
          model: llama-2-7b
          workload: \(repositoryRoot.appendingPathComponent("Workloads/chat.yaml").path)
          cluster: dgx-h100
        tiling_budget: 8
        axes:
          - { key: tp, values: [1, 2] }
          - { key: concurrency, values: [8, 32] }
        objectives: [energy_per_output_token, tpot]
        constraints: ["tpot <= 6.5 ms"]
        """

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("joule-serving-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func rows(_ url: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = try #require(lines.first)
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test func shardsOfAServingSweepMergeToTheWholeTable() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        try Self.text.write(to: file, atomically: true, encoding: .utf8)
        for index in 1...2 {
            let run = try joule([
                "sweep", file.path, "--shard", "\(index)/2", "--out",
                folder.appendingPathComponent("out/shard-\(index)").path,
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let merged = try joule([
            "sweep", "merge", folder.appendingPathComponent("out/shard-1").path,
            folder.appendingPathComponent("out/shard-2").path,
        ])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("4 of 4 points"), "\(merged.stdout)")
        let whole = try joule(["sweep", file.path, "--out", folder.appendingPathComponent("whole").path])
        #expect(whole.status == 0, "\(whole.stderr)")
        let mergedText = try String(contentsOf: folder.appendingPathComponent("out/points.csv"), encoding: .utf8)
        #expect(
            mergedText == (try String(contentsOf: folder.appendingPathComponent("whole/points.csv"), encoding: .utf8)))

        let rows = try Self.rows(folder.appendingPathComponent("whole/points.csv"))
        #expect(rows.count == 4)
        for row in rows {
            #expect(row["error"] == "", "\(row)")
            let tpot = try #require(row["tpot_s"].flatMap(Double.init))
            let perToken = try #require(row["energy_per_output_token_j"].flatMap(Double.init))
            let perRequest = try #require(row["energy_per_request_j"].flatMap(Double.init))
            let throughput = try #require(row["throughput_tokens_per_s"].flatMap(Double.init))
            let concurrency = try #require(row["concurrency"].flatMap(Double.init))
            // By the steady state's definitions: 256 output tokens per request, C tokens per TPOT.
            #expect(abs(perRequest - 256 * perToken) <= 1e-9 * perRequest)
            #expect(abs(throughput - concurrency / tpot) <= 1e-9 * throughput)
            #expect(row["feasible"] == (tpot <= 6.5e-3 ? "true" : "false"))
        }
        // More sequences per step share the weight reads: energy per token falls, TPOT grows.
        let tp1 = rows.filter { $0["tp"] == "1" }.sorted {
            Int($0["concurrency"] ?? "") ?? 0 < Int($1["concurrency"] ?? "") ?? 0
        }
        let energies = tp1.compactMap { $0["energy_per_output_token_j"].flatMap(Double.init) }
        let tpots = tp1.compactMap { $0["tpot_s"].flatMap(Double.init) }
        #expect(energies.count == 2 && energies[1] < energies[0])
        #expect(tpots.count == 2 && tpots[1] > tpots[0])
    }

    /// A serving sweep's point is what `joule serve` prints for its settings, and a cluster
    /// evaluation is what it prints with `--fusion auto`: sweeps, `serve` and `eval` on a
    /// cluster all map with `--fusion auto` unless told otherwise (as `eval` on one device
    /// does), and `--fusion off` moves each answer.
    @Test func sweepsServeAndClusterEvalShareTheFusionDefault() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        let workload = repositoryRoot.appendingPathComponent("Workloads/chat.yaml").path
        try """
        name: serving-point
        base:
          hardware: h100-sxm
          model: llama-2-7b
          workload: \(workload)
          cluster: dgx-h100
        axes:
          - { key: tp, values: [2] }
          - { key: concurrency, values: [16] }
        """.write(to: file, atomically: true, encoding: .utf8)
        let sweep = try joule(["sweep", file.path, "--out", folder.appendingPathComponent("out").path])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let row = try #require(try Self.rows(folder.appendingPathComponent("out/points.csv")).first)
        let swept = try #require(row["energy_per_output_token_j"].flatMap(Double.init))
        func served(_ extra: [String]) throws -> Double {
            let run = try joule(
                [
                    "serve", "llama-2-7b", "dgx-h100", "--workload", workload, "--tp", "2", "--concurrency", "16",
                    "--format", "json",
                ] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            return try #require(object?["energy_per_output_token_j"] as? Double)
        }
        let plain = try served([])
        #expect(abs(plain - swept) <= 1e-6 * swept, "serve \(plain) J, sweep \(swept) J")
        #expect(abs(try served(["--fusion", "off"]) - plain) > 1e-4 * plain)
        func evaluated(_ extra: [String]) throws -> Double {
            let run = try joule(
                [
                    "eval", "llama-2-7b", "dgx-h100", "--tp", "2", "--phase", "decode", "--batch", "16",
                    "--context", "1024", "--format", "json",
                ] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
            return try #require(object?["energy_j"] as? Double)
        }
        let cluster = try evaluated([])
        #expect(cluster == (try evaluated(["--fusion", "auto"])))
        #expect(abs(try evaluated(["--fusion", "off"]) - cluster) > 1e-4 * cluster)
    }

    @Test func servingKeysOutsideAServingSweepAreErrorsAtTheirLines() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        try """
        name: not-serving
        base: { hardware: h100-sxm, model: llama-2-7b, phase: decode }
        axes:
          - { key: tp, values: [1, 2] }
        """.write(to: file, atomically: true, encoding: .utf8)
        let run = try joule(["sweep", file.path, "--out", folder.appendingPathComponent("out").path])
        #expect(run.status == 65)
        #expect(run.stderr.contains("s.yaml:4:"), "\(run.stderr)")
        #expect(run.stderr.contains("tp applies to a serving sweep"), "\(run.stderr)")
    }
}
