import JouleEval
import JouleSpec

/// Energy per operator role as stacked bars: one segment per memory level, then MAC, vector and
/// static energy.
enum BreakdownPlot {
    /// Energy per role in graph order: per pass too when `byPass` (training), else passes summed.
    static func byRole(_ evaluation: GraphEvaluation, byPass: Bool = true) -> [(
        name: String, energy: Breakdown, count: Int
    )] {
        var order: [String] = []
        var totals: [String: (Breakdown, Int)] = [:]
        for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
            let key =
                op.pass == .forward || !byPass ? op.role.rawValue : "\(op.role.rawValue) (\(op.pass.rawValue))"
            if totals[key] == nil { order.append(key) }
            var entry = totals[key] ?? (Breakdown(levels: evaluation.hardware.memory), 0)
            entry.0.add(cost.energy)
            entry.1 += 1
            totals[key] = entry
        }
        return order.compactMap { key in totals[key].map { (key, $0.0, $0.1) } }
    }

    /// More bars than this cannot be labelled legibly across 800 px.
    static let maximumBars = 24

    /// Roles under this share of the total energy draw no visible bar and are left out (named
    /// in the note).
    static let minimumShare = 0.001

    static func chart(_ evaluation: GraphEvaluation) -> SVGChart {
        let total = evaluation.energy.total
        func visible(_ role: (name: String, energy: Breakdown, count: Int)) -> Bool {
            role.energy.total > 0 && role.energy.total >= minimumShare * total
        }
        var all = byRole(evaluation)
        var notes: [String] = []
        if all.filter(visible).count > maximumBars {
            all = byRole(evaluation, byPass: false)
            notes.append("forward and backward passes of each role summed")
        }
        let roles = all.filter(visible)
        let dropped = all.filter { !visible($0) }
        if !dropped.isEmpty {
            let share = total > 0 ? 100 * dropped.reduce(0) { $0 + $1.energy.total } / total : 0
            notes.append(
                "not shown (under 0.1% of the energy each, \(share < 0.005 ? "0" : String(format: "%.2f", share))% together): \(dropped.map(\.name).joined(separator: ", "))"
            )
        }
        let note: String? = notes.isEmpty ? nil : notes.joined(separator: "; ")
        let levels = evaluation.hardware.memory.map(\.name)
        // Series: every level, then MAC, vector and static; those that are zero everywhere are left out.
        var series: [(name: String, value: (Breakdown) -> Double)] = levels.indices.map { index in
            (levels[index], { $0.level(index) })
        }
        series += [("MAC", { $0.mac }), ("vector", { $0.vector }), ("static", { $0.leakage })]
        series = series.filter { entry in roles.contains { entry.value($0.energy) > 0 } }
        let colors = Dictionary(
            uniqueKeysWithValues: series.enumerated().map { ($0.element.name, Self.color($0.element.name, $0.offset)) })

        var chart = SVGChart(
            title:
                "Energy by operator: \(evaluation.graph.model.name) \(evaluation.graph.phase.name) on \(evaluation.hardware.name)",
            subtitle:
                "\(evaluation.graph.phase) · \(evaluation.graph.precision) · \(evaluation.mode.rawValue) traffic · total \(Energy(si: total)) in \(Time(si: evaluation.seconds))",
            x: ChartAxis(title: "Operator role", scale: .categories(roles.map(\.name))),
            y: ChartAxis(title: "Energy", unit: "J", scale: .linear, includesZero: true))
        for (index, role) in roles.enumerated() {
            let segments = series.map { entry in
                StackedBar.Segment(
                    value: entry.value(role.energy), color: colors[entry.name] ?? "#999999", series: entry.name)
            }
            chart.bars.append(
                StackedBar(
                    category: index, segments: segments,
                    tooltip: "\(role.name) ×\(role.count): \(Energy(si: role.energy.total))"))
        }
        chart.legend = series.reversed().map { entry in
            let share = total > 0 ? 100 * roles.reduce(0) { $0 + entry.value($1.energy) } / total : 0
            let percent = share >= 0.05 ? String(format: "%.1f%%", share) : "<0.1%"
            return LegendEntry(
                label: "\(entry.name)  \(percent)", color: colors[entry.name] ?? "#999999", symbol: .swatch)
        }
        chart.legendTitle = "Energy (share)"
        chart.note = note
        return chart
    }

    /// Memory levels take the palette in order; MAC, vector and static have fixed colours.
    static func color(_ name: String, _ index: Int) -> String {
        switch name {
        case "MAC": return "#59a14f"
        case "vector": return "#edc948"
        case "static": return "#bab0ac"
        default:
            return ["#4e79a7", "#e15759", "#f28e2b", "#76b7b2", "#b07aa1", "#9c755f", "#ff9da7", "#1f3f6e"][
                index % 8]
        }
    }
}
