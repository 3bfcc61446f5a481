/// GPipe / 1F1B pipeline timing (Huang et al., GPipe, NeurIPS 2019; Narayanan et al.,
/// PipeDream-Flush / Megatron-LM, SC 2021): with p stages and m microbatches of equal stage
/// time t, a step takes (m + p − 1)·t and the bubble, the share of device time idle, is
/// (p − 1)/(m + p − 1).
public enum PipelineSchedule {
    /// The idle share of a pipeline of equal stages.
    public static func bubble(stages p: Int, microbatches m: Int) -> Double {
        guard p > 1, m >= 1 else { return 0 }
        return Double(p - 1) / Double(m + p - 1)
    }

    /// Step time with unequal stages: every microbatch passes every stage once, and the
    /// slowest stage paces the others: Σ t_s + (m − 1)·max t_s.
    public static func stepTime(stageTimes: [Double], microbatches m: Int) -> Double {
        guard let slowest = stageTimes.max() else { return 0 }
        return stageTimes.reduce(0, +) + Double(max(0, m - 1)) * slowest
    }
}
