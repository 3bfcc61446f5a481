import Foundation
import JouleSpec
import Testing

@testable import JouleSearch

/// Where a sweep varies the batch, its default objectives are per token: a step of batch 1 does
/// the least work, so per-step energy and latency would always rank it best.
struct PerTokenObjectiveTests {
    static let base = """
        base: { hardware: toy-3level, model: gpt2, phase: decode, context: 256, precision: int8, roofline: ideal }

        """

    @Test func aBatchAxisMakesTheDefaultsPerToken() throws {
        let spec = try sweep(Self.base + "axes: [ { key: batch, values: [1, 8] } ]\n")
        #expect(spec.objectives == [.energyPerToken, .timePerToken])
    }

    @Test func aLinkedBatchAxisMakesTheDefaultsPerToken() throws {
        let spec = try sweep(
            Self.base + """
                axes:
                  - linked:
                      - { key: batch, values: [1, 8] }
                      - { key: context, values: [256, 512] }
                """)
        #expect(spec.objectives == [.energyPerToken, .timePerToken])
    }

    @Test func withoutABatchAxisTheDefaultsKeepLatencyPerStep() throws {
        let spec = try sweep(Self.base + "axes: [ { key: context, values: [256, 512] } ]\n")
        #expect(spec.objectives == [.energyPerToken, .latency])
    }

    @Test func objectivesTheFileNamesAreKept() throws {
        let spec = try sweep(Self.base + "axes: [ { key: batch, values: [1, 8] } ]\nobjectives: [energy, latency]\n")
        #expect(spec.objectives == [.energy, .latency])
    }

    /// Decode makes one token per sequence: batch B makes B tokens a step, so time per token
    /// is the step's latency over B. Prefill of batch 2 x 64 tokens processes 128.
    @Test func timePerTokenIsTheLatencySharedOverTheStepsTokens() throws {
        let decode = try SweepPlan(
            spec: sweep(Self.base + "axes: [ { key: batch, values: [1, 8] } ]\n"), catalog: repositoryCatalog)
        for (id, batch) in [(0, 1.0), (1, 8.0)] {
            let row = decode.evaluate(id)
            let latency = try #require(row.metrics[.latency])
            let perToken = try #require(row.metrics[.timePerToken])
            #expect(abs(perToken - latency / batch) <= 1e-12 * latency, "batch \(batch)")
        }
        let prefill = try SweepPlan(
            spec: sweep(
                """
                base: { hardware: toy-3level, model: gpt2, phase: prefill, sequence: 64, precision: int8, roofline: ideal }
                axes: [ { key: batch, values: [2] } ]
                """), catalog: repositoryCatalog)
        let row = prefill.evaluate(0)
        let latency = try #require(row.metrics[.latency])
        #expect(abs(try #require(row.metrics[.timePerToken]) - latency / 128) <= 1e-12 * latency)
    }

    /// Batch-8 decode reads gpt2's weights once for eight tokens: it spends more per step than
    /// batch 1 and less per token, so the per-token objectives rank it first and the per-step
    /// ones would not.
    @Test func perTokenObjectivesRankTheLargerBatchBest() throws {
        let plan = try SweepPlan(
            spec: sweep(Self.base + "axes: [ { key: batch, values: [1, 8] } ]\n"), catalog: repositoryCatalog)
        let one = plan.evaluate(0)
        let eight = plan.evaluate(1)
        for metric in [Metric.energy, .latency] {
            #expect(try #require(one.metrics[metric]) < #require(eight.metrics[metric]), "\(metric) per step")
        }
        for metric in plan.spec.objectives {
            #expect(try #require(eight.metrics[metric]) < #require(one.metrics[metric]), "\(metric)")
        }
    }

    /// A run asked to stop keeps the chunks it finished, and a resumed run completes the table.
    @Test func aStoppedRunKeepsItsChunksAndResumes() throws {
        let plan = try SweepPlan(
            spec: sweep(
                Self.base + "name: stop-test\naxes: [ { key: batch, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] } ]\n"),
            catalog: repositoryCatalog)
        let directory = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var chunks = 0
        do {
            // Stop before the third chunk of four points: two chunks, 8 points, are done.
            _ = try SweepRunner(plan: plan, directory: directory, chunk: 4).run(stop: {
                chunks += 1
                return chunks == 3
            })
            Issue.record("the run should have stopped")
        } catch {
            #expect(error.kind == .interrupted)
            #expect(error.message.hasPrefix("interrupted with 8 of 10 points done"), "\(error.message)")
        }
        let kept = try String(contentsOfFile: directory + "/points.csv", encoding: .utf8)
        #expect(kept.split(separator: "\n").count == 1 + 8)
        let resumed = try SweepRunner(plan: plan, directory: directory, resume: true).run()
        #expect(resumed.resumed == 8)
        #expect(resumed.evaluated == 2)
    }
}
