import JouleEval
import JouleSpec

/// The report of one evaluation: the summary `joule eval` prints, energy breakdowns, the
/// roofline, and every operator in a sortable, filterable table. It draws values the library
/// computed (`GraphEvaluation`, `EvalReport`'s cuts) and computes none of its own.
struct EvalReportPage {
    let evaluation: GraphEvaluation
    /// The command that asked for the report, shown under the title.
    var command: String?

    private var report: EvalReport { EvalReport(evaluation: evaluation) }

    /// The page's title.
    var title: String {
        let g = evaluation.graph
        return "\(g.model.name) \(g.phase.name) on \(evaluation.hardware.name)"
    }

    /// The whole page.
    func page() -> ReportPage {
        let e = evaluation
        let point = e.operatingPoint
        var page = ReportPage(title: "Joule report: " + title)
        page.lines.append(
            "\(e.graph.phase) · precision \(e.graph.precision) · \(e.mode.rawValue) roofline · \(point.frequency) @ \(point.voltage)"
        )
        if let command { page.lines.append("$ " + command) }
        page.sections = [
            ReportPage.Section(id: "summary", title: "Summary", body: summary()),
            ReportPage.Section(id: "breakdown", title: "Where the energy goes", body: breakdown()),
            ReportPage.Section(id: "roofline", title: "Roofline", body: roofline()),
            ReportPage.Section(id: "operators", title: "Operators", body: operators()),
        ]
        return page
    }

    private func card(_ label: String, _ value: String) -> String {
        "<div class=\"card\"><div class=\"label\">\(HTMLText.escape(label))</div><div class=\"value\">\(HTMLText.escape(value))</div></div>\n"
    }

    func summary() -> String {
        let e = evaluation
        var out = "<div class=\"cards\">\n"
        out += card("latency per step", Time(si: e.seconds).description)
        if case .decode = e.graph.phase {
            // Per token as `joule eval` and a sweep give it: the step over its batch of new tokens.
            out += card("time per token", Time(si: e.timePerToken).description)
            out += card("tokens per second", QuantityFormat.number(Double(e.graph.tokens) / max(e.seconds, 1e-300)))
        }
        out += card("energy", Energy(si: e.energy.total).description)
        out += card("energy per token", Energy(si: e.energyPerToken).description)
        out += card("average power", Power(si: e.averagePower).description)
        out += card("bound", e.bound.description)
        out += card("operators", QuantityFormat.grouped(e.graph.operators.count))
        if e.mode == .mapped {
            out += card(
                "mapper",
                "\(e.mappedShapes) GEMM shapes, \(QuantityFormat.grouped(e.mappingsEvaluated)) mappings")
        }
        out += "</div>\n"
        if !e.graph.warnings.isEmpty {
            out += "<ul class=\"warnings\">\n"
            for warning in e.graph.warnings { out += "<li>warning: \(HTMLText.escape(warning))</li>\n" }
            out += "</ul>\n"
        }
        return out
    }

    /// A small table of energy by one cut, each row with its share drawn as a bar.
    private func cut(_ caption: String, _ rows: [(String, Double)], id: String) -> String {
        let total = evaluation.energy.total
        var table = SortableTable(
            id: id, caption: caption,
            columns: [
                .init(title: "part", numeric: false), .init(title: "energy", numeric: true),
                .init(title: "share", numeric: true),
            ])
        for (name, joules) in rows {
            let share = total > 0 ? joules / total : 0
            table.rows.append(
                SortableTable.Row(cells: [
                    .init(name), .init(Energy(si: joules).description, value: joules),
                    .init(QuantityFormat.number(100 * share, significant: 3) + "%", value: share),
                ]))
        }
        return table.render()
    }

    /// Time and energy per operator role (and pass), as `joule eval`'s top lists count them.
    func roles() -> String {
        let e = evaluation
        var table = SortableTable(
            id: "role-table", caption: "time and energy by operator role",
            columns: [
                .init(title: "role", numeric: false, key: "role"), .init(title: "count", numeric: true, key: "count"),
                .init(title: "time", numeric: true, key: "latency_s"),
                .init(title: "time share", numeric: true, key: "time_share"),
                .init(title: "energy", numeric: true, key: "energy_j"),
                .init(title: "energy share", numeric: true, key: "energy_share"),
            ])
        for role in report.byRole() {
            let timeShare = e.seconds > 0 ? role.seconds / e.seconds : 0
            let energyShare = e.energy.total > 0 ? role.energy / e.energy.total : 0
            table.rows.append(
                SortableTable.Row(cells: [
                    .init(role.name), .init(String(role.count), value: Double(role.count)),
                    .init(Time(si: role.seconds).description, value: role.seconds),
                    .init(QuantityFormat.number(100 * timeShare, significant: 3) + "%", value: timeShare),
                    .init(Energy(si: role.energy).description, value: role.energy),
                    .init(QuantityFormat.number(100 * energyShare, significant: 3) + "%", value: energyShare),
                ]))
        }
        return table.render()
    }

