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
}
