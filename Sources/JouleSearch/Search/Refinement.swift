import Numerics

/// `refine: nelder_mead`: from the best feasible point of the first objective, GSL's simplex
/// walks the numeric axes (value indices treated as continuous and snapped to the nearest
/// legal value), with the other axes held. New points it visits are evaluated and numbered after
/// the design space's points; infeasible or failed points score as infinitely bad.
enum Refinement {
    /// The axes whose values are all numbers or quantities (at least two of them).
    static func numericAxes(_ axes: [Axis]) -> [Int] {
        axes.indices.filter { a in
            axes[a].count >= 2
                && axes[a].values.allSatisfy { row in row.allSatisfy { AxisEntry.RangeEntry.read($0) != nil } }
        }
    }

    /// The points the refinement added, in the order it evaluated them.
    static func run(plan: SweepPlan, rows: [PointResult], iterations: Int) -> [PointResult] {
        guard let metric = plan.spec.objectives.first else { return [] }
        let numeric = numericAxes(plan.spec.axes)
        let sign = metric.maximise ? -1.0 : 1.0
        func score(_ row: PointResult) -> Double {
            guard row.feasible, let value = row.metrics[metric] else { return .infinity }
            return sign * value
        }
        guard !numeric.isEmpty,
            let best = rows.filter({ $0.id < plan.points.count }).min(by: { score($0) < score($1) }),
            score(best).isFinite
        else { return [] }
        var known: [[Int]: PointResult] = [:]
        for row in rows where row.id < plan.points.count { known[plan.points[row.id]] = row }
        var added: [PointResult] = []
        let base = plan.points[best.id]
        let counts = plan.spec.axes.map(\.count)
        let start = numeric.map { Double(base[$0]) }
        let step = numeric.map { max(1, Double(counts[$0]) / 4) }
        _ = try? NelderMead.minimize(start: start, step: step, tolerance: 0.5, maxIterations: iterations) { x in
            var indices = base
            for (k, a) in numeric.enumerated() { indices[a] = min(counts[a] - 1, max(0, Int(x[k].rounded()))) }
            if let row = known[indices] { return score(row) }
            let row = plan.evaluate(indices: indices, id: plan.points.count + added.count)
            known[indices] = row
            added.append(row)
            return score(row)
        }
        return added
    }
}
