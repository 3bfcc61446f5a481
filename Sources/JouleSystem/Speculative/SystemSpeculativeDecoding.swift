import JouleEval
import JouleSpec

/// Speculative decoding on a cluster: one verification cycle is `k` draft decode steps and one
/// target verification of k + 1 tokens per sequence (`SpeculativeDecoding`, Leviathan et al.
/// 2023), each a cluster evaluation under the same plan, so the verification's collectives
/// carry k + 1 tokens per sequence and gather the logits of all of them.
///
/// The draft runs on the same devices under the same parallel plan as the target (vLLM's
/// default: the draft model takes the target's tensor-parallel degree), so it must divide as
/// the target does, and every device holds the draft's shard and KV cache beside the target's.
public struct SystemSpeculativeEvaluation: Sendable {
    /// k and a.
    public var setting: SpeculativeDecoding
    /// One draft decode step of the whole batch.
    public var draft: SystemEvaluation
    /// One verification step of the target over k + 1 tokens per sequence.
    public var verification: SystemEvaluation

    /// Sequences decoded together (over the cluster).
    public var batch: Int { verification.phase.batch }
    /// Tokens accepted per cycle over the batch: batch x E[tokens].
    public var tokensPerCycle: Double { Double(batch) * setting.expectedTokens }
    /// Joules per cycle over the cluster: k draft steps and one verification.
    public var energyPerCycle: Double { Double(setting.draftTokens) * draft.energy + verification.energy }
    /// Seconds per cycle: the draft steps and the verification run one after another.
    public var secondsPerCycle: Double { Double(setting.draftTokens) * draft.seconds + verification.seconds }
    /// Joules per accepted token.
    public var energyPerToken: Double { energyPerCycle / tokensPerCycle }
    /// Seconds per accepted token over the batch (1 / throughput).
    public var timePerToken: Double { secondsPerCycle / tokensPerCycle }
    /// Seconds between one sequence's accepted tokens.
    public var latencyPerToken: Double { secondsPerCycle / setting.expectedTokens }

    /// What one device holds: the target's and the draft's weights and KV caches, and the larger
    /// of their activation working sets (they run one after the other).
    public var footprint: MemoryFootprint {
        var both = verification.footprint
        both.weights += draft.footprint.weights
        both.kvCache += draft.footprint.kvCache
        both.activations = max(both.activations, draft.footprint.activations)
        return both
    }
}

extension SystemEvaluator {
    /// Speculative decoding at acceptance `acceptance` for every k in `draftTokens`, decoding
    /// `batch` sequences (global) at `context` cached tokens: the draft step is evaluated once,
    /// the target's verification once per k.
    public func evaluateSpeculative(
        target: ModelConfig, draft: ModelConfig, precision: PrecisionConfig, options: GraphOptions, batch: Int,
        context: Int, acceptance: Double, draftTokens: ClosedRange<Int>
    ) throws(SystemSpeculativeError) -> [SystemSpeculativeEvaluation] {
        let phase = Phase.decode(batch: batch, context: context)
        var step = options
        step.decodeTokens = 1
        var draftEvaluation: SystemEvaluation?
        var results: [SystemSpeculativeEvaluation] = []
        for k in draftTokens {
            let setting = SpeculativeDecoding(draftTokens: k, acceptance: acceptance)
            do {
                // The single-device check of k, a and both models (decoder-only) and the same
                // graph options the single-device path uses.
                _ = try setting.graphs(
                    target: target, draft: draft, precision: precision, options: options, batch: batch,
                    context: context)
            } catch {
                throw .setting(error)
            }
            var verify = options
            verify.decodeTokens = k + 1
            verify.logits = .all
            let drafted: SystemEvaluation
            if let draftEvaluation {
                drafted = draftEvaluation
            } else {
                do {
                    drafted = try evaluate(model: draft, phase: phase, precision: precision, options: step)
                } catch {
                    throw .draft(error)
                }
            }
            draftEvaluation = drafted
            let verification: SystemEvaluation
            do {
                verification = try evaluate(model: target, phase: phase, precision: precision, options: verify)
            } catch {
                throw .target(error)
            }
            results.append(SystemSpeculativeEvaluation(setting: setting, draft: drafted, verification: verification))
        }
        return results
    }
}

/// Why speculative decoding on a cluster cannot be evaluated.
public enum SystemSpeculativeError: Error, Sendable {
    /// k, a or a model is unusable for speculative decoding (an encoder, k out of range).
    case setting(SpeculativeDecoding.SpeculativeError)
    /// The draft model does not run under the plan (it does not divide, or a device lacks a precision).
    case draft(SystemError)
    /// The target's verification does not run under the plan.
    case target(SystemError)
}
