import JouleSpec

/// Speculative decoding (Leviathan, Kalman and Matias, "Fast Inference from Transformers via
/// Speculative Decoding", ICML 2023): a small draft model proposes `k` tokens one decode step
/// at a time, then the target model scores all of them and the token after in one
/// verification pass over k + 1 tokens. Each draft token is accepted with probability `a`
/// (independently, the paper's simplifying assumption), the first rejection ends the run, and
/// the target's own token at that point is always kept, so a verification yields
///
///     E[tokens] = (1 - a^(k+1)) / (1 - a)        (Leviathan et al. 2023, eq. 1; k + 1 at a = 1)
///
/// tokens per sequence. One verification cycle costs k draft steps plus one verification:
/// energy and time per accepted token are the cycle's divided by batch x E[tokens]. The draft
/// steps are taken at the cycle's starting context (the k tokens it adds are left out).
public struct SpeculativeDecoding: Sendable, Hashable {
    /// Draft tokens proposed per verification, k >= 1.
    public var draftTokens: Int
    /// The probability that the target accepts a draft token, in [0, 1].
    public var acceptance: Double

    /// The most draft tokens a verification takes (and `bestDraftTokens` tries).
    public static let maximumDraftTokens = 64

    /// A setting; `validate()` says whether it is usable.
    public init(draftTokens: Int, acceptance: Double) {
        self.draftTokens = draftTokens
        self.acceptance = acceptance
    }

    /// Why a speculative setting or its models are unusable.
    public struct SpeculativeError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Nil when k and a are in range, else why not.
    public func validate() -> SpeculativeError? {
        if draftTokens < 1 || draftTokens > Self.maximumDraftTokens {
            return SpeculativeError(
                message: "draft tokens must lie in 1...\(Self.maximumDraftTokens), found \(draftTokens)")
        }
        if !(acceptance >= 0 && acceptance <= 1) {
            return SpeculativeError(message: "the acceptance rate must lie in [0, 1], found \(acceptance)")
        }
        return nil
    }

    /// Expected tokens per sequence per verification, (1 - a^(k+1)) / (1 - a), k + 1 at a = 1.
    public static func expectedTokens(draftTokens k: Int, acceptance a: Double) -> Double {
        if a >= 1 { return Double(k + 1) }
        var power = 1.0
        for _ in 0...k { power *= a }
        return (1 - power) / (1 - a)
    }

    /// `expectedTokens` for this setting.
    public var expectedTokens: Double { Self.expectedTokens(draftTokens: draftTokens, acceptance: acceptance) }

    /// The two graphs of one cycle: a draft decode step and the target's verification step
    /// (k + 1 tokens per sequence against the cache, logits for every one of them), both at
    /// `batch` sequences and `context` cached tokens. Only decoder-only models decode this way.
    public func graphs(
        target: ModelConfig, draft: ModelConfig, precision: PrecisionConfig, options: GraphOptions, batch: Int,
        context: Int
    ) throws(SpeculativeError) -> (draft: Graph, verification: Graph) {
        if let problem = validate() { throw problem }
        for model in [target, draft] where model.family != .decoder {
            throw SpeculativeError(
                message: "speculative decoding needs decoder-only models; \(model.name) is \(model.family.rawValue)")
        }
        var verify = options
        verify.decodeTokens = draftTokens + 1
        verify.logits = .all
        var step = options
        step.decodeTokens = 1
        do {
            var draftGraph = try GraphBuilder(model: draft, precision: precision, options: step).build(
                .decode(batch: batch, context: context))
            let verification = try GraphBuilder(model: target, precision: precision, options: verify).build(
                .decode(batch: batch, context: context))
            if draft.vocabSize != target.vocabSize {
                draftGraph.warnings.append(
                    "the draft \(draft.name) has a vocabulary of \(draft.vocabSize), the target \(target.name) \(target.vocabSize): speculative decoding needs one tokenizer"
                )
            }
            return (draftGraph, verification)
        } catch {
            throw SpeculativeError(message: error.message)
        }
    }

    /// One cycle's cost from a draft step's and a verification's evaluations.
    public func combine(draft: GraphEvaluation, verification: GraphEvaluation) -> SpeculativeEvaluation {
        SpeculativeEvaluation(setting: self, draft: draft, verification: verification)
    }
}

/// The cost of speculative decoding at one setting, per verification cycle and per accepted token.
public struct SpeculativeEvaluation: Sendable {
    /// k and a.
    public var setting: SpeculativeDecoding
    /// One draft decode step.
    public var draft: GraphEvaluation
    /// One verification step of the target over k + 1 tokens per sequence.
    public var verification: GraphEvaluation

    /// Sequences decoded together.
    public var batch: Int { verification.graph.phase.batch }
    /// Tokens accepted per cycle over the batch: batch x E[tokens].
    public var tokensPerCycle: Double { Double(batch) * setting.expectedTokens }
    /// Joules per cycle: k draft steps and one verification.
    public var energyPerCycle: Double {
        Double(setting.draftTokens) * draft.energy.total + verification.energy.total
    }
    /// Seconds per cycle: the draft steps and the verification run one after another.
    public var secondsPerCycle: Double { Double(setting.draftTokens) * draft.seconds + verification.seconds }
    /// Joules per accepted token.
    public var energyPerToken: Double { energyPerCycle / tokensPerCycle }
    /// Seconds per accepted token over the batch (1 / throughput), as `GraphEvaluation.timePerToken`.
    public var timePerToken: Double { secondsPerCycle / tokensPerCycle }
    /// Seconds between a sequence's accepted tokens (its own latency per token).
    public var latencyPerToken: Double { secondsPerCycle / setting.expectedTokens }
}

extension Evaluator {
    /// Speculative decoding at acceptance `acceptance` for every k in `draftTokens`: the draft
    /// step is evaluated once, the target's verification once per k.
    public func evaluateSpeculative(
        target: ModelConfig, draft: ModelConfig, precision: PrecisionConfig, options: GraphOptions, batch: Int,
        context: Int, acceptance: Double, draftTokens: ClosedRange<Int>
    ) throws(SpeculativeDecoding.SpeculativeError) -> [SpeculativeEvaluation] {
        var draftEvaluation: GraphEvaluation?
        var results: [SpeculativeEvaluation] = []
        for k in draftTokens {
            let setting = SpeculativeDecoding(draftTokens: k, acceptance: acceptance)
            let graphs = try setting.graphs(
                target: target, draft: draft, precision: precision, options: options, batch: batch, context: context)
            do throws(EvaluationError) {
                let step: GraphEvaluation
                if let draftEvaluation {
                    step = draftEvaluation
                } else {
                    step = try evaluate(graphs.draft)
                }
                draftEvaluation = step
                results.append(setting.combine(draft: step, verification: try evaluate(graphs.verification)))
            } catch {
                throw .init(message: error.message)
            }
        }
        return results
    }
}
