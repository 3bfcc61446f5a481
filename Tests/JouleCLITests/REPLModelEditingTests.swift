import Foundation
import Testing

/// Hugging Face models are editable in the REPL (the session keeps the YAML model a
/// `config.json` reads as), and `breakdown by layer` cuts the energy per transformer layer.
struct REPLModelEditingTests {
    static let hfModels = [
        "bert-base-uncased", "gpt2", "llama-2-7b", "mistral-7b", "mixtral-8x7b", "opt-125m", "phi-2", "pythia-1b",
        "qwen2-7b", "vit-base-patch16-224",
    ]

    static func config(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("Models/hf/\(name)/config.json").path
    }

    /// GPT-2 with 2 of its 12 layers. One layer (h = 768, f = 3072, LayerNorms with bias):
    /// attention 4h^2 + 4h = 2,362,368, FFN 2hf + f + h = 4,722,432, two norms 2 x 2h = 3,072,
    /// so 7,087,872; 124,439,808 - 10 x 7,087,872 = 53,561,088.
    @Test func aHuggingFaceModelTakesSetAndExportsAsYAML() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            load model \(Self.config("gpt2"))
            set model.layers 2
            show model
            diff
            export model out/gpt2-2.yaml
            """
        let run = try REPLTests.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("model.layers = 2 (was 12)"), "\(run.stdout)")
        #expect(run.stdout.contains("53,561,088"), "\(run.stdout)")
        #expect(run.stdout.contains("  layers: 12 -> 2"), "\(run.stdout)")
        #expect(run.stdout.contains("wrote model gpt2 to out/gpt2-2.yaml (1 edit)"), "\(run.stdout)")
        let exported = folder.appendingPathComponent("out/gpt2-2.yaml")
        let text = try String(contentsOf: exported, encoding: .utf8)
        #expect(text.contains("#   layers: 12 -> 2"))
        #expect(text.contains("\nlayers: 2\n"))
        let shown = try joule(["show", "model", exported.path, "--format", "json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        #expect(shown.stdout.contains("\"total\" : 53561088"), "\(shown.stdout)")
    }

    /// The model-file checks apply to an edited Hugging Face model, and the edit is undone.
    @Test func aBadEditOfAHuggingFaceModelIsRefusedAndLeavesItAsItWas() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            load model \(Self.config("llama-2-7b"))
            set model.kv_heads 5
            set model.layres 2
            diff
            """
        let run = try REPLTests.jouleIn(["repl", "--no-echo", "--keep-going"], input: script, in: folder)
        #expect(run.status == 65)
        #expect(run.stderr.contains("kv_heads (5) do not divide heads (32)"), "\(run.stderr)")
        #expect(run.stderr.contains("unknown key 'layres' (did you mean 'layers'?)"), "\(run.stderr)")
        #expect(run.stdout.contains("model llama-2-7b: as in"), "\(run.stdout)")
    }

    /// Every Hugging Face config exported unedited describes the same model: `show model` and
    /// the graph of its YAML form equal those of the config.json.
    @Test(arguments: hfModels) func anUneditedHuggingFaceExportReadsBackTheSame(_ name: String) throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let exported = folder.appendingPathComponent("out/\(name).yaml").path
        let export = try REPLTests.jouleIn(
            ["repl", "--no-echo"], input: "load model \(Self.config(name))\nexport model \(exported)", in: folder)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.contains("(0 edits)"), "\(export.stdout)")
        for command in [["show", "model"], ["graph"]] {
            let fromConfig = try joule(command + [Self.config(name), "--format", "json"])
            let fromYAML = try joule(command + [exported, "--format", "json"])
            #expect(fromConfig.status == 0, "\(fromConfig.stderr)")
            #expect(fromYAML.status == 0, "\(fromYAML.stderr)")
            #expect(fromConfig.stdout == fromYAML.stdout, "\(command[0]) of \(name)")
        }
    }

    /// GPT-2's 12 layers are identical, so each costs the same; the embedding, the final norm
    /// and the LM head are the three operators outside them.
    @Test func breakdownByLayerHasOneRowPerLayerAndTheRest() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = "load hardware toy-3level\nload model gpt2\nset sequence 64\nformat json\nbreakdown by layer"
        let run = try REPLTests.jouleIn(["repl", "--no-echo"], input: script, in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let start = try #require(run.stdout.range(of: "format = json\n"))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(run.stdout[start.upperBound...].utf8)) as? [String: Any])
        #expect(object["cut"] as? String == "layer")
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.map { $0["name"] as? String } == (0..<12).map { "layer \($0)" } + ["outside the layers"])
        #expect(entries.last?["count"] as? Int == 3)
        let layers = entries.prefix(12).compactMap { $0["energy_j"] as? Double }
        let first = try #require(layers.first)
        #expect(first > 0)
        #expect(layers.allSatisfy { abs($0 - first) <= 1e-12 * first })
    }
}
