import JouleSpec

extension ParallelPlan {
    /// Activation recomputation in training (Korthikanti et al., "Reducing Activation
    /// Recomputation in Large Transformer Models", MLSys 2023): what the forward pass does not
    /// keep for the backward pass and runs again there.
    public enum Recompute: String, Sendable, Hashable, CaseIterable {
        /// Every activation the backward pass needs is kept.
        case none
        /// Only the core attention (QK^T, softmax, dropout, attention over V; Megatron-LM's
        /// `--recompute-granularity selective`) is recomputed: its s x s tensors are not kept.
        case selective
        /// Each layer keeps only its input and runs its whole forward pass again before its
        /// backward pass (Megatron-LM's `--recompute-granularity full`).
        case full
    }
}

extension SystemEvaluator {
    /// The core-attention roles selective recomputation runs again.
    static let coreAttention: Set<OperatorRole> = [.attnScore, .positionBias, .softcap, .softmax, .attnContext]

    /// The graph with the recomputed forward operators of each layer inserted before that
    /// layer's first backward operator, named `<op>.recompute` (pass forward, so a fused
    /// attention chain is recomputed fused). Unchanged without recomputation or a backward pass.
    func withRecomputation(_ graph: Graph) -> Graph {
        guard plan.recompute != .none, graph.phase.isTraining else { return graph }
        var recomputed: [Int: [Operator]] = [:]
        var kept: String?
        for op in graph.operators where op.pass == .forward {
            guard let layer = op.layer else { continue }
            let wanted: Bool
            switch plan.recompute {
            case .none: wanted = false
            case .full: wanted = true
            case .selective:
                // A GEMM's dequantization travels with it.
                wanted =
                    op.role == .dequant
                    ? kept.map { op.name == $0 + ".dequant" } ?? false : Self.coreAttention.contains(op.role)
            }
            if op.role != .dequant { kept = wanted ? op.name : nil }
            guard wanted else { continue }
            var copy = op
            copy.name += ".recompute"
            recomputed[layer, default: []].append(copy)
        }
        var out = graph
        out.operators = []
        for op in graph.operators {
            if op.pass != .forward, let layer = op.layer, let ops = recomputed.removeValue(forKey: layer) {
                out.operators += ops
            }
            out.operators.append(op)
        }
        return out
    }

    /// Runs of the forward pass's collectives per step: once, and once more in training under
    /// full recomputation (the recomputed layer repeats its tensor-, expert- and
    /// context-parallel communication; the pipeline hand-off is not repeated).
    func forwardRuns(isTraining: Bool) -> Double {
        isTraining && plan.recompute == .full ? 2 : 1
    }
}