    func breakdown() -> String {
        var out = InlineChart.figure(BreakdownPlot.chart(evaluation), id: "breakdown-chart")
        out += "<div class=\"breakdowns\">\n"
        out += "<div>" + roles() + "</div>\n"
        out += "<div>" + cut("energy by level", report.levelRows, id: "by-level") + "</div>\n"
        out += "<div>" + cut("energy by operand", report.operandRows, id: "by-operand") + "</div>\n"
        out += "<div>" + cut("energy by kind", report.byKind, id: "by-kind") + "</div>\n"
        out += "</div>\n"
        return out
    }

    func roofline() -> String {
        // One panel per memory level, outermost (DRAM) first.
        RooflinePlot.charts(evaluation).enumerated().map { index, chart in
            InlineChart.figure(chart, id: index == 0 ? "roofline-chart" : "roofline-chart-\(index + 1)")
        }.joined()
    }

    /// The operator table's columns.
    static let operatorColumns: [SortableTable.Column] = [
        .init(title: "#", numeric: true, key: "index", help: "position in the graph"),
        .init(title: "operator", numeric: false, key: "name"),
        .init(title: "role", numeric: false, key: "role"),
        .init(title: "pass", numeric: false, key: "pass"),
        .init(title: "layer", numeric: true, key: "layer"),
        .init(title: "shape", numeric: false, key: "shape", help: "B x M x N x K for a GEMM"),
        .init(title: "operations", numeric: true, key: "operations", help: "2 per MAC; vector operations"),
        .init(title: "time", numeric: true, key: "latency_s"),
        .init(title: "time share", numeric: true, key: "time_share"),
        .init(title: "energy", numeric: true, key: "energy_j"),
        .init(title: "energy share", numeric: true, key: "energy_share"),
        .init(title: "bound", numeric: false, key: "bound"),
        .init(title: "utilization", numeric: true, key: "utilization", help: "MAC array utilization (GEMMs)"),
        .init(
            title: "op/DRAM byte", numeric: true, key: "intensity",
            help: "operations per byte moved to or from DRAM, as on the roofline"),
    ]

    func operators() -> String {
        let e = evaluation
        let totalEnergy = e.energy.total
        let totalSeconds = e.seconds
        let dram = e.hardware.memory.firstIndex { $0.kind == .dram } ?? (e.hardware.memory.isEmpty ? nil : 0)
        var table = SortableTable(id: "operator-table", columns: Self.operatorColumns)
        for (index, (op, cost)) in zip(e.graph.operators, e.costs).enumerated() {
            let energy = cost.energy.total
            let bytes = RooflinePlot.dramBytes(op, cost: cost, dram: dram)
            let intensity: Double? = bytes > 0 ? op.flops / bytes : nil
            let timeShare = totalSeconds > 0 ? cost.seconds / totalSeconds : 0
            let energyShare = totalEnergy > 0 ? energy / totalEnergy : 0
            table.rows.append(
                SortableTable.Row(
                    cells: [
                        .init(String(index), value: Double(index)),
                        .init(op.name), .init(op.role.rawValue), .init(op.pass.rawValue),
                        .init(op.layer.map(String.init) ?? "", value: op.layer.map(Double.init)),
                        .init(GraphReport.shape(op)),
                        .init(QuantityFormat.number(op.flops), value: op.flops),
                        .init(Time(si: cost.seconds).description, value: cost.seconds),
                        .init(QuantityFormat.number(100 * timeShare, significant: 3) + "%", value: timeShare),
                        .init(Energy(si: energy).description, value: energy),
                        .init(QuantityFormat.number(100 * energyShare, significant: 3) + "%", value: energyShare),
                        .init(cost.bound.description),
                        op.gemm != nil
                            ? .init(
                                QuantityFormat.number(100 * cost.utilization, significant: 3) + "%",
                                value: cost.utilization) : .init(""),
                        intensity.map { .init(QuantityFormat.number($0, significant: 3), value: $0) } ?? .init(""),
                    ],
                    id: "op-\(index)"))
        }
        var out = """
            <div class="filters" data-table="operator-table">
            <label>operator or role contains<input type="text" data-text="name" placeholder="e.g. ffn"></label>
            <label>min energy share (0–1)<input type="number" step="any" data-bound="min" data-key="energy_share"></label>
            <label>min time share (0–1)<input type="number" step="any" data-bound="min" data-key="time_share"></label>
            <button type="button" data-reset>clear</button>
            <span class="count"></span>
            </div>
            <p class="count">Click a column's header to sort by it; click again to reverse.</p>

            """
        out += "<div class=\"scroll\">\n" + table.render() + "</div>\n"
        return out
    }
}
