import Foundation
import JouleSearch
import JouleSpec

/// The report of a sweep folder: counts and the best point per objective, filters by metric
/// bounds, the Pareto chart whose points show their design on hover and link to their rows, and
/// every point in a sortable table.
struct SweepReportPage {
    let folder: SweepFolder
    /// The Pareto charts' axes, (x, y) columns of points.csv: the first is shown, a menu
    /// switches to the others.
    var axes: [(x: String, y: String)]
    /// The command that asked for the report, shown under the title.
    var command: String?
    /// A swept axis whose value colours every chart point (`--color-by`), or nil.
    var colorBy: String?

    /// The whole page.
    func page() -> ReportPage {
        var page = ReportPage(title: "Joule sweep report: " + folder.name)
        var source = "folder \(folder.directory)"
        if let manifest = folder.manifest {
            source += " · sweep file \(manifest.sweepFile)"
            if !manifest.shard.isEmpty { source += " · shard \(manifest.shard)" }
        }
        page.lines.append(source)
        if let command { page.lines.append("$ " + command) }
        page.sections = [
            ReportPage.Section(id: "summary", title: "Summary", body: summary()),
            ReportPage.Section(id: "pareto", title: "Pareto front", body: pareto()),
            ReportPage.Section(id: "points", title: "Points", body: points()),
        ]
        return page
    }

    private var rows: [PointResult] { folder.table.rows.sorted { $0.id < $1.id } }

    private func setting(_ row: PointResult) -> String {
        zip(folder.table.keys, row.values).map { "\($0)=\($1)" }.joined(separator: ", ")
    }

    func summary() -> String {
        let rows = self.rows
        let front = folder.frontIDs
        let feasible = rows.filter(\.feasible).count
        let failed = rows.filter { !$0.error.isEmpty }.count
        var out = "<div class=\"cards\">\n"
        for (label, value) in [
            ("points", rows.count), ("feasible", feasible), ("failed", failed), ("on the Pareto front", front.count),
        ] {
            out +=
                "<div class=\"card\"><div class=\"label\">\(HTMLText.escape(label))</div><div class=\"value\">\(value)</div></div>\n"
        }
        if let total = folder.manifest?.totalPoints, total != rows.count {
            out +=
                "<div class=\"card\"><div class=\"label\">in the design space</div><div class=\"value\">\(total)</div></div>\n"
        }
        out += "</div>\n"
        if let line = folder.cutLine {
            out +=
                "<p class=\"warnings\">Line \(line) of points.csv has no newline yet (a sweep still running, or killed): it is not shown.</p>\n"
        }
        out += "<p>Objectives: \(HTMLText.escape(folder.objectives.map(\.rawValue).joined(separator: ", "))).</p>\n"
        var best = SortableTable(
            id: "best-table", caption: "best feasible point per objective",
            columns: [
                .init(title: "objective", numeric: false), .init(title: "value", numeric: true),
                .init(title: "id", numeric: true), .init(title: "settings", numeric: false),
            ])
        for metric in folder.objectives {
            let candidates = rows.filter { $0.feasible && $0.metrics[metric] != nil }
            let winner = candidates.min { a, b in
                let (p, q) = (a.metrics[metric] ?? 0, b.metrics[metric] ?? 0)
                return metric.maximise ? p > q : p < q
            }
            guard let winner, let value = winner.metrics[metric] else { continue }
            best.rows.append(
                SortableTable.Row(cells: [
                    .init(metric.column), .init(QuantityFormat.number(value), value: value),
                    .init(String(winner.id), value: Double(winner.id), link: "#point-\(winner.id)"),
                    .init(setting(winner)),
                ]))
        }
        out += best.render()
        return out
    }

