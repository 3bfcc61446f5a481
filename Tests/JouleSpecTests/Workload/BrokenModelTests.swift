import Foundation
import JouleSpec
import Testing
import YAML

/// One diagnostic a broken model file must produce: a substring of its message, its position
/// (counted by hand in the corpus file, 1-based), and optionally a substring of its note.
struct ExpectedModelDiagnostic: Sendable, CustomStringConvertible {
    let message: String
    let line: Int
    let column: Int
    var hint: String?

    var description: String { "\(line):\(column) \(message)" }
}

/// A file of `Tests/Corpus/models/` and every diagnostic it must produce, in file order.
struct BrokenModelFile: Sendable, CustomTestStringConvertible {
    let file: String
    let expected: [ExpectedModelDiagnostic]

    init(_ file: String, _ expected: ExpectedModelDiagnostic...) {
        self.file = file
        self.expected = expected
    }

    var testDescription: String { file }
    var path: String { WorkloadFixtures.corpus.appendingPathComponent(file).path }
}

@Suite struct BrokenModelTests {
    static let supported = [
        "LlamaForCausalLM", "MistralForCausalLM", "MixtralForCausalLM", "Qwen2ForCausalLM", "GPT2LMHeadModel",
        "GPTNeoXForCausalLM", "OPTForCausalLM", "PhiForCausalLM", "BertModel", "BertForMaskedLM", "ViTModel",
        "ViTForImageClassification", "GemmaForCausalLM", "Gemma2ForCausalLM", "Qwen2MoeForCausalLM",
        "DeepseekV2ForCausalLM", "DeepseekV3ForCausalLM", "T5ForConditionalGeneration",
    ]

    static let corpus: [BrokenModelFile] = [
        BrokenModelFile(
            "heads-not-dividing.yaml",
            ExpectedModelDiagnostic(
                message: "heads (30) do not divide hidden_size (4096)", line: 5, column: 8,
                hint: "give head_dim explicitly")
        ),
        BrokenModelFile(
            "kv-heads-not-dividing.yaml",
            ExpectedModelDiagnostic(
                message: "kv_heads (12) do not divide heads (32)", line: 6, column: 11,
                hint: "heads = groups x kv_heads")),
        BrokenModelFile(
            "top-k-above-experts.yaml",
            ExpectedModelDiagnostic(message: "top_k (10) exceeds the number of experts (8)", line: 10, column: 10)),
        BrokenModelFile(
            "zero-layers.yaml",
            ExpectedModelDiagnostic(message: "layers must be at least 1, found 0", line: 4, column: 9)),
        BrokenModelFile(
            "negative-hidden-size.yaml",
            ExpectedModelDiagnostic(message: "hidden_size must be at least 1, found -4096", line: 3, column: 14)),
        BrokenModelFile(
            "negative-ffn-size.yaml",
            ExpectedModelDiagnostic(message: "ffn size must be at least 1, found -11008", line: 7, column: 9)),
        BrokenModelFile(
            "negative-kv-heads.yaml",
            ExpectedModelDiagnostic(message: "kv_heads must be at least 1, found -8", line: 6, column: 11)),
        BrokenModelFile(
            "unknown-ffn-kind.yaml",
            ExpectedModelDiagnostic(
                message: "unknown FFN kind 'swiglue'", line: 8, column: 9, hint: "did you mean 'swiglu'?")),
        BrokenModelFile(
            "unknown-key.yaml",
            ExpectedModelDiagnostic(
                message: "unknown key 'tied_embedding'", line: 7, column: 1, hint: "did you mean 'tied_embeddings'?")),
        BrokenModelFile(
            "several-faults.yaml",
            ExpectedModelDiagnostic(message: "layers must be at least 1, found 0", line: 4, column: 9),
            // 'gelu' is one edit from 'geglu', so the suggestion names it.
            ExpectedModelDiagnostic(
                message: "unknown FFN kind 'gelu'", line: 8, column: 9, hint: "did you mean 'geglu'?"),
            ExpectedModelDiagnostic(
                message: "unknown key 'tied_embedding'", line: 9, column: 1, hint: "did you mean 'tied_embeddings'?")),
        // A missing key is reported where its mapping starts: the first key, after the comment line.
        BrokenModelFile(
            "missing-hidden-size.yaml",
            ExpectedModelDiagnostic(
                message: "missing required key 'hidden_size'", line: 2, column: 1, hint: "hidden_size: 4096")),
        BrokenModelFile(
            "fractional-heads.yaml",
            ExpectedModelDiagnostic(message: "expected an integer, found '32.5'", line: 5, column: 8)),
        BrokenModelFile(
            "rmsnorm-with-bias.yaml", ExpectedModelDiagnostic(message: "an RMSNorm has no bias", line: 7, column: 30)),
        // Hugging Face configs.
        // Positions counted by hand: a missing key at its mapping's '{', a bad value at the value.
        BrokenModelFile(
            "mla-missing-kv-rank.yaml",
            ExpectedModelDiagnostic(
                message: "missing required key 'kv_rank'", line: 6, column: 6, hint: "kv_rank: 512"),
            ExpectedModelDiagnostic(message: "mla rope_head_dim must be at least 1, found 0", line: 6, column: 23)),
        BrokenModelFile(
            "moe-load-shares.yaml",
            ExpectedModelDiagnostic(
                message: "shared_expert_gate needs shared_experts of at least 1", line: 12, column: 23),
            ExpectedModelDiagnostic(
                message: "load.shares must sum to 1, found 0.95", line: 13, column: 19,
                hint: "fraction of token-expert pairs"),
            ExpectedModelDiagnostic(message: "capacity_factor must be a positive number, found 0", line: 13, column: 59)
        ),
        BrokenModelFile(
            "moe-layout-faults.yaml",
            ExpectedModelDiagnostic(
                message: "sliding_window_pattern needs a sliding_window", line: 9, column: 25,
                hint: "sliding_window: 4096"),
            ExpectedModelDiagnostic(
                message: "moe.dense_layers (2) must be fewer than layers (2)", line: 10, column: 44,
                hint: "has no moe section")),
        BrokenModelFile(
            "unknown-architecture.json",
            ExpectedModelDiagnostic(
                message: "unsupported architecture 'MambaForCausalLM'", line: 2, column: 20,
                hint: "Joule reads: " + supported.joined(separator: ", "))),
        // libyaml reads JSON as flow YAML; it meets the end of the file (line 7, column 1) where a
        // key or '}' should follow the trailing comma.
        BrokenModelFile(
            "truncated.json",
            ExpectedModelDiagnostic(
                message: "did not find expected node content while parsing a flow node", line: 7, column: 1)),
        BrokenModelFile(
            "missing-hidden-size.json",
            ExpectedModelDiagnostic(
                message: "missing field 'hidden_size'", line: 1, column: 1, hint: "add \"hidden_size\": <integer>")),
        BrokenModelFile(
            "vit-missing-image-size.json",
            ExpectedModelDiagnostic(message: "missing field 'image_size'", line: 1, column: 1)),
        BrokenModelFile(
            "kv-heads-not-dividing.json",
            ExpectedModelDiagnostic(
                message: "num_key_value_heads (12) do not divide num_attention_heads (32)", line: 10, column: 26)),
        BrokenModelFile(
            "negative-kv-heads.json",
            ExpectedModelDiagnostic(
                message: "field 'num_key_value_heads' must be at least 1, found -8", line: 10, column: 26)),
        BrokenModelFile(
            "experts-per-token-above-experts.json",
            ExpectedModelDiagnostic(
                message: "num_experts_per_tok (10) exceeds num_local_experts (8)", line: 9, column: 26)),
    ]

