import JouleSpec

/// GPipe / 1F1B pipeline timing (Huang et al., GPipe, NeurIPS 2019; Narayanan et al.,
/// PipeDream-Flush / Megatron-LM, SC 2021): with p stages and m microbatches of equal stage
/// time t, a step takes (m + p − 1)·t and the bubble, the share of device time idle, is
/// (p − 1)/(m + p − 1).
///
/// The interleaved 1F1B schedule (Narayanan et al. 2021, section 2.2.2) gives each device v
/// chunks of layers/(p·v) consecutive layers (device d holds chunks d, d + p, d + 2p, ...), so
/// a microbatch's pass through one chunk takes t/v. The fill and drain then last (p − 1)·t/v
/// instead of (p − 1)·t: a step takes (m + (p − 1)/v)·t, the paper's bubble time fraction
/// (p − 1)/(v·m) of the ideal m·t, and the idle share of the step is (p − 1)/(v·m + p − 1).
public enum PipelineSchedule {
    /// The idle share of a step of a pipeline of equal stages, each device holding
    /// `virtualStages` chunks: (p − 1)/(v·m + p − 1).
    public static func bubble(stages p: Int, microbatches m: Int, virtualStages v: Int = 1) -> Double {
        guard p > 1, m >= 1, v >= 1 else { return 0 }
        return Double(p - 1) / Double(v * m + p - 1)
    }

    /// Step time with unequal stages: the slowest stage paces the m microbatches, and the
    /// others' times fill and drain the pipeline, each chunk's share 1/v of its stage's time:
    /// m·max t_s + (Σ t_s − max t_s)/v. For v = 1 this is Σ t_s + (m − 1)·max t_s; for equal
    /// stages (m + (p − 1)/v)·t.
    public static func stepTime(stageTimes: [Double], microbatches m: Int, virtualStages v: Int = 1) -> Double {
        guard let slowest = stageTimes.max() else { return 0 }
        return Double(m) * slowest + (stageTimes.reduce(0, +) - slowest) / Double(max(1, v))
    }
}

extension SystemEvaluator {
    /// Checks the interleaved schedule's constraints (Megatron-LM's): a pipeline to interleave,
    /// layers that split into pipeline x virtualStages equal chunks, and microbatches that are
    /// a multiple of the stages.
    func validateInterleaving(model: ModelConfig, microbatches m: Int) throws(PlanError) {
        let (p, v) = (plan.pipeline, plan.virtualStages)
        guard v > 1 else { return }
        guard p > 1 else {
            throw PlanError("\(v) virtual stages interleave a pipeline; use --pp 2 or more, or leave them out")
        }
        guard model.layers % (p * v) == 0 else {
            throw PlanError(
                "\(v) virtual stages on \(p) pipeline stages need \(model.name)'s \(model.layers) layers to split into \(p) x \(v) = \(p * v) equal chunks"
            )
        }
        guard m % p == 0 else {
            throw PlanError(
                "the interleaved schedule needs the microbatches (\(m)) to be a multiple of the pipeline stages (\(p))")
        }
    }
}
