import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// GPipe's bubble, (p - 1)/(m + p - 1) (Huang et al. 2019; Narayanan et al. 2021).
struct PipelineScheduleTests {
    @Test func bubbleOfFourStagesAndEightMicrobatchesIsThreeElevenths() {
        #expect(abs(PipelineSchedule.bubble(stages: 4, microbatches: 8) - 3.0 / 11) < 1e-15)
        #expect(PipelineSchedule.bubble(stages: 1, microbatches: 8) == 0)
    }

    @Test func equalStagesTakeMPlusPMinusOneStageTimes() {
        #expect(PipelineSchedule.stepTime(stageTimes: [1, 1, 1, 1], microbatches: 8) == 11)
        // The slowest stage paces the rest: 1 + 3 + 1 + 7 x 3.
        #expect(PipelineSchedule.stepTime(stageTimes: [1, 3, 1], microbatches: 8) == 26)
    }

    @Test func interleavingDividesTheFillAndDrainByTheChunksPerDevice() {
        // p = 4, v = 2, m = 8: the paper's bubble time fraction (p - 1)/(v·m) = 3/16 of the
        // ideal 8 t, a step of 8 + 3/2 = 9.5 t, idle share 1.5/9.5 = 3/19 = (p - 1)/(v·m + p - 1).
        #expect(PipelineSchedule.stepTime(stageTimes: [1, 1, 1, 1], microbatches: 8, virtualStages: 2) == 9.5)
        #expect(abs(PipelineSchedule.bubble(stages: 4, microbatches: 8, virtualStages: 2) - 3.0 / 19) < 1e-15)
        // Unequal: the slowest (3) paces 4 microbatches, the others' 1 + 1 + 1 fill and drain at
        // half their time: 4 x 3 + 3/2 = 13.5.
        #expect(PipelineSchedule.stepTime(stageTimes: [1, 3, 1, 1], microbatches: 4, virtualStages: 2) == 13.5)
    }

    static func system(pipeline: Int, virtualStages: Int, microbatches: Int) throws -> SystemEvaluator {
        let h100 = try Fixtures.hardware("h100-sxm")
        var plan = ParallelPlan(pipeline: pipeline, microbatches: microbatches)
        plan.virtualStages = virtualStages
        return SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: plan,
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
    }

    @Test func interleavedStagesHandOffAtEveryChunkBoundary() throws {
        let model = try Fixtures.model("llama-2-7b")  // 32 layers, hidden 4096
        let system = try Self.system(pipeline: 4, virtualStages: 2, microbatches: 4)
        let training = try system.evaluate(
            model: model, phase: .training(batch: 8, sequence: 512), precision: .standard, options: GraphOptions())
        let sends = try #require(training.communication.first { $0.purpose.hasPrefix("PP") })
        // 4 x 2 = 8 chunks of 4 layers: 7 boundaries, forward and backward, 4 microbatches.
        #expect(sends.perStep == 7 * 2 * 4)
        // 2 sequences x 512 tokens x 4096 x 2 bytes per microbatch.
        #expect(sends.cost.bytes == 2 * 512 * 4096 * 2)
        // (p - 1)/(v·m + p - 1) = 3/(8 + 3).
        #expect(abs(training.bubble - 3.0 / 11) < 1e-15)
        // Every device still holds 8 layers: 4 chunks of 4 against the plain schedule's 8 in a row.
        let plain = try Self.system(pipeline: 4, virtualStages: 1, microbatches: 4).evaluate(
            model: model, phase: .training(batch: 8, sequence: 512), precision: .standard, options: GraphOptions())
        #expect(abs(training.stageSeconds[1] - plain.stageSeconds[1]) < 1e-12 * plain.stageSeconds[1])
        let plainSends = try #require(plain.communication.first { $0.purpose.hasPrefix("PP") })
        #expect(plainSends.perStep == 3 * 2 * 4)
    }

    @Test(arguments: [
        (4, 2, 2, "microbatches (2) to be a multiple of the pipeline stages (4)"),
        (4, 3, 4, "32 layers to split into 4 x 3 = 12 equal chunks"),
        (1, 2, 1, "use --pp 2 or more"),
    ])
    func interleavingConstraintsAreErrorsNamingTheNumbers(pipeline: Int, chunks: Int, microbatches: Int, words: String)
        throws
    {
        let model = try Fixtures.model("llama-2-7b")
        let system = try Self.system(pipeline: pipeline, virtualStages: chunks, microbatches: microbatches)
        do {
            _ = try system.validate(model: model, phase: .prefill(batch: 8, sequence: 16))
            Issue.record("expected an error")
        } catch {
            #expect(error.message.contains(words))
        }
    }
}
