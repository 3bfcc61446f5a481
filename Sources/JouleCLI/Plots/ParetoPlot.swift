import Foundation
import JouleSearch
import JouleSpec
import YAML

/// A sweep's points in two metrics, titled with the sweep's name: feasible points grey (or
/// coloured by the value of one swept axis), infeasible ones as small hollow marks, and the
/// Pareto front highlighted, joined by a step line and labelled with point ids. Points that
/// coincide are drawn a few pixels apart.
enum ParetoPlot {
    /// How a column is drawn on an axis: its title, unit, and which way is better.
    struct ColumnInfo {
        var title: String
        var unit: String?
        var prefixable = true
        var maximise = false
    }

    /// The title and unit of a column: every metric has its own (the switch names each one, so a
    /// new metric cannot be left untitled); any other column is titled with its name.
    static func info(_ column: String) -> ColumnInfo {
        guard let metric = Metric.allCases.first(where: { $0.column == column }) else {
            return ColumnInfo(title: column, unit: nil)
        }
        let maximise = metric.maximise
        switch metric {
        case .energy: return ColumnInfo(title: "Energy", unit: "J")
        case .energyPerToken: return ColumnInfo(title: "Energy per token", unit: "J")
        case .latency: return ColumnInfo(title: "Latency", unit: "s")
        case .timePerToken: return ColumnInfo(title: "Time per token", unit: "s")
        case .edp: return ColumnInfo(title: "Energy-delay product", unit: "J·s")
        case .area: return ColumnInfo(title: "Area", unit: "mm²", prefixable: false)
        case .power: return ColumnInfo(title: "Average power", unit: "W")
        case .tokensPerJoule:
            return ColumnInfo(title: "Tokens per joule", unit: "token/J", prefixable: false, maximise: maximise)
        case .tokensPerSecond:
            return ColumnInfo(title: "Throughput", unit: "token/s", prefixable: false, maximise: maximise)
        case .cost: return ColumnInfo(title: "Cost (η·E + (1−η)·P_max·t)", unit: nil)
        case .ttftP50: return ColumnInfo(title: "TTFT (median)", unit: "s")
        case .ttftP99: return ColumnInfo(title: "TTFT (99th percentile)", unit: "s")
        case .tpot: return ColumnInfo(title: "Time per output token", unit: "s")
        case .energyPerRequest: return ColumnInfo(title: "Energy per request", unit: "J")
        case .energyPerOutputToken: return ColumnInfo(title: "Energy per output token", unit: "J")
        case .throughput:
            return ColumnInfo(title: "Throughput", unit: "token/s", prefixable: false, maximise: maximise)
        }
    }

    /// The metric columns a table has, in header order.
    static func metricColumns(_ table: CSVTable) -> [String] {
        let metrics = Set(Metric.allCases.map(\.column))
        return table.header.filter { metrics.contains($0) }
    }

    /// The column a metric name refers to: a column name (`latency_s`) or a metric (`latency`).
    static func column(for name: String, in table: CSVTable) -> String? {
        if table.header.contains(name) && name != "id" { return name }
        if let metric = Metric(rawValue: name), table.header.contains(metric.column) { return metric.column }
        return nil
    }

    /// Columns drawn on x when paired with another metric: time and throughput.
    static let timeLike: Set<String> = ["latency_s", "time_per_token_s", "tokens_per_s"]

    /// Two columns as a chart draws them: a time-like one on x, otherwise in the order given.
    static func ordered(_ first: String, _ second: String) -> (x: String, y: String) {
        timeLike.contains(second) && !timeLike.contains(first) ? (second, first) : (first, second)
    }

    /// The default axes: the sweep's first two objectives (metric names, as sweep.json lists
    /// them) that the table has, a time-like one on x; else latency and energy per token when
    /// present; else the first two metrics.
    static func defaultColumns(_ table: CSVTable, objectives: [String] = []) -> (x: String, y: String)? {
        let named = objectives.compactMap { column(for: $0, in: table) }
        if named.count >= 2 { return ordered(named[0], named[1]) }
        let metrics = metricColumns(table)
        if metrics.contains("latency_s") && metrics.contains("energy_per_token_j") {
            return ("latency_s", "energy_per_token_j")
        }
        guard metrics.count >= 2 else { return nil }
        return (metrics[0], metrics[1])
    }

