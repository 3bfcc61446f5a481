import Foundation
import Testing

/// `joule serve` with request mixes, through the executable.
struct ServeCLITests {
    /// A scratch folder holding the named files.
    static func folder(_ files: [String: String]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joule-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return folder
    }

    @Test func aClassMixPrintsPercentilesAndOneRowPerClass() throws {
        let words = [
            "serve", "llama-3.1-70b", "dgx-h100", "--workload", "Workloads/chat-two-classes.yaml", "--tp", "8",
        ]
        let run = try joule(words + ["--roofline", "ideal"])
        #expect(run.status == 0)
        // Means: 0.7 x 128 + 0.3 x 2048 = 704 in; 0.7 x 64 + 0.3 x 256 = 121.6 out.
        #expect(run.stdout.contains("chat-two-classes, 2 request classes; mean 704 in / 122 out"))
        #expect(run.stdout.contains("TTFT over requests") && run.stdout.contains("p99"))
        #expect(run.stdout.contains("  128      64   70 %"))
        let json = try joule(words + ["--roofline", "ideal", "--format", "json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let p50 = try #require(object["ttft_p50_s"] as? Double)
        let p99 = try #require(object["ttft_p99_s"] as? Double)
        #expect(p50 < p99)
        #expect((object["classes"] as? [[String: Any]])?.count == 2)
    }

    @Test func aBadTraceRowIsExit65NamingTheFileRowAndColumn() throws {
        let folder = try Self.folder([
            "w.yaml": "trace: t.csv\nconcurrency: 8\n", "t.csv": "input_tokens,output_tokens\n512,256\n512,-3\n",
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try joule([
            "serve", "llama-3.1-70b", "dgx-h100", "--tp", "8", "--workload",
            folder.appendingPathComponent("w.yaml").path,
        ])
        #expect(run.status == 65)
        #expect(run.stderr.contains("w.yaml:1:8: error: trace 't.csv' could not be read"))
        #expect(run.stderr.contains("t.csv:3:5: error: row 3, column output_tokens"))
    }

    @Test func disaggregatePrintsBothPoolsAndTheKVTransferAndRejectsABadSplit() throws {
        let words = ["serve", "llama-3.1-70b", "dgx-h100", "--workload", "Workloads/chat.yaml", "--tp", "2"]
        let run = try joule(words + ["--roofline", "ideal", "--disaggregate", "2,6"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("prefill pool                      2 devices, 1 replica"))
        // 512 tokens x 80 layers x 2 x 8 KV heads x 128 x 2 B = 167.8 MB, half per TP device:
        // 2 us + 83.89 MB / 450 GB/s = 188.4 us on NVLink.
        #expect(run.stdout.contains("KV transfer per request           188.4 µs"))
        let bad = try joule(words + ["--disaggregate", "2"])
        #expect(bad.status == 64)
        let odd = try joule(words + ["--roofline", "ideal", "--disaggregate", "3,4"])
        #expect(odd.status == 65)
        #expect(odd.stderr.contains("the prefill pool's 3 devices are not a whole number of TP 2 x PP 1 replicas"))
    }

    @Test func aFleetReportsEachPoolAndTheSavingAndNamesAPoolThatDoesNotLoad() throws {
        let words = [
            "serve", "llama-3.1-70b", "--fleet", "Examples/fleets/h100-a100.yaml", "--workload",
            "Workloads/chat-two-classes.yaml", "--roofline", "ideal",
        ]
        let run = try joule(words + ["--rate", "20"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("routing: auto"))
        #expect(run.stdout.contains("length-blind split"))
        let needsRate = try joule(words)
        #expect(needsRate.status != 0)
        #expect(needsRate.stderr.contains("give requests_per_second or --rate"))
        let folder = try Self.folder(["f.yaml": "pools:\n  - cluster: dgx-h900\n  - hardware: a100-sxm-80gb\n"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = try joule([
            "serve", "llama-3.1-70b", "--fleet", folder.appendingPathComponent("f.yaml").path, "--workload",
            "Workloads/chat.yaml", "--rate", "1",
        ])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("f.yaml:2:14: error: cluster 'dgx-h900' could not be loaded"))
        let odd = try Self.folder(["f.yaml": "pools:\n  - cluster: dgx-h100\n    tp: 3\n  - hardware: a100-sxm-80gb\n"])
        defer { try? FileManager.default.removeItem(at: odd) }
        let oddPlan = try joule([
            "serve", "llama-3.1-70b", "--fleet", odd.appendingPathComponent("f.yaml").path, "--workload",
            "Workloads/chat.yaml", "--rate", "1",
        ])
        #expect(oddPlan.status == 65)
        #expect(oddPlan.stderr.contains("f.yaml:2:14: error: pool dgx-h100: tensor parallelism 3 does not divide"))
    }
}
