import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// `refine: nelder_mead` starts at the best sampled point and can only improve on it.
struct RefinementTests {
    static let text = """
        name: refine-test
        base: { hardware: toy-3level, model: gpt2, phase: decode, context: 256, precision: int8, roofline: ideal }
        axes:
          - { key: batch, range: { from: 1, to: 64, step: 1 } }
          - { key: memory.DRAM.bandwidth, values: [6.4 GB/s, 12.8 GB/s, 25.6 GB/s] }
        strategy: { sobol: { samples: 6 } }
        refine: { nelder_mead: { iterations: 30 } }
        objectives: [energy_per_token, latency]
        """

    @Test func refinementAddsPointsAndNeverWorsensTheBest() throws {
        let spec = try sweep(Self.text)
        #expect(spec.refineIterations == 30)
        let plan = try SweepPlan(spec: spec, catalog: repositoryCatalog)
        let outcome = try SweepRunner(plan: plan, directory: try temporaryFolder()).run()
        let sampled = outcome.table.rows.filter { $0.id < plan.points.count }
        let refined = outcome.table.rows.filter { $0.id >= plan.points.count }
        #expect(sampled.count == plan.points.count)
        #expect(!refined.isEmpty)
        let bestSampled = try #require(sampled.compactMap { $0.metrics[.energyPerToken] }.min())
        let bestOverall = try #require(outcome.table.rows.compactMap { $0.metrics[.energyPerToken] }.min())
        #expect(bestOverall <= bestSampled)
        // Refined points only move the numeric axes to legal values: every batch is one of 1...64.
        for row in refined { #expect((1...64).contains(Int(row.values[0]) ?? 0)) }
        // Larger batches amortise the weights, so the refinement must find a batch above the best sampled one.
        let sampledBest = try #require(
            sampled.min { ($0.metrics[.energyPerToken] ?? .infinity) < ($1.metrics[.energyPerToken] ?? .infinity) })
        let overallBest = try #require(
            outcome.table.rows.min {
                ($0.metrics[.energyPerToken] ?? .infinity) < ($1.metrics[.energyPerToken] ?? .infinity)
            })
        #expect((Int(overallBest.values[0]) ?? 0) >= (Int(sampledBest.values[0]) ?? 0))
    }

    @Test func unknownRefinementIsAnError() throws {
        #expect(throws: Diagnostics.self) {
            try sweep(
                "base: { hardware: toy-3level, model: gpt2 }\naxes: [ { key: batch, values: [1] } ]\nrefine: simulated_annealing\n"
            )
        }
    }
}