    /// Indices of the points no other point beats in both coordinates (equal points all kept),
    /// ordered by x; `maximise` says which way is better on each axis.
    static func front(_ points: [(x: Double, y: Double)], maximise: (x: Bool, y: Bool)) -> [Int] {
        func key(_ index: Int) -> (Double, Double) {
            let p = points[index]
            return (maximise.x ? -p.x : p.x, maximise.y ? -p.y : p.y)
        }
        let order = points.indices.sorted { key($0) < key($1) }
        var kept: [Int] = []
        var best = Double.infinity
        var last: (Double, Double)?
        for index in order {
            let k = key(index)
            if k.1 < best {
                kept.append(index)
                best = k.1
                last = k
            } else if let last, k == last {
                kept.append(index)
            }
        }
        return kept.sorted { points[$0].x < points[$1].x }
    }

    /// The staircase through front points ordered by x: between two neighbours it turns at the
    /// corner both of them beat, the edge of the region the front dominates.
    static func staircase(_ points: [(x: Double, y: Double)], maximise: (x: Bool, y: Bool)) -> [(x: Double, y: Double)]
    {
        guard var previous = points.first else { return [] }
        var path = [previous]
        for point in points.dropFirst() {
            let cornerX = maximise.x ? min(previous.x, point.x) : max(previous.x, point.x)
            let cornerY = maximise.y ? min(previous.y, point.y) : max(previous.y, point.y)
            path.append((cornerX, cornerY))
            path.append(point)
            previous = point
        }
        return path
    }

    /// The columns of points.csv that are not metrics or bookkeeping: the swept axes.
    static func axisColumns(_ table: CSVTable) -> [String] {
        let metrics = Set(Metric.allCases.map(\.column))
        let bookkeeping: Set<String> = ["id", "feasible", "violated", "error", "pareto", "on_front"]
        return table.header.filter { !metrics.contains($0) && !bookkeeping.contains($0) }
    }

    /// The distinct values of a column in first-seen order, numbers sorted by value.
    static func values(of column: String, in table: CSVTable) -> [String] {
        guard let index = table.column(column) else { return [] }
        var seen: [String] = []
        for row in table.rows where index < row.count && !seen.contains(row[index]) { seen.append(row[index]) }
        let numbers = seen.compactMap { Double($0) }
        if numbers.count == seen.count { return seen.sorted { (Double($0) ?? 0) < (Double($1) ?? 0) } }
        return seen
    }

    static let frontColor = "#d62728"

