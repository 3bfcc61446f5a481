import Foundation
import Testing

/// Runs `joule ... --format json` and returns the top-level object.
private func jouleJSON(_ arguments: [String]) throws -> [String: Any] {
    let run = try joule(arguments + ["--format", "json"])
    #expect(run.status == 0, "\(run.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
    return try #require(object as? [String: Any])
}

/// The model corpus files, relative to the repository root.
private let modelCorpusFiles: [String] = {
    let folder = "Tests/Corpus/models"
    let names =
        (try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(folder).path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }.sorted().map { folder + "/" + $0 }
}()

@Suite struct GraphCLITests {
    /// A command line, its exit status, and words its output must contain.
    struct Invocation: Sendable, CustomTestStringConvertible {
        let arguments: [String]
        let status: Int32
        var stdout: [String] = []
        var stderr: [String] = []
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let invocations: [Invocation] = [
        Invocation(
            arguments: ["graph", "llama-2-7b", "--phase", "decode", "--batch", "64", "--context", "2048"], status: 0,
            stdout: ["llama-2-7b", "decode batch 64, context 2048", "6,738,415,616 total", "524,288 B per token"]),
        Invocation(
            arguments: ["graph", "Models/hf/mistral-7b/config.json"], status: 0,
            stdout: ["mistral-7b", "prefill batch 1, sequence 2048", "7,241,732,096 total"]),
        Invocation(
            arguments: ["graph", "llama-2-7b", "--batch", "0"], status: 64,
            stderr: ["--batch must be a whole number of at least 1, found '0'", "usage: joule graph"]),
        Invocation(
            arguments: ["graph", "llama-2-7b", "--phase", "decode", "--context", "99999"], status: 0,
            stderr: ["joule: warning: context 99999 exceeds llama-2-7b's max_positions 4096"]),
        Invocation(
            arguments: ["show", "model", "llama-2-7b"], status: 0, stdout: ["llama-2-7b", "6,738,415,616"]),
        Invocation(
            arguments: ["graph", "bert-base-uncased", "--phase", "decode"], status: 64,
            stderr: ["decode needs a decoder"]),
        Invocation(
            arguments: ["graph", "llama-2-7b", "--precision", "w4a-16"], status: 64,
            stderr: ["unknown precision 'w4a-16'", "did you mean 'w4a16'?"]),
        Invocation(
            arguments: ["graph", "llama-2-7b", "--phase", "decode", "--sequence", "128"], status: 64,
            stderr: ["--sequence applies to prefill and training"]),
        Invocation(
            arguments: ["graph", "llama-2-7b", "--phase", "decod"], status: 64, stderr: ["did you mean 'decode'?"]),
        // DeepSeek-V2-Lite caches 27 x (512 + 64) bf16 elements per token: 31,104 bytes.
        Invocation(
            arguments: ["graph", "deepseek-v2-lite", "--phase", "decode", "--context", "100"], status: 0,
            stdout: ["15,706,484,224 total", "31,104 B per token"]),
        // 16 tokens x top-2 over 8 experts; shares 1/2, 1/4, 1/8, 1/8: 4 experts padded to 16 rows, half used.
        Invocation(
            arguments: [
                "graph", "mixtral-8x7b", "--sequence", "16", "--expert-shares", "0.5,0.25,0.125,0.125,0,0,0,0",
                "--per-op",
            ], status: 0, stdout: ["4 x 16 x 14336 x 4096 (50% dense)"]),
        Invocation(
            arguments: ["graph", "mixtral-8x7b", "--expert-shares", "0.5,0.5"], status: 64,
            stderr: ["the expert shares list 2 experts; the model routes over 8"]),
        Invocation(
            arguments: ["graph", "mixtral-8x7b", "--expert-capacity", "abc"], status: 64,
            stderr: ["--expert-capacity takes a number, found 'abc'"]),
    ]

