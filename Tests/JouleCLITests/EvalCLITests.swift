import Foundation
import Testing

/// `joule eval` end to end: the documented JSON, and the errors a user meets.
struct EvalCLITests {
    static func json(_ arguments: [String]) throws -> [String: Any] {
        let run = try joule(arguments + ["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func decodeOnTPUHasTheDocumentedJSON() throws {
        let object = try Self.json([
            "eval", "llama-2-7b", "tpu-v1", "--phase", "decode", "--batch", "8", "--context", "1024",
        ])
        for key in [
            "latency_s", "energy_j", "energy_per_token_j", "average_power_w", "time_per_token_s", "tokens_per_s",
            "bound",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let energy = try #require(object["energy_j"] as? Double)
        let latency = try #require(object["latency_s"] as? Double)
        let perToken = try #require(object["energy_per_token_j"] as? Double)
        #expect(abs(perToken - energy / 8) < 1e-12 * energy)
        #expect(abs((object["average_power_w"] as? Double ?? 0) - energy / latency) < 1e-9 * energy / latency)
        let breakdown = try #require(object["breakdown"] as? [String: Any])
        let levels = try #require(breakdown["level"] as? [String: Double])
        #expect(Set(levels.keys) == ["DRAM", "UnifiedBuffer", "Accumulators", "WeightFIFO", "PE"])
        let kinds = try #require(breakdown["kind"] as? [String: Double])
        let kindTotal = kinds.values.reduce(0, +)
        #expect(abs(kindTotal - energy) < 1e-9 * energy)
        let operators = try #require(object["operators"] as? [[String: Any]])
        let qProj = try #require(operators.first { $0["name"] as? String == "L0.q_proj" })
        #expect((qProj["dims"] as? [String: Int]) == ["B": 1, "M": 8, "N": 4096, "K": 4096])
        #expect(qProj["mapping"] is String)
        let levelsOfOp = try #require(qProj["levels"] as? [[String: Any]])
        let dram = try #require(levelsOfOp.first { $0["level"] as? String == "DRAM" })
        let weights = try #require(dram["weights"] as? [String: Double])
        // Every int8 weight of the projection leaves DRAM at least once.
        #expect((weights["reads"] ?? 0) >= 4096 * 4096)
    }

    /// LLM-Viewer's 7.0 ms per token assumes the datasheet's 2.039 TB/s, so it is compared with
    /// `--peak` (every efficiency 1); the file's own prediction is that time stretched by its HBM
    /// `bandwidth_efficiency` 0.9 (every operator is HBM-bound): 7.0 / 0.9 = 7.78 ms.
    @Test func idealRooflineOnA100MatchesTheLLMRoofline() throws {
        let arguments = [
            "eval", "llama-2-7b", "a100-sxm-80gb", "--phase", "decode", "--context", "2048", "--precision", "fp16",
            "--roofline", "ideal",
        ]
        let peak = try Self.json(arguments + ["--peak"])
        #expect(peak["peak_rates"] as? Bool == true)
        let peakLatency = try #require(peak["latency_s"] as? Double)
        #expect(abs(peakLatency - 7.0e-3) <= 0.02 * 7.0e-3)
        let derated = try Self.json(arguments)
        #expect(derated["peak_rates"] == nil)
        let latency = try #require(derated["latency_s"] as? Double)
        #expect(abs(latency - peakLatency / 0.9) <= 1e-9 * latency)
        let table = try joule(arguments + ["--peak"])
        #expect(table.stdout.split(separator: "\n")[1].hasPrefix("peak rates: every time efficiency set to 1"))
    }

    @Test func encoderOnEyerissWithPerOperatorTable() throws {
        let run = try joule([
            "eval", "bert-base-uncased", "eyeriss-v1", "--phase", "prefill", "--sequence", "128", "--dataflow",
            "output_stationary", "--per-op",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("L11.ffn_down"))
        #expect(run.stdout.contains("OS | DRAM:"))
    }

    @Test func unsupportedDataflowIsAUsageError() throws {
        let run = try joule(["eval", "llama-2-7b", "tpu-v1", "--dataflow", "output_stationary"])
        #expect(run.status == 64)
        #expect(run.stderr.contains("tpu-v1 does not support output_stationary"))
    }

    @Test func precisionWithoutMACsIsADataError() throws {
        let run = try joule(["eval", "op", "tpu-v1", "--dims", "M=64,N=64,K=64", "--precision", "bf16"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("tpu-v1 has no bf16 MACs"))
    }

    @Test func pinnedMappingThatMissesAFactorIsADataError() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joule-map-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("m.yaml")
        let text = "levels:\n  - level: DRAM\n    temporal: [M2, N64, K64]\n  - level: GlobalBuffer\n  - level: PE\n"
        try text.write(to: file, atomically: true, encoding: .utf8)
        let run = try joule([
            "eval", "op", "toy-3level", "--dims", "M=64,N=64,K=64", "--precision", "int8", "--mapping", file.path,
        ])
        #expect(run.status == 65)
        #expect(run.stderr.contains("the factors of M multiply to 2, which does not cover its bound 64"))
    }

    /// Counts past what exact integer dimensions hold are usage errors, never a crash.
    @Test(arguments: [
        ["graph", "llama-2-7b", "--batch", "9223372036854775807"],
        ["graph", "gpt2", "--sequence", "3000000000"],
        ["eval", "op", "tpu-v1", "--dims", "M=9223372036854775807,N=2,K=2"],
        ["eval", "llama-2-7b", "h100-sxm", "--phase", "decode", "--context", "99999999999", "--roofline", "ideal"],
    ])
    func hugeCountsAreUsageErrors(_ arguments: [String]) throws {
        let run = try joule(arguments)
        #expect(run.status == 64, "\(run.stderr)")
        #expect(run.stderr.contains("at most") || run.stderr.contains("2^31"))
    }

    /// `--constraints` narrows `eval op` (the example file's bypasses and array assignment show in
    /// the mapping) and every GEMM of `eval MODEL`; it cannot go with a pinned mapping.
    @Test func constraintsNarrowTheSearchFromTheCommandLine() throws {
        let op = try joule([
            "eval", "op", "toy-3level", "--problem", "Examples/problems/timeloop-conv1d-oc.yaml", "--constraints",
            "Examples/constraints/conv1d-oc-keep-inputs.yaml",
        ])
        #expect(op.status == 0, "\(op.stderr)")
        #expect(op.stdout.contains("spatial_x: [R3]") && op.stdout.contains("bypass: [outputs, weights]"))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bypass-\(UUID()).yaml")
        try "constraints: [ { level: GlobalBuffer, bypass: [weights, inputs, outputs] } ]".write(
            to: file, atomically: true, encoding: .utf8)
        let words = ["eval", "gpt2", "toy-3level", "--phase", "decode", "--context", "64", "--format", "json"]
        let free = try Self.json(words)
        let constrained = try Self.json(words + ["--constraints", file.path])
        let freeEnergy = try #require(free["energy_j"] as? Double)
        let constrainedEnergy = try #require(constrained["energy_j"] as? Double)
        // With nothing kept on chip between DRAM and the PEs, every GEMM costs more.
        #expect(constrainedEnergy > freeEnergy)
        let both = try joule([
            "eval", "op", "toy-3level", "--dims", "M=8,N=8,K=8", "--constraints", file.path, "--mapping", file.path,
        ])
        #expect(both.status == 64)
    }
}
