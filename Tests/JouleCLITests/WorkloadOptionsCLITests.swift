import Foundation
import Testing

/// `--sparsity`, `--activation-density` and `--speculative` end to end: what they change and
/// the errors a user meets.
struct WorkloadOptionsCLITests {
    static func json(_ arguments: [String]) throws -> [String: Any] {
        let run = try joule(arguments + ["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    /// On the A100 (sparse tensor cores) 2:4 halves the layers' weight MACs and nothing else.
    /// llama-2-7b, decode, batch 1, context 256, by hand: per layer q, k, v, o 4 x 4096 x 4096
    /// = 67,108,864 and gate, up, down 3 x 4096 x 11008 = 135,266,304 MACs, x 32 layers =
    /// 6,476,005,376; attention 2 x 32 heads x 256 x 128 x 32 layers = 67,108,864; LM head
    /// 4096 x 32000 = 131,072,000. Dense 6,674,186,240 MACs, 2:4 3,436,183,552: the MAC energy
    /// (one bf16 MAC energy for all) moves by that ratio.
    @Test func sparsityHalvesLayerMACsOnTheA100() throws {
        let base = [
            "eval", "llama-2-7b", "a100-sxm-80gb", "--phase", "decode", "--context", "256", "--roofline", "ideal",
        ]
        func macEnergy(_ object: [String: Any]) throws -> Double {
            let breakdown = try #require(object["breakdown"] as? [String: Any])
            let kinds = try #require(breakdown["kind"] as? [String: Double])
            return try #require(kinds["mac"])
        }
        let dense = try macEnergy(Self.json(base))
        let sparse = try macEnergy(Self.json(base + ["--sparsity", "2:4"]))
        #expect(abs(sparse / dense - 3_436_183_552 / 6_674_186_240) < 1e-9)
    }

    @Test func sparsityOnHardwareWithoutItWarns() throws {
        let run = try joule(["eval", "gpt2", "tpu-v1", "--sparsity", "2:4", "--sequence", "64"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("the 2:4 weight sparsity is ignored"))
    }

    @Test func graphMarksSparseWeights() throws {
        let run = try joule(["graph", "gpt2", "--sparsity", "2:4", "--sequence", "64"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("sparsity 2:4"))
        #expect(run.stdout.contains("(2:4 sparse weight)"))
    }

    struct UsageCase: CustomTestStringConvertible, Sendable {
        var arguments: [String]
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    @Test(arguments: [
        UsageCase(arguments: ["graph", "gpt2", "--sparsity", "4:2"], message: "--sparsity: a sparsity pattern N:M"),
        UsageCase(arguments: ["graph", "gpt2", "--sparsity", "half"], message: "such as 2:4"),
        UsageCase(
            arguments: ["graph", "opt-6.7b", "--activation-density", "0"], message: "--activation-density takes"),
        UsageCase(
            arguments: ["eval", "gpt2-xl", "a100-sxm-80gb", "--speculative", "gpt2"],
            message: "--speculative needs --acceptance"),
        UsageCase(
            arguments: ["eval", "gpt2-xl", "a100-sxm-80gb", "--speculative", "gpt2", "--acceptance", "2"],
            message: "--acceptance takes a probability"),
        UsageCase(
            arguments: [
                "eval", "gpt2-xl", "a100-sxm-80gb", "--speculative", "gpt2", "--acceptance", "0.8", "--draft-tokens",
                "0",
            ],
            message: "--draft-tokens takes a whole number"),
        UsageCase(
            arguments: [
                "eval", "gpt2-xl", "a100-sxm-80gb", "--speculative", "gpt2", "--acceptance", "0.8", "--phase",
                "prefill",
            ],
            message: "--speculative applies to decode"),
        UsageCase(
            arguments: ["eval", "gpt2-xl", "a100-sxm-80gb", "--acceptance", "0.8"],
            message: "--acceptance applies with --speculative"),
    ])
    func badOptionsAreUsageErrors(_ example: UsageCase) throws {
        let run = try joule(example.arguments)
        #expect(run.status == 64)
        #expect(run.stderr.contains(example.message), "\(run.stderr)")
    }

    /// At acceptance 1 a verification accepts all k + 1 tokens: k 3 gives 4 per verification,
    /// and the JSON's energy per token is the cycle's energy over batch x 4.
    @Test func speculativeReportsPerAcceptedToken() throws {
        let object = try Self.json([
            "eval", "gpt2-xl", "a100-sxm-80gb", "--speculative", "gpt2", "--acceptance", "1", "--draft-tokens", "3",
            "--batch", "2", "--context", "128", "--roofline", "ideal",
        ])
        #expect(object["draft_tokens"] as? Int == 3)
        let table = try #require(object["table"] as? [[String: Any]])
        let row = try #require(table.first { $0["draft_tokens"] as? Int == 3 })
        #expect(row["expected_tokens"] as? Double == 4)
        let cycle = try #require(row["energy_per_cycle_j"] as? Double)
        let perToken = try #require(object["energy_per_token_j"] as? Double)
        #expect(abs(perToken - cycle / 8) < 1e-12 * cycle)
        // At a = 1 the most draft tokens tried (8) accept the most per verification.
        #expect(table.count == 8)
    }

    /// The REPL's `set` takes the same settings, shows them, and its speculative `eval` prints
    /// the same per-token figures as `joule eval --speculative` (E[tokens] at a 0.5, k 1: 1.5).
    @Test func replSetsSparsityAndSpeculativeDecoding() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            load model gpt2-xl
            load hardware a100-sxm-80gb
            set phase decode
            set context 128
            set roofline ideal
            set sparsity 2:4
            set speculative gpt2
            set acceptance 0.5
            set draft_tokens 1
            show settings
            eval

            """
        let run = try REPLTests.jouleIn(["repl"], input: script, in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("--sparsity 2:4 --speculative gpt2 --draft-tokens 1 --acceptance 0.5"))
        #expect(run.stdout.contains("k = 1: 1.5 tokens per verification"))
        let cli = try joule([
            "eval", "gpt2-xl", "a100-sxm-80gb", "--phase", "decode", "--context", "128", "--roofline", "ideal",
            "--sparsity", "2:4", "--speculative", "gpt2", "--acceptance", "0.5", "--draft-tokens", "1",
        ])
        let line = try #require(cli.stdout.split(separator: "\n").first { $0.hasPrefix("k = 1:") })
        #expect(run.stdout.contains(line))
        let bad = try REPLTests.jouleIn(["repl"], input: "set sparsity 3:2\n", in: folder)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("1 <= N < M"))
    }

    /// `eval op` runs the GEMM as the hardware does: on the H100 a 2:4 weight of K 4096
    /// reduces over 4096 x 2/4 = 2048; on tpu-v1 it stays dense, with a warning.
    @Test func evalOpRunsTheSparseGEMM() throws {
        let sparse = try joule(["eval", "op", "h100-sxm", "--dims", "M=16,N=4096,K=4096", "--sparsity", "2:4"])
        #expect(sparse.status == 0, "\(sparse.stderr)")
        #expect(sparse.stdout.contains("GEMM B x M x N x K = 1 x 16 x 4096 x 2048"))
        let dense = try joule([
            "eval", "op", "tpu-v1", "--dims", "M=16,N=256,K=256", "--precision", "int8", "--sparsity", "2:4",
        ])
        #expect(dense.status == 0)
        #expect(dense.stdout.contains("1 x 16 x 256 x 256"))
        #expect(dense.stderr.contains("the weight is dense"))
    }
}
