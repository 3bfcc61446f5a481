import JouleSpec

/// The largest batch (or context) whose per-device footprint fits the device memory.
public struct FitSearch: Sendable {
    /// What grows.
    public enum Axis: String, Sendable, Hashable, CaseIterable {
        case batch, context
    }

    /// The answer: the largest value that fits (nil when even the smallest does not), and the
    /// footprint at it and at the next step up.
    public struct Answer: Sendable {
        /// The axis searched.
        public var axis: Axis
        /// The largest fitting value.
        public var largest: Int?
        /// The footprint at the largest fitting value (or at the smallest when none fits).
        public var footprint: MemoryFootprint
        /// The footprint one step past it (nil at the search's upper limit).
        public var next: MemoryFootprint?
        /// The step between values tried (the data-parallel degree for a batch; for a context
        /// 1, or the context-parallel chunking: cp in decode, 2 x cp otherwise).
        public var step: Int
    }

    /// The evaluator whose plan and cluster are used (nothing is evaluated, only footprints).
    public var system: SystemEvaluator

    /// A search over a system.
    public init(system: SystemEvaluator) { self.system = system }

    /// Searches `axis` from 1 (or one batch per replica) up to `limit`, the other dimension as
    /// in `phase`. The footprint grows with both, so a binary search finds the edge.
    public func largest(
        _ axis: Axis, model: ModelConfig, phase: Phase, precision: PrecisionConfig, options: GraphOptions,
        limit: Int? = nil
    ) throws(SystemError) -> Answer {
        // A context-parallel plan splits a sequence into 2 x cp chunks (a decode context into cp).
        let contextStep: Int
        if case .decode = phase { contextStep = system.plan.context } else { contextStep = 2 * system.plan.context }
        let step =
            axis == .batch
            ? system.plan.data * (system.plan.microbatches ?? 1) : (system.plan.context > 1 ? contextStep : 1)
        let upper = max(1, (limit ?? (axis == .batch ? GraphBuilder.maximumBatch : model.maxPositions)) / step)
        func phaseAt(_ k: Int) -> Phase {
            let value = k * step
            switch (axis, phase) {
            case (.batch, .prefill(_, let s)): return .prefill(batch: value, sequence: s)
            case (.batch, .decode(_, let c)): return .decode(batch: value, context: c)
            case (.batch, .training(_, let s)): return .training(batch: value, sequence: s)
            case (.context, .prefill(let b, _)): return .prefill(batch: b, sequence: value)
            case (.context, .decode(let b, _)): return .decode(batch: b, context: value)
            case (.context, .training(let b, _)): return .training(batch: b, sequence: value)
            }
        }
        func footprint(_ k: Int) throws(SystemError) -> MemoryFootprint {
            try system.footprint(model: model, phase: phaseAt(k), precision: precision, options: options)
        }
        let first = try footprint(1)
        guard first.fits else { return Answer(axis: axis, largest: nil, footprint: first, next: nil, step: step) }
        var low = 1
        var lowPrint = first
        var high = upper + 1  // the first value known not to fit (or past the limit)
        var highPrint: MemoryFootprint?
        while high - low > 1 {
            let mid = low + (high - low) / 2
            let candidate = try footprint(mid)
            if candidate.fits {
                (low, lowPrint) = (mid, candidate)
            } else {
                (high, highPrint) = (mid, candidate)
            }
        }
        return Answer(axis: axis, largest: low * step, footprint: lowPrint, next: highPrint, step: step)
    }
}