    func pareto() -> String {
        var out = "<p>Rest the pointer on a point to see its design and metrics; click it to go to its row. "
        out += "The filters above the table hide points too.</p>\n"
        let ids = axes.indices.map { $0 == 0 ? "pareto-chart" : "pareto-chart-\($0 + 1)" }
        if axes.count > 1 {
            out += "<p><label>axes <select data-charts>"
            for (id, pair) in zip(ids, axes) {
                out += "<option value=\"\(id)\">\(HTMLText.escape(pair.y)) vs \(HTMLText.escape(pair.x))</option>"
            }
            out += "</select></label></p>\n"
        }
        for (index, pair) in axes.enumerated() {
            let chart = ParetoPlot.chart(
                points: folder.points, front: folder.front, x: pair.x, y: pair.y, name: folder.name,
                colorBy: colorBy)
            out += InlineChart.figure(chart, id: ids[index])
                .replacingOccurrences(
                    of: "<figure class=\"chart\"",
                    with: "<figure class=\"chart interactive\"" + (index == 0 ? "" : " hidden"))
        }
        return out
    }

    /// The metric columns of points.csv, in header order.
    private var metrics: [Metric] {
        let header = Set(folder.points.header)
        return Metric.allCases.filter { header.contains($0.column) }
    }

    func points() -> String {
        let keys = folder.table.keys
        let front = folder.frontIDs
        var columns: [SortableTable.Column] = [.init(title: "id", numeric: true, key: "id")]
        columns += keys.map { .init(title: $0, numeric: false, role: .axis, key: $0) }
        columns += [
            .init(title: "feasible", numeric: false, key: "feasible"),
            .init(title: "front", numeric: false, key: "front", help: "on the Pareto front"),
            .init(title: "violated", numeric: false, key: "violated"),
            .init(title: "error", numeric: false, key: "error"),
        ]
        columns += metrics.map { .init(title: $0.column, numeric: true, role: .metric, key: $0.column) }
        var table = SortableTable(id: "point-table", columns: columns)
        for row in rows {
            var cells: [SortableTable.Cell] = [.init(String(row.id), value: Double(row.id))]
            cells += row.values.map { .init($0) }
            cells += [
                .init(row.feasible ? "yes" : "no"), .init(front.contains(row.id) ? "yes" : ""), .init(row.violated),
                .init(row.error),
            ]
            cells += metrics.map { metric in
                row.metrics[metric].map { .init(QuantityFormat.number($0), value: $0) } ?? .init("")
            }
            table.rows.append(
                SortableTable.Row(
                    cells: cells, id: "point-\(row.id)",
                    data: [
                        ("point", String(row.id)), ("feasible", String(row.feasible)),
                        ("front", String(front.contains(row.id))),
                    ]))
        }
        var out = "<div class=\"filters\" data-table=\"point-table\">\n"
        for metric in metrics {
            let values = rows.compactMap { $0.metrics[metric] }
            let low = values.min().map { QuantityFormat.number($0) } ?? ""
            let high = values.max().map { QuantityFormat.number($0) } ?? ""
            let key = HTMLText.escape(metric.column)
            out += "<label>\(key)<span class=\"range\">"
            out +=
                "<input type=\"number\" step=\"any\" data-bound=\"min\" data-key=\"\(key)\" placeholder=\"min \(HTMLText.escape(low))\" aria-label=\"minimum \(key)\">"
            out +=
                "<input type=\"number\" step=\"any\" data-bound=\"max\" data-key=\"\(key)\" placeholder=\"max \(HTMLText.escape(high))\" aria-label=\"maximum \(key)\">"
            out += "</span></label>\n"
        }
        out += """
            <label><span><input type="checkbox" data-require="feasible"> feasible only</span></label>
            <label><span><input type="checkbox" data-require="front"> front only</span></label>
            <label>text<input type="text" data-text="any" placeholder="e.g. int8"></label>
            <button type="button" data-reset>clear</button>
            <span class="count"></span>
            </div>
            <p class="count">Metrics in SI units (area in mm²). Click a column's header to sort by it; click again to reverse.</p>

            """
        out += "<div class=\"scroll\">\n" + table.render() + "</div>\n"
        return out
    }
}
