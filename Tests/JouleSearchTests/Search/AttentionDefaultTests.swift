import Foundation
import JouleEval
import JouleSpec
import Testing

@testable import JouleSearch

/// An encoder-decoder's decoder is causal in a sweep as on the command line: only bidirectional
/// encoders default to the whole score matrix.
struct AttentionDefaultTests {
    @Test(arguments: [
        ("flan-t5-base", GraphOptions.Attention.causal), ("llama-2-7b", .causal), ("bert-base-uncased", .full),
        ("vit-base-patch16-224", .full),
    ])
    func defaultsFollowTheFamily(_ name: String, _ attention: GraphOptions.Attention) throws {
        let model = try ModelConfig.load(repositoryRoot.appendingPathComponent("Models/\(name).yaml").path)
        #expect(GraphOptions.defaults(for: model).attention == attention)
    }

    /// Training flan-t5-base (sequence 64: the decoder's 64 targets attend causally, 64 x 65 / 2
    /// scores per head, not 64 x 64): the sweep point equals the causal graph evaluated directly
    /// and not the full one.
    @Test func encoderDecoderSweepKeepsTheDecoderCausal() throws {
        let plan = try SweepPlan(
            spec: sweep(
                """
                base: { hardware: a100-sxm-80gb, model: flan-t5-base, phase: training, sequence: 64, roofline: ideal }
                axes: [ { key: batch, values: [1] } ]
                """), catalog: repositoryCatalog)
        let point = try #require(plan.evaluate(0).metrics[.energy])
        let model = try ModelConfig.load(repositoryRoot.appendingPathComponent("Models/flan-t5-base.yaml").path)
        let hardware = try Accelerator.load(repositoryRoot.appendingPathComponent("Hardware/a100-sxm-80gb.yaml").path)
        let evaluator = try Evaluator(hardware: hardware, mode: .ideal)
        func energy(_ attention: GraphOptions.Attention) throws -> Double {
            var options = GraphOptions()
            options.attention = attention
            let graph = try GraphBuilder(model: model, options: options).build(.training(batch: 1, sequence: 64))
            return try evaluator.evaluate(graph).energy.total
        }
        let causal = try energy(.causal)
        #expect(abs(point - causal) <= 1e-12 * causal)
        #expect(abs(point - (try energy(.full))) > 1e-9 * causal)
    }
}