    static func chart(
        points: CSVTable, front frontTable: CSVTable?, x: String, y: String, name: String, colorBy: String? = nil
    ) -> SVGChart {
        let xInfo = info(x)
        let yInfo = info(y)
        let maximise = (x: xInfo.maximise, y: yInfo.maximise)
        struct Row {
            var id: String
            var x: Double
            var y: Double
            var feasible: Bool
            var group: String?
        }
        let groupValues = colorBy.map { values(of: $0, in: points) } ?? []
        func color(_ group: String?) -> String? {
            group.flatMap { groupValues.firstIndex(of: $0) }.map { ChartPalette.color($0) }
        }
        func rows(_ table: CSVTable) -> (rows: [Row], skipped: Int) {
            guard let xc = table.column(x), let yc = table.column(y) else { return ([], table.rows.count) }
            let gc = colorBy.flatMap { table.column($0) }
            var out: [Row] = []
            for index in table.rows.indices {
                guard let xv = table.number(row: index, column: xc), let yv = table.number(row: index, column: yc),
                    xv.isFinite, yv.isFinite
                else { continue }
                let group = gc.flatMap { $0 < table.rows[index].count ? table.rows[index][$0] : nil }
                out.append(
                    Row(id: table.id(row: index), x: xv, y: yv, feasible: table.feasible(row: index), group: group))
            }
            return (out, table.rows.count - out.count)
        }
        let (all, skipped) = rows(points)
        let front: [Row]
        if let frontTable {
            // pareto.csv may lack the colour column: take each point's group from points.csv.
            let groups = Dictionary(all.map { ($0.id, $0.group) }, uniquingKeysWith: { first, _ in first })
            front = rows(frontTable).rows.map { row in
                var row = row
                row.group = row.group ?? groups[row.id] ?? nil
                return row
            }
        } else {
            let feasible = all.filter(\.feasible)
            front = self.front(feasible.map { ($0.x, $0.y) }, maximise: maximise).map { feasible[$0] }
        }
        let frontIDs = Set(front.map(\.id))
        func scale(_ values: [Double]) -> ChartAxis.Scale {
            guard let low = values.min(), let high = values.max(), low > 0 else { return .linear }
            return high / low >= 30 ? .log : .linear
        }
        let xs = all.map(\.x) + front.map(\.x)
        let ys = all.map(\.y) + front.map(\.y)
        var chart = SVGChart(
            title: name,
            subtitle:
                "Pareto front: \(yInfo.title.lowercased()) vs \(xInfo.title.lowercased()) · \(all.count) points, \(all.filter(\.feasible).count) feasible, \(front.count) on the front",
            x: ChartAxis(title: xInfo.title, unit: xInfo.unit, prefixable: xInfo.prefixable, scale: scale(xs)),
            y: ChartAxis(title: yInfo.title, unit: yInfo.unit, prefixable: yInfo.prefixable, scale: scale(ys)))
        let others = all.filter { !frontIDs.contains($0.id) }
        for row in others where !row.feasible {
            chart.markers.append(
                Marker(
                    x: row.x, y: row.y, color: color(row.group) ?? "#b5b5b5", size: 2.6, filled: false,
                    role: "infeasible", tooltip: "\(row.id) (infeasible)",
                    data: [("id", row.id)] + (row.group.map { [("group", $0)] } ?? [])))
        }
        for row in others where row.feasible {
            chart.markers.append(
                Marker(
                    x: row.x, y: row.y, color: color(row.group) ?? "#8c8c8c", size: 3.2, role: "feasible",
                    tooltip: "\(row.id)" + (row.group.map { ", \(colorBy ?? "")=\($0)" } ?? ""),
                    data: [("id", row.id)] + (row.group.map { [("group", $0)] } ?? [])))
        }
        let ordered = front.sorted { $0.x < $1.x }
        let stepPoints = Self.front(ordered.map { ($0.x, $0.y) }, maximise: maximise).map {
            (ordered[$0].x, ordered[$0].y)
        }
        chart.lines.append(
            ChartLine(
                points: staircase(stepPoints, maximise: maximise), color: frontColor, width: 1.6, role: "front-line"))
        // Front points carry their id as a label (up to 30 of them, so that labels stay legible).
        let labelled = ordered.count <= 30
        for row in ordered {
            chart.markers.append(
                Marker(
                    x: row.x, y: row.y, color: color(row.group) ?? frontColor, size: 5,
                    stroke: colorBy == nil ? "#222222" : frontColor, role: "front",
                    label: labelled ? "#\(row.id)" : nil,
                    tooltip:
                        "\(row.id): \(QuantityFormat.number(row.x)), \(QuantityFormat.number(row.y))"
                        + (row.group.map { ", \(colorBy ?? "")=\($0)" } ?? ""),
                    data: [("id", row.id)] + (row.group.map { [("group", $0)] } ?? [])))
        }
        chart.spreadRoles = ["front", "feasible", "infeasible"]
        chart.legend = [
            LegendEntry(
                label: "Pareto front (\(front.count))", color: frontColor,
                symbol: .marker(.circle, filled: colorBy == nil)),
            LegendEntry(
                label: "feasible (\(others.filter(\.feasible).count))", color: "#8c8c8c",
                symbol: .marker(.circle, filled: true)),
            LegendEntry(
                label: "infeasible (\(others.filter { !$0.feasible }.count))", color: "#b5b5b5",
                symbol: .marker(.circle, filled: false)),
        ]
        let better = [
            xInfo.maximise ? "higher \(xInfo.title.lowercased())" : "lower \(xInfo.title.lowercased())",
            yInfo.maximise ? "higher \(yInfo.title.lowercased())" : "lower \(yInfo.title.lowercased())",
        ]
        if let colorBy {
            // Feasible points take their value's colour: the grey entry gives way to one per value.
            chart.legend.removeAll { $0.label.hasPrefix("feasible") }
            chart.legend += groupValues.enumerated().map { index, value in
                LegendEntry(
                    label: "\(colorBy) = \(value)", color: ChartPalette.color(index),
                    symbol: .marker(.circle, filled: true))
            }
        }
        var note = "better: \(better.joined(separator: ", "))"
        if !labelled { note += "; point ids on hover" }
        if skipped > 0 { note += "; \(skipped) \(skipped == 1 ? "row" : "rows") without both values not shown" }
        chart.note = note
        return chart
    }