    @Test(arguments: invocations)
    func exitStatusAndOutput(_ c: Invocation) throws {
        let run = try joule(c.arguments)
        #expect(run.status == c.status, "stderr: \(run.stderr)")
        for word in c.stdout { #expect(run.stdout.contains(word), "stdout lacks \(word)") }
        for word in c.stderr { #expect(run.stderr.contains(word), "stderr lacks \(word): \(run.stderr)") }
        if c.status == 0 && c.stderr.isEmpty { #expect(run.stderr.isEmpty, "\(run.stderr)") }
    }

    /// Llama-2-7B has 6,738,415,616 parameters; its bf16 cache holds 2 x 32 x 4096 x 2 = 524,288
    /// bytes per token, so 64 sequences of 2048 tokens hold 64 x 2048 x 524,288 = 64 GiB.
    @Test func graphJSONCarriesTheTotals() throws {
        let json = try jouleJSON(["graph", "llama-2-7b", "--phase", "decode", "--batch", "64", "--context", "2048"])
        let parameters = try #require(json["parameters"] as? [String: Any])
        #expect(parameters["total"] as? Int == 6_738_415_616)
        #expect(parameters["active"] as? Int == 6_738_415_616)
        #expect(json["kv_bytes_per_token"] as? Double == 524_288)
        #expect(json["kv_cache_bytes"] as? Double == 64.0 * 2048 * 524_288)
        #expect(json["tokens"] as? Int == 64)
        let phase = try #require(json["phase"] as? [String: Any])
        #expect(phase["name"] as? String == "decode")
        #expect(phase["context"] as? Int == 2048)
        let precision = try #require(json["precision"] as? [String: Any])
        #expect(precision["kv_cache"] as? String == "bf16")
        #expect((json["warnings"] as? [Any])?.isEmpty == true)
        // 32 layers x (q, k, v, o, gate, up, down, score, context) + the LM head.
        let operators = try #require(json["operators"] as? [[String: Any]])
        #expect(operators.filter { $0["kind"] as? String == "gemm" }.count == 32 * 9 + 1)
    }

    /// The fp16 preset gives the same 524,288 bytes per token (fp16 and bf16 are both 2 bytes);
    /// fp8 halves it.
    struct CacheCase: Sendable, CustomTestStringConvertible {
        let precision: String
        let bytesPerToken: Double
        var testDescription: String { precision }
    }

    @Test(arguments: [
        CacheCase(precision: "fp16", bytesPerToken: 524_288), CacheCase(precision: "fp8", bytesPerToken: 262_144),
    ])
    func kvBytesPerTokenFollowTheCachePrecision(_ c: CacheCase) throws {
        let json = try jouleJSON(["graph", "llama-2-7b", "--phase", "decode", "--precision", c.precision])
        #expect(json["kv_bytes_per_token"] as? Double == c.bytesPerToken)
    }

    /// The config.json import agrees with the published Mistral 7B total and its sliding window:
    /// decode at context 8192 caches 4096 tokens x 2 x 32 x 1024 x 2 bytes.
    @Test func huggingFaceConfigGraphs() throws {
        let json = try jouleJSON([
            "graph", "Models/hf/mistral-7b/config.json", "--phase", "decode", "--context", "8192",
        ])
        let parameters = try #require(json["parameters"] as? [String: Any])
        #expect(parameters["total"] as? Int == 7_241_732_096)
        #expect(json["kv_cache_bytes"] as? Double == 4096.0 * 131_072)
    }

    @Test(arguments: modelCorpusFiles)
    func checkRejectsEveryCorpusModel(_ path: String) throws {
        let run = try joule(["check", path])
        #expect(run.status == 65, "\(run.stdout)\(run.stderr)")
        #expect(run.stderr.contains(path + ":"), "\(run.stderr)")
        #expect(run.stderr.contains(": error: "), "\(run.stderr)")
    }

    @Test func corpusIsNotEmpty() {
        #expect(modelCorpusFiles.count >= 10)
    }
}
