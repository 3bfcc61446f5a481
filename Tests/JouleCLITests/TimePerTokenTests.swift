import Foundation
import Testing

/// `time_per_token_s` means one thing in `joule eval --format json` and in a sweep's points.csv:
/// the step's latency over the tokens the step produces (decode: one per sequence, so `batch`)
/// or processes (prefill: batch x sequence), that is 1 / `tokens_per_s`.
struct TimePerTokenTests {
    static let decode = [
        "llama-2-7b", "a100-sxm-80gb", "--phase", "decode", "--batch", "8", "--context", "2048", "--precision",
        "fp16", "--roofline", "ideal",
    ]

    static func evalJSON(_ arguments: [String]) throws -> [String: Any] {
        let run = try joule(["eval"] + arguments + ["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// Batch-8 decode of Llama-2-7B in fp16 on an A100 under the ideal roofline is bound by HBM
    /// (8 op/byte for the weight GEMMs, far under the 153 op/byte ridge): every weight but the
    /// embedding table (6,738,415,616 parameters, Touvron et al. 2023, less 32000 x 4096 of the
    /// table, of which a step reads 8 rows) and the eight sequences' KV caches (2 x 32 layers x
    /// 4096 x 2048 positions) cross HBM once, at 2 bytes each, at 2039 GB/s times the file's
    /// `bandwidth_efficiency` 0.9: (13,214,687,232 + 8,589,934,592) B / 1.835e12 B/s = 11.88 ms a
    /// step, and the step makes 8 tokens, so 1.485 ms a token and 673 tokens/s.
    @Test func decodeTimePerTokenIsTheStepLatencyOverTheBatch() throws {
        let object = try Self.evalJSON(Self.decode)
        let latency = try #require(object["latency_s"] as? Double)
        let perToken = try #require(object["time_per_token_s"] as? Double)
        let throughput = try #require(object["tokens_per_s"] as? Double)
        let weightBytes: Double = 2 * (6_738_415_616 - 32000 * 4096)
        let kvBytes: Double = 2 * 32 * 4096 * 2048 * 2 * 8
        let handLatency = (weightBytes + kvBytes) / (2.039e12 * 0.9)
        #expect(abs(latency - handLatency) <= 0.02 * handLatency, "latency \(latency) vs \(handLatency)")
        #expect(abs(perToken - handLatency / 8) <= 0.02 * handLatency / 8, "per token \(perToken)")
        #expect(abs(perToken - latency / 8) <= 1e-12 * latency)
        #expect(abs(throughput - 8 / latency) <= 1e-9 * throughput)
        #expect(object["tokens"] as? Int == 8)
    }

    /// The eval report's summary shows the same time per token, 1.485 ms by hand.
    @Test func theEvalReportShowsTheTimePerToken() throws {
        let page = FileManager.default.temporaryDirectory.appendingPathComponent("joule-tpt-\(UUID().uuidString).html")
        defer { try? FileManager.default.removeItem(at: page) }
        let run = try joule(["report", "eval"] + Self.decode + ["--out", page.path])
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        let card = try #require(
            html.firstMatch(of: #/<div class="label">time per token</div><div class="value">([0-9.]+) ms</div>/#))
        let milliseconds = try #require(Double(card.1))
        #expect(abs(milliseconds - 1.485) <= 0.02 * 1.485, "\(milliseconds) ms")
    }

    /// Prefill of 2 x 64 tokens processes 128 tokens: the time per token is the pass over 128.
    @Test func prefillTimePerTokenIsThePassOverItsTokens() throws {
        let object = try Self.evalJSON([
            "gpt2", "toy-3level", "--phase", "prefill", "--batch", "2", "--sequence", "64", "--precision", "int8",
            "--roofline", "ideal",
        ])
        let latency = try #require(object["latency_s"] as? Double)
        #expect(object["tokens"] as? Int == 128)
        #expect(abs(try #require(object["time_per_token_s"] as? Double) - latency / 128) <= 1e-12 * latency)
        #expect(abs(try #require(object["tokens_per_s"] as? Double) - 128 / latency) <= 1e-9 * 128 / latency)
    }

    /// The same design point as a one-point sweep: points.csv carries the same per-token figures.
    @Test func aSweepReportsTheSameTimePerTokenAsEval() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joule-tpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        try """
        name: time-per-token
        base: { hardware: a100-sxm-80gb, model: llama-2-7b, phase: decode, context: 2048, precision: fp16, roofline: ideal }
        axes: [ { key: batch, values: [8] } ]
        """.write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let run = try joule(["sweep", file.path, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = try String(contentsOf: out.appendingPathComponent("points.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.count == 2)
        let row = Dictionary(uniqueKeysWithValues: zip(lines[0], lines[1]))
        let object = try Self.evalJSON(Self.decode)
        for column in ["latency_s", "time_per_token_s", "tokens_per_s"] {
            let swept = try #require(row[column].flatMap(Double.init), "\(column) in points.csv")
            let evaluated = try #require(object[column] as? Double, "\(column) in eval's JSON")
            #expect(abs(swept - evaluated) <= 1e-9 * evaluated, "\(column): sweep \(swept), eval \(evaluated)")
        }
    }
}
