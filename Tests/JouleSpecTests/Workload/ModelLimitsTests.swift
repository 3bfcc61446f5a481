import Foundation
import Testing
import YAML

@testable import JouleSpec

/// Sizes whose products would overflow exact parameter counts are errors, not traps.
struct ModelLimitsTests {
    static func decode(_ body: String) throws -> ModelConfig {
        try YAMLDecoder().decode(
            ModelConfig.self, from: "name: m\nvocab_size: 1000\nmax_positions: 1024\n" + body, path: "m.yaml")
    }

    @Test func aWidthPastTheLimitIsAnError() {
        do {
            _ = try Self.decode("hidden_size: 4294967296\nlayers: 2\nheads: 2\nffn: { size: 64, kind: gelu_mlp }\n")
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            #expect(error.items.map(\.message).contains("hidden_size must be at most 16777216, found 4294967296"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    /// Per layer: attention 4 x 65,536^2 = 1.7e10 plus a gated FFN 3 x 65,536 x 1,048,576 = 2.1e11,
    /// so 2.23e11. 4096 layers make 9.1e14, under 10^15; 8192 layers make 1.8e15, over it.
    @Test func tooManyParametersIsAnError() throws {
        let body = "hidden_size: 65536\nheads: 64\nffn: { size: 1048576, kind: swiglu }\n"
        let fits = try Self.decode(body + "layers: 4096\n")
        #expect(Double(fits.parameters.total) < 1e15)
        do {
            _ = try Self.decode(body + "layers: 8192\n")
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            #expect(error.items.first?.message.hasPrefix("the model would have about") == true)
        }
    }

    /// A limit error points at the key that breaks it: `ffn.size` is on line 7 (after the three
    /// lines `decode` prepends and hidden_size, layers, heads), its value at column 11.
    @Test func aLimitErrorPointsAtItsKeyInYAML() throws {
        do {
            _ = try Self.decode("hidden_size: 64\nlayers: 2\nheads: 2\nffn:\n  size: 99999999\n  kind: gelu_mlp\n")
            Issue.record("expected an error")
        } catch let error as Diagnostics {
            let item = try #require(error.items.first)
            #expect(item.message == "ffn size must be at most 16777216, found 99999999")
            #expect(item.mark == SourceMark(line: 8, column: 9), "\(String(describing: item.mark))")
        }
    }

    /// The same in a config.json: vocab_size on line 3, its value at column 17.
    @Test func aLimitErrorPointsAtItsKeyInConfigJSON() throws {
        let json = """
            {
              "architectures": ["LlamaForCausalLM"],
              "vocab_size": 320000000,
              "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
              "intermediate_size": 128, "max_position_embeddings": 256
            }
            """
        do {
            _ = try HuggingFaceImport.model(from: json, path: "config.json", name: "m")
            Issue.record("expected an error")
        } catch {
            let item = try #require(error.items.first)
            #expect(item.message == "vocab_size must be at most 16777216, found 320000000")
            #expect(item.mark == SourceMark(line: 3, column: 17), "\(String(describing: item.mark))")
        }
    }

    /// `patch_size: 0` once divided by zero while building the vision encoder; now it is an
    /// error at the value (line 4, column 17).
    @Test func aZeroPatchSizeIsAnErrorNotATrap() throws {
        let json = """
            {
              "architectures": ["ViTModel"],
              "image_size": 224,
              "patch_size": 0,
              "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128
            }
            """
        do {
            _ = try HuggingFaceImport.model(from: json, path: "config.json", name: "m")
            Issue.record("expected an error")
        } catch {
            let item = try #require(error.items.first)
            #expect(item.message == "field 'patch_size' must be at least 1, found 0")
            #expect(item.mark == SourceMark(line: 4, column: 17), "\(String(describing: item.mark))")
        }
    }
}
