import Foundation
import JouleEval
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// The format, sparsity and speculative-decoding axes of a sweep: each point equals the same
/// workload evaluated directly, and a point's answer moves with its axis value.
struct WorkloadAxisTests {
    static func a100Evaluator() throws -> Evaluator {
        let hardware = try Accelerator.load(repositoryRoot.appendingPathComponent("Hardware/a100-sxm-80gb.yaml").path)
        return try Evaluator(hardware: hardware, mode: .ideal)
    }

    static func model(_ name: String) throws -> ModelConfig {
        try ModelConfig.load(repositoryRoot.appendingPathComponent("Models/\(name).yaml").path)
    }

    /// MXFP4 and int4-g128 weights: the points differ from bf16 and from each other, and each
    /// equals the graph evaluated directly at that precision.
    @Test func formatAxisPointsEqualDirectEvaluations() throws {
        let plan = try SweepPlan(
            spec: sweep(
                """
                base: { hardware: a100-sxm-80gb, model: gpt2, phase: decode, context: 128, roofline: ideal }
                axes: [ { key: precision, values: [bf16, "weights=mxfp4", "weights=int4-g128"] } ]
                """), catalog: repositoryCatalog)
        let energies = try (0..<3).map { try #require(plan.evaluate($0).metrics[.energy]) }
        #expect(Set(energies).count == 3)
        let direct = try Self.a100Evaluator().evaluate(
            GraphBuilder(model: Self.model("gpt2"), precision: PrecisionConfig(parsing: "weights=int4-g128")).build(
                .decode(batch: 1, context: 128)))
        #expect(abs(energies[2] - direct.energy.total) <= 1e-12 * direct.energy.total)
    }

    /// 2:4 on the A100 lowers the energy; on a sweep it equals the sparse graph evaluated directly.
    @Test func sparsityAxisPointsEqualDirectEvaluations() throws {
        let plan = try SweepPlan(
            spec: sweep(
                """
                base: { hardware: a100-sxm-80gb, model: gpt2, phase: decode, context: 128, roofline: ideal }
                axes: [ { key: sparsity, values: [dense, "2:4"] } ]
                """), catalog: repositoryCatalog)
        let dense = try #require(plan.evaluate(0).metrics[.energy])
        let sparse = try #require(plan.evaluate(1).metrics[.energy])
        #expect(sparse < dense)
        var options = GraphOptions()
        options.weightSparsity = .twoFour
        let direct = try Self.a100Evaluator().evaluate(
            GraphBuilder(model: Self.model("gpt2"), options: options).build(.decode(batch: 1, context: 128)))
        #expect(abs(sparse - direct.energy.total) <= 1e-12 * direct.energy.total)
    }

    /// gpt2 drafting for gpt2-xl: each (k, a) point's energy per token equals the library's
    /// speculative evaluation, and at a = 1 with k = 3 a point makes 4 tokens per sequence.
    @Test func speculativeAxesPointsEqualDirectEvaluations() throws {
        let plan = try SweepPlan(
            spec: sweep(
                """
                base: { hardware: a100-sxm-80gb, model: gpt2-xl, phase: decode, context: 128, roofline: ideal, speculative: gpt2 }
                axes:
                  - { key: draft_tokens, values: [1, 3] }
                  - { key: acceptance, values: [0.5, 1] }
                """), catalog: repositoryCatalog)
        #expect(plan.points.count == 4)
        for id in 0..<4 {
            let settings = Dictionary(uniqueKeysWithValues: plan.settings(id).map { ($0.key, $0.value) })
            let k = try #require(settings["draft_tokens"].flatMap { Int($0) })
            let a = try #require(settings["acceptance"].flatMap { Double($0) })
            let direct = try #require(
                try Self.a100Evaluator().evaluateSpeculative(
                    target: Self.model("gpt2-xl"), draft: Self.model("gpt2"), precision: .standard,
                    options: GraphOptions(), batch: 1, context: 128, acceptance: a, draftTokens: k...k
                ).first)
            let row = plan.evaluate(id)
            #expect(row.error.isEmpty, "\(row.error)")
            let perToken = try #require(row.metrics[.energyPerToken])
            #expect(abs(perToken - direct.energyPerToken) <= 1e-12 * direct.energyPerToken)
            if k == 3 && a == 1 {
                let tokensPerSecond = try #require(row.metrics[.tokensPerSecond])
                let latency = try #require(row.metrics[.latency])
                #expect(abs(tokensPerSecond * latency - 4) < 1e-9)
            }
        }
    }

    @Test func badWorkloadValuesPointIntoTheSweepFile() throws {
        for (key, value, message) in [
            ("sparsity", "4:2", "1 <= N < M"), ("acceptance", "1.5", "probability"),
            ("draft_tokens", "0", "whole number"), ("activation_density", "0", "fraction"),
        ] {
            let spec = try sweep(
                """
                base: { hardware: a100-sxm-80gb, model: gpt2-xl, phase: decode, speculative: gpt2, acceptance: 0.8 }
                axes: [ { key: \(key), values: ["\(value)"] } ]
                """)
            do throws(Diagnostics) {
                _ = try SweepPlan(spec: spec, catalog: repositoryCatalog)
                Issue.record("\(key) = \(value) was accepted")
            } catch {
                #expect(error.items.first?.message.contains(message) == true, "\(error.items)")
                #expect(error.items.first?.mark?.line == 2)
            }
        }
    }

    /// A speculative axis without a draft model is an error at the point, not a plain decode.
    @Test func draftTokensWithoutADraftModelFail() throws {
        let plan = try SweepPlan(
            spec: sweep(
                """
                base: { hardware: a100-sxm-80gb, model: gpt2-xl, phase: decode, roofline: ideal }
                axes: [ { key: draft_tokens, values: [2] } ]
                """), catalog: repositoryCatalog)
        #expect(plan.evaluate(0).error.contains("applies with speculative"))
    }

    /// A sweep folder's fingerprint holds the new base keys when they are set, and the draft
    /// model's file: editing either makes a resume see a different sweep.
    @Test func theFingerprintCoversTheWorkloadKeys() throws {
        let plain = try sweep(
            """
            base: { hardware: a100-sxm-80gb, model: gpt2-xl, phase: decode }
            axes: [ { key: batch, values: [1] } ]
            """)
        let sparse = try sweep(
            """
            base: { hardware: a100-sxm-80gb, model: gpt2-xl, phase: decode, sparsity: "2:4", speculative: gpt2, acceptance: 0.8 }
            axes: [ { key: batch, values: [1] } ]
            """)
        let names = { (spec: SweepSpec) in Set(spec.parts.map(\.name)) }
        #expect(names(sparse).subtracting(names(plain)) == ["base.sparsity", "base.speculative", "base.acceptance"])
        #expect(sparse.parts.first { $0.name == "base.sparsity" }?.values == ["2:4"])
        let plan = try SweepPlan(spec: sparse, catalog: repositoryCatalog)
        #expect(plan.inputFiles.contains { $0.role == "draft model file" && $0.path.hasSuffix("Models/gpt2.yaml") })
    }
}
