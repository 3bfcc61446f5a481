import Foundation

/// The rows of a sweep's `points.csv`: one per point, every swept value, feasibility, why not,
/// and every metric. Reading tolerates a last line cut short by a killed run.
public struct SweepTable: Sendable {
    /// The swept keys, in column order.
    public var keys: [String]
    /// The metric columns, in order (`Metric.reported(serving:)`).
    public var metrics: [Metric]
    /// Whether the table has a serving sweep's metric columns.
    public var isServing: Bool { metrics.contains(where: \.isServing) }
    /// The rows, by id.
    public var rows: [PointResult]
    /// Lines read from a file that are not well-formed rows (wrong cell count, a feasible flag
    /// other than true or false, a metric that is not a number): the id each names, if any.
    public var malformed: [Int?] = []

    /// A table over some keys, with a serving sweep's metric columns or another sweep's.
    public init(keys: [String], serving: Bool = false, rows: [PointResult] = []) {
        self.keys = keys
        self.metrics = Metric.reported(serving: serving)
        self.rows = rows
    }

    /// The header line.
    public func header() -> String {
        (["id"] + keys + ["feasible", "violated", "error"] + metrics.map(\.column)).map(CSV.quote).joined(
            separator: ",")
    }

    /// One row as a CSV line (no newline).
    public func line(_ row: PointResult) -> String {
        var cells = [String(row.id)] + row.values + [row.feasible ? "true" : "false", row.violated, row.error]
        cells += metrics.map { metric in row.metrics[metric].map { String(format: "%.17g", $0) } ?? "" }
        return cells.map(CSV.quote).joined(separator: ",")
    }

    /// Reads a points.csv; complete lines only (a run killed mid-line leaves a partial last line).
    public static func read(path: String) throws(SweepError) -> SweepTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw SweepError("cannot read \(path)", kind: .io)
        }
        // A run killed mid-line leaves a partial last line: keep complete lines only.
        let complete =
            text.hasSuffix("\n")
            ? text : String(text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)])
        let records = CSV.records(complete)
        guard let header = records.first?.cells else { throw SweepError("\(path) has no header") }
        let serving = Metric.reported(serving: true).map(\.column)
        let isServing = header.count >= 4 + serving.count && Array(header.suffix(serving.count)) == serving
        let metrics = Metric.reported(serving: isServing).map(\.column)
        guard header.first == "id", header.count >= 4 + metrics.count, Array(header.suffix(metrics.count)) == metrics
        else {
            throw SweepError("\(path) is not a Joule points.csv (unexpected header)")
        }
        let keys = Array(header[1..<(header.count - 3 - metrics.count)])
        var table = SweepTable(keys: keys, serving: isServing)
        for record in records.dropFirst() {
            let cells = record.cells
            let flag = cells.count == header.count ? cells[1 + keys.count] : ""
            guard cells.count == header.count, let id = Int(cells[0]), flag == "true" || flag == "false" else {
                table.malformed.append(cells.first.flatMap { Int($0) })
                continue
            }
            var metricValues: [Metric: Double] = [:]
            var numbers = true
            for (offset, metric) in table.metrics.enumerated() {
                let cell = cells[1 + keys.count + 3 + offset]
                if let value = Double(cell) { metricValues[metric] = value } else if !cell.isEmpty { numbers = false }
            }
            guard numbers else {
                table.malformed.append(id)
                continue
            }
            table.rows.append(
                PointResult(
                    id: id, values: Array(cells[1...keys.count]), metrics: metricValues, feasible: flag == "true",
                    violated: cells[2 + keys.count], error: cells[3 + keys.count]))
        }
        return table
    }

    /// The whole table as text, rows sorted by id.
    public func text() -> String {
        ([header()] + rows.sorted { $0.id < $1.id }.map(line)).joined(separator: "\n") + "\n"
    }

    /// Writes the table, replacing the file atomically.
    public func write(path: String) throws(SweepError) {
        do {
            try text().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SweepError("cannot write \(path): \(error.localizedDescription)", kind: .io)
        }
    }
}