    @Test(arguments: corpus)
    func brokenFileReportsEveryFaultWithItsPosition(_ broken: BrokenModelFile) throws {
        let diagnostics: [Diagnostic]
        do {
            let model = try ModelConfig.load(broken.path)
            Issue.record("\(broken.file) loaded as \(model.name)")
            return
        } catch {
            diagnostics = error.items
        }
        #expect(
            diagnostics.count == broken.expected.count,
            "\(diagnostics.map(\.headline).joined(separator: "\n"))")
        for (diagnostic, expected) in zip(diagnostics, broken.expected) {
            #expect(diagnostic.path == broken.path)
            #expect(diagnostic.message.contains(expected.message), "\(diagnostic.message)")
            #expect(
                diagnostic.mark == SourceMark(line: expected.line, column: expected.column), "\(diagnostic.headline)")
            if let hint = expected.hint {
                #expect(diagnostic.hint?.contains(hint) == true, "\(diagnostic.hint ?? "no hint")")
            }
            // The caret display shows the offending line.
            #expect(diagnostic.sourceLine != nil)
        }
    }

    /// Every file of the corpus is listed above, and every listed file exists.
    @Test func corpusFolderAndTableAgree() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: WorkloadFixtures.corpus.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".json") }
        #expect(Set(files) == Set(Self.corpus.map(\.file)))
    }

    /// The library itself is clean: every model file and config.json loads.
    @Test func everyLibraryModelLoads() throws {
        let manager = FileManager.default
        let yaml = try manager.contentsOfDirectory(atPath: WorkloadFixtures.models.path).filter {
            $0.hasSuffix(".yaml")
        }
        #expect(yaml.count == 23)
        for file in yaml {
            #expect(throws: Never.self, "\(file)") {
                try ModelConfig.load(WorkloadFixtures.models.appendingPathComponent(file).path)
            }
        }
        let configs = try manager.contentsOfDirectory(atPath: WorkloadFixtures.huggingFace.path)
            .filter { !$0.hasSuffix(".md") }
        #expect(configs.count == 10)
        for folder in configs {
            #expect(throws: Never.self, "\(folder)") { try WorkloadFixtures.huggingFace(folder) }
        }
    }
}
