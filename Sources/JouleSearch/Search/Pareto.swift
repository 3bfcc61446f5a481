/// Non-dominated points: no other feasible point is at least as good in every objective and
/// better in one (throughput objectives count larger as better).
public enum Pareto {
    /// The Pareto-optimal rows among the feasible ones, in id order.
    public static func front(_ rows: [PointResult], objectives: [Metric]) -> [PointResult] {
        let candidates = rows.filter { row in row.feasible && objectives.allSatisfy { row.metrics[$0] != nil } }
        let scores = candidates.map { row in
            objectives.map { metric in (row.metrics[metric] ?? 0) * (metric.maximise ? -1 : 1) }
        }
        var front: [PointResult] = []
        for (i, row) in candidates.enumerated() {
            let dominated = scores.indices.contains { j in
                j != i && zip(scores[j], scores[i]).allSatisfy { $0 <= $1 }
                    && zip(scores[j], scores[i]).contains { $0 < $1 }
            }
            if !dominated { front.append(row) }
        }
        return front.sorted { $0.id < $1.id }
    }
}
