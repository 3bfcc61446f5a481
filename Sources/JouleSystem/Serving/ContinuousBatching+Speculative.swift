import JouleEval
import JouleSpec

/// Speculative decoding in continuous batching: each iteration is one verification cycle of the
/// running sequences (k draft steps, then the target's verification of k + 1 tokens each,
/// `SystemSpeculativeEvaluation`) instead of one decode step, and gives each sequence
/// E[tokens] = (1 − a^(k+1)) / (1 − a) tokens on average. So C · E[tokens] / E[out] requests
/// finish per iteration, TPOT is the iteration over E[tokens], energy per output token the
/// iteration's energy over C · E[tokens]; the KV capacity counts the draft's weights and KV
/// cache beside the target's, each sequence reserving its length plus the k tokens in flight.
extension ContinuousBatching {
    /// A draft model and its setting.
    public struct Speculation: Sendable {
        /// The draft model, run under the target's plan on the same devices.
        public var draft: ModelConfig
        /// k and a.
        public var setting: SpeculativeDecoding

        /// A draft and a setting.
        public init(draft: ModelConfig, setting: SpeculativeDecoding) {
            self.draft = draft
            self.setting = setting
        }
    }

    /// One verification cycle of `batch` sequences at `context` cached tokens.
    func cycle(_ speculation: Speculation, batch: Int, context: Int) throws(SystemError)
        -> SystemSpeculativeEvaluation
    {
        let k = speculation.setting.draftTokens
        let cycles: [SystemSpeculativeEvaluation]
        do throws(SystemSpeculativeError) {
            cycles = try system.evaluateSpeculative(
                target: model, draft: speculation.draft, precision: precision, options: options, batch: batch,
                context: context, acceptance: speculation.setting.acceptance, draftTokens: k...k)
        } catch {
            switch error {
            case .target(let problem): throw problem
            case .draft(let problem): throw .plan(PlanError("the draft \(speculation.draft.name): \(problem)"))
            case .setting(let problem): throw .plan(PlanError(problem.message))
            }
        }
        guard let cycle = cycles.first else { throw .plan(PlanError("no draft-token count to evaluate")) }
        return cycle
    }

    /// The most sequences whose target and draft KV caches fit beside both models' weights, each
    /// reserving `context` tokens plus the k draft tokens in flight (in whole steps of the
    /// data-parallel replicas and microbatches).
    func capacity(context: Int, _ speculation: Speculation) throws(SystemError) -> FitSearch.Answer {
        let step = system.plan.data * (system.plan.microbatches ?? 1)
        let length = context + speculation.setting.draftTokens
        func footprint(_ steps: Int) throws(SystemError) -> MemoryFootprint {
            let phase = Phase.decode(batch: steps * step, context: length)
            var both = try system.footprint(model: model, phase: phase, precision: precision, options: options)
            let draft = try system.footprint(
                model: speculation.draft, phase: phase, precision: precision, options: options)
            both.weights += draft.weights
            both.kvCache += draft.kvCache
            both.activations = max(both.activations, draft.activations)
            return both
        }
        let first = try footprint(1)
        guard first.fits else { return .init(axis: .batch, largest: nil, footprint: first, next: nil, step: step) }
        var (low, lowPrint) = (1, first)
        var (high, highPrint): (Int, MemoryFootprint?) = (GraphBuilder.maximumBatch / step + 1, nil)
        while high - low > 1 {
            let mid = low + (high - low) / 2
            let candidate = try footprint(mid)
            if candidate.fits { (low, lowPrint) = (mid, candidate) } else { (high, highPrint) = (mid, candidate) }
        }
        return .init(axis: .batch, largest: low * step, footprint: lowPrint, next: highPrint, step: step)
    }
}
