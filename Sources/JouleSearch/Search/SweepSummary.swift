import Foundation
import JouleSpec

/// `summary.md`: the best point per objective, the Pareto points, and how each axis moves
/// the objectives (the mean over feasible points at each of its values).
public struct SweepSummary: Sendable {
    public var spec: SweepSpec
    public var keys: [String]
    public var rows: [PointResult]
    public var pareto: [PointResult]
    /// Points in the whole design space (all shards).
    public var total: Int

    /// A summary of some rows of a sweep.
    public init(spec: SweepSpec, keys: [String], rows: [PointResult], pareto: [PointResult], total: Int) {
        self.spec = spec
        self.keys = keys
        self.rows = rows
        self.pareto = pareto
        self.total = total
    }

    private func value(_ metric: Metric, _ row: PointResult) -> String {
        row.metrics[metric].map { QuantityFormat.number($0) } ?? "-"
    }

    private func settings(_ row: PointResult) -> String {
        zip(keys, row.values).map { "\($0)=\($1)" }.joined(separator: ", ")
    }

    /// The markdown text.
    public func markdown() -> String {
        let feasible = rows.filter(\.feasible)
        let failed = rows.filter { !$0.error.isEmpty }
        var out = ["# Sweep \(spec.name)", ""]
        let sampled = rows.filter { $0.id < total }.count
        let refined = rows.count - sampled
        let extra = refined > 0 ? ", and \(refined) more found by refinement" : ""
        out.append(
            "\(sampled) of \(total) points of the design space evaluated\(extra): \(feasible.count) feasible, \(rows.count - feasible.count - failed.count) violate a constraint, \(failed.count) failed. Objectives: \(spec.objectives.map(\.column).joined(separator: ", "))."
        )
        if !spec.constraints.isEmpty {
            out.append("Constraints: \(spec.constraints.map(\.text).joined(separator: "; ")).")
        }
        out += ["", "## Best point per objective", "", "| objective | value | id | settings |", "|---|---|---|---|"]
        for metric in spec.objectives {
            let best = feasible.filter { $0.metrics[metric] != nil }.min { a, b in
                let (x, y) = (a.metrics[metric] ?? 0, b.metrics[metric] ?? 0)
                return metric.maximise ? x > y : x < y
            }
            if let best {
                out.append("| \(metric.column) | \(value(metric, best)) | \(best.id) | \(settings(best)) |")
            } else {
                out.append("| \(metric.column) | - | - | no feasible point |")
            }
        }
        out += ["", "## Pareto front (\(pareto.count) points)", ""]
        out.append(
            "| id | " + keys.joined(separator: " | ") + " | " + spec.objectives.map(\.column).joined(separator: " | ")
                + " |")
        out.append("|" + String(repeating: "---|", count: 1 + keys.count + spec.objectives.count))
        for row in pareto {
            out.append(
                "| \(row.id) | " + row.values.joined(separator: " | ") + " | "
                    + spec.objectives.map { value($0, row) }.joined(separator: " | ") + " |")
        }
        out += ["", "## How each axis moves the objectives", "", "Mean over the feasible points at each value."]
        for (k, key) in keys.enumerated() {
            out += [
                "", "### \(key)", "",
                "| value | points | " + spec.objectives.map(\.column).joined(separator: " | ") + " |",
            ]
            out.append("|" + String(repeating: "---|", count: 2 + spec.objectives.count))
            var order: [String] = []
            for row in rows where !order.contains(row.values[k]) { order.append(row.values[k]) }
            for setting in order {
                let group = feasible.filter { $0.values[k] == setting }
                let means = spec.objectives.map { metric -> String in
                    let values = group.compactMap { $0.metrics[metric] }
                    return values.isEmpty ? "-" : QuantityFormat.number(values.reduce(0, +) / Double(values.count))
                }
                out.append("| \(setting) | \(group.count) | " + means.joined(separator: " | ") + " |")
            }
        }
        let violations = Dictionary(grouping: rows.filter { !$0.violated.isEmpty }, by: \.violated)
        let errors = Dictionary(grouping: failed, by: \.error)
        if !violations.isEmpty || !errors.isEmpty {
            out += ["", "## Infeasible and failed points", ""]
            for (constraint, group) in violations.sorted(by: { $0.value.count > $1.value.count }) {
                out.append("- \(group.count) violate `\(constraint)`")
            }
            for (error, group) in errors.sorted(by: { $0.value.count > $1.value.count }).prefix(8) {
                out.append("- \(group.count) failed: \(error)")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
