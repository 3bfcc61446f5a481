/// Non-dominated points: no other feasible point is at least as good in every objective and
/// better in one (throughput objectives count larger as better).
public enum Pareto {
    /// The Pareto-optimal rows among the feasible ones, in id order.
    public static func front(_ rows: [PointResult], objectives: [Metric]) -> [PointResult] {
        let candidates = rows.filter { row in row.feasible && objectives.allSatisfy { row.metrics[$0] != nil } }
        let scores = candidates.map { row in
            objectives.map { metric in (row.metrics[metric] ?? 0) * (metric.maximise ? -1 : 1) }
        }
        // In lexicographic order of the scores, every point that dominates another comes before
        // it, and a dominated point's dominator is itself dominated by (or equal to) a point of
        // the front: so each candidate need only be checked against the front kept so far,
        // O(n x front) rather than O(n^2).
        let order = candidates.indices.sorted { scores[$0].lexicographicallyPrecedes(scores[$1]) }
        var kept: [Int] = []
        for i in order {
            let dominated = kept.contains { j in Self.dominates(scores[j], scores[i]) }
            if !dominated { kept.append(i) }
        }
        let front = kept.map { candidates[$0] }
        return front.sorted { $0.id < $1.id }
    }

    /// True when `a` is at least as good as `b` everywhere and better somewhere (lower is better).
    static func dominates(_ a: [Double], _ b: [Double]) -> Bool {
        var better = false
        for (x, y) in zip(a, b) {
            if x > y { return false }
            if x < y { better = true }
        }
        return better
    }
}