    /// Refuses a `--color-by` that names no swept axis of the table (a usage error, with the
    /// nearest axis).
    static func checkColorBy(_ colorBy: String?, in points: CSVTable, usage: String) throws(CommandLineError) {
        guard let colorBy, !axisColumns(points).contains(colorBy) else { return }
        throw .usage(
            "--color-by: no swept axis '\(colorBy)' in \(points.path); \(Suggestion.hint(for: colorBy, among: axisColumns(points)))",
            usage: usage)
    }

    /// Reads `OUT/points.csv` (and `OUT/pareto.csv` when present) and draws two of its columns.
    static func chart(directory: String, x: String?, y: String?, colorBy: String? = nil, usage: String)
        throws(CommandLineError) -> SVGChart
    {
        let points = try CSVTable.read((directory as NSString).appendingPathComponent("points.csv"))
        let frontPath = (directory as NSString).appendingPathComponent("pareto.csv")
        let front = FileManager.default.fileExists(atPath: frontPath) ? try CSVTable.read(frontPath) : nil
        let manifest = try? SweepManifest.read(directory: directory)
        let defaults = defaultColumns(points, objectives: manifest?.objectives ?? [])
        func resolve(_ name: String?, fallback: String?, flag: String) throws(CommandLineError) -> String {
            guard let name else {
                guard let fallback else {
                    throw .data(
                        Diagnostics([
                            Diagnostic(
                                path: points.path, mark: SourceMark(line: 1, column: 1),
                                message: "the header names fewer than two metric columns to plot")
                        ]))
                }
                return fallback
            }
            guard let column = column(for: name, in: points) else {
                let choices = points.header.filter { $0 != "id" }
                throw .usage(
                    "--\(flag): no column '\(name)' in \(points.path); \(Suggestion.hint(for: name, among: choices))",
                    usage: usage)
            }
            return column
        }
        let xColumn = try resolve(x, fallback: defaults?.x, flag: "x")
        var yFallback = defaults?.y
        if yFallback == xColumn { yFallback = metricColumns(points).first { $0 != xColumn } }
        let yColumn = try resolve(y, fallback: yFallback, flag: "y")
        try checkColorBy(colorBy, in: points, usage: usage)
        // The sweep's own name (sweep.json), else the folder's.
        let name =
            manifest?.name ?? ((directory as NSString).standardizingPath as NSString).lastPathComponent
        return chart(points: points, front: front, x: xColumn, y: yColumn, name: name, colorBy: colorBy)
    }

    /// Writes `directory/pareto.svg` for a finished sweep (its sweep.json written): the axes of
    /// `plot pareto` without --x and --y. Returns the path.
    @discardableResult
    static func writeParetoSVG(directory: String) throws(CommandLineError) -> String {
        let chart = try chart(directory: directory, x: nil, y: nil, usage: "usage: joule sweep FILE")
        let path = (directory as NSString).appendingPathComponent("pareto.svg")
        try PlotCommand.write(chart.render(), to: path)
        return path
    }
}
