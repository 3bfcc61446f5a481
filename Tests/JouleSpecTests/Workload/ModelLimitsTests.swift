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
}
