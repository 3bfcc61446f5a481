import JouleSpec

/// A producer → consumer chain of GEMMs that can run as one loop nest: the producers' output
/// (the intermediate) goes through vector operators and straight into the consumer, so fused
/// it never leaves the chip.
///
/// Attention: `attn_score` (Q·Kᵀ) → position bias, soft-capping, softmax → `attn_context` (·V).
/// FFN: `ffn_gate` and `ffn_up` (or `ffn_up` alone) → activation → `ffn_down`, and the same
/// for each expert batch of a MoE layer. Dimensions: B instances of the second operand
/// (`producer.secondInstances`: KV heads x batch, or experts), `group` batch entries sharing
/// each (the query heads of a GQA group, folded into the rows), M rows (queries, tokens),
/// S shared columns (keys, the FFN's intermediate size), K1 the producers' reduction
/// (head dim, hidden), N2 the consumer's output columns.
public struct FusedChain: Sendable, Hashable {
    /// Which pattern the chain follows.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// QKᵀ → softmax → ·V (FlashAttention).
        case attention
        /// Gate and up → activation → down (a fused MLP).
        case ffn
    }

    /// Which keys each query attends to (attention only).
    public struct Mask: Sendable, Hashable {
        /// Whether query q sees only keys up to q (prefill and training of a decoder).
        public var causal: Bool
        /// The sliding window, when the layer has one.
        public var window: Int?

        /// A mask: causal or dense, with a window or without.
        public init(causal: Bool, window: Int? = nil) {
            self.causal = causal
            self.window = window
        }

        /// No mask: every query sees every key.
        public static let dense = Mask(causal: false)

        /// Keys the queries `start ..< start + count` see together, out of `keys` (queries and
        /// keys aligned, as in prefill).
        public func keys(queries start: Int, count: Int, of keys: Int) -> Int {
            guard causal else { return keys }
            let high = min(keys, start + count)
            let low = window.map { max(0, start - $0 + 1) } ?? 0
            return max(0, high - low)
        }
    }

    /// The pattern.
    public var kind: Kind
    /// The producing GEMMs (the score; or the gate and the up projection), same shape and input.
    public var producers: [GEMM]
    /// The vector operators on the intermediate between producers and consumer, in order.
    public var between: [VectorOp]
    /// The consuming GEMM (the context; the down projection).
    public var consumer: GEMM
    /// The attention mask (dense for the FFN).
    public var mask: Mask

    /// A chain from its parts; nil when the shapes do not chain (the consumer's reduction is
    /// not the producers' columns, or rows and batches differ).
    public init?(kind: Kind, producers: [GEMM], between: [VectorOp], consumer: GEMM, mask: Mask = .dense) {
        guard let first = producers.first,
            producers.allSatisfy({ $0.b == first.b && $0.m == first.m && $0.n == first.n && $0.k == first.k }),
            consumer.b == first.b, consumer.m == first.m, consumer.k == first.n,
            first.secondInstances >= 1, first.b % first.secondInstances == 0,
            consumer.secondInstances == first.secondInstances
        else { return nil }
        self.kind = kind
        self.producers = producers
        self.between = between
        self.consumer = consumer
        self.mask = mask
    }

    /// Distinct second-operand instances (KV heads x batch; experts).
    public var instances: Int { producers[0].secondInstances }
    /// Batch entries sharing one second operand (query heads per KV head), folded into rows.
    public var group: Int { producers[0].b / instances }
    /// Rows per instance before folding (queries; tokens per expert).
    public var rows: Int { producers[0].m }
    /// The intermediate's columns (keys; the FFN's intermediate size).
    public var shared: Int { producers[0].n }
    /// The producers' reduction (head dim; hidden size).
    public var reduction: Int { producers[0].k }
    /// The consumer's output columns.
    public var columns: Int { consumer.n }
}
