/// How a MoE layer's routed token-expert pairs spread over its experts.
///
/// `uniform` (no shares, no capacity) spreads pairs as evenly as possible, as a balanced router
/// would. Given `shares`, expert e receives that fraction of the pairs. Given a
/// `capacityFactor` c, every expert's buffer holds C = ceil(c x pairs / experts) rows (GShard,
/// Lepikhin et al. 2020; Switch Transformer, Fedus et al. 2022, section 2.2): pairs past C are
/// dropped, and the batched expert GEMM is padded to C rows for every expert.
public struct ExpertLoad: Sendable, Hashable {
    /// Each routed expert's share of the pairs, in expert order, summing to 1; nil is uniform.
    public var shares: [Double]?
    /// Rows per expert buffer as a multiple of the even share; nil sizes the batch by the busiest expert.
    public var capacityFactor: Double?

    /// A load from its parts.
    public init(shares: [Double]? = nil, capacityFactor: Double? = nil) {
        self.shares = shares
        self.capacityFactor = capacityFactor
    }

    /// Pairs spread as evenly as possible, no capacity limit (the default).
    public static let uniform = ExpertLoad()

    /// Whether this is the balanced default.
    public var isUniform: Bool { shares == nil && capacityFactor == nil }

    /// How far the shares may sum from 1 (they are usually written to a few decimals).
    public static let shareTolerance = 1e-6

    /// Pairs routed to each of `experts` experts, summing to `pairs`: shares rounded by the
    /// largest-remainder method (ties to the lower expert index), or an even spread where the
    /// first `pairs mod experts` experts take one more.
    public func pairsPerExpert(pairs: Int, experts: Int) -> [Int] {
        guard experts > 0 else { return [] }
        guard let shares, shares.count == experts else {
            return (0..<experts).map { pairs / experts + ($0 < pairs % experts ? 1 : 0) }
        }
        let total = shares.reduce(0, +)
        let exact = shares.map { total > 0 ? $0 / total * Double(pairs) : 0 }
        var counts = exact.map { Int($0.rounded(.down)) }
        let missing = pairs - counts.reduce(0, +)
        let byRemainder = (0..<experts).sorted { a, b in
            let (ra, rb) = (exact[a] - Double(counts[a]), exact[b] - Double(counts[b]))
            return ra != rb ? ra > rb : a < b
        }
        for e in byRemainder.prefix(max(0, missing)) { counts[e] += 1 }
        return counts
    }

    /// Rows of each expert's buffer, ceil(capacityFactor x pairs / experts), or nil without a
    /// capacity. Never more than `pairs`: a buffer that could hold every pair is as large as it gets.
    public func capacity(pairs: Int, experts: Int) -> Int? {
        guard let capacityFactor, capacityFactor > 0, experts > 0 else { return nil }
        let rows = (capacityFactor * Double(pairs) / Double(experts)).rounded(.up)
        return rows.isFinite ? Int(min(Double(pairs), max(1, rows))) : pairs
    }

    /// What makes this load unusable for a layer of `experts` routed experts, or nil.
    public func problem(experts: Int) -> String? {
        if let shares {
            if shares.count != experts {
                return "the expert shares list \(shares.count) experts; the model routes over \(experts)"
            }
            if shares.contains(where: { !($0 >= 0 && $0.isFinite) }) {
                return "expert shares must be non-negative numbers"
            }
            let sum = shares.reduce(0, +)
            if abs(sum - 1) > Self.shareTolerance {
                return "expert shares must sum to 1, found \(QuantityFormat.number(sum, significant: 6))"
            }
        }
        if let capacityFactor, !(capacityFactor > 0 && capacityFactor.isFinite) {
            return "the capacity factor must be a positive number, found \(QuantityFormat.number(capacityFactor))"
        }
        return nil
    }
}
