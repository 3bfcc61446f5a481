import Foundation

/// The rows of a sweep's `points.csv`: one per point, every swept value, feasibility, why not,
/// and every metric. Reading tolerates a last line cut short by a killed run.
public struct SweepTable: Sendable {
    /// The swept keys, in column order.
    public var keys: [String]
    /// The rows, by id.
    public var rows: [PointResult]

    /// A table over some keys.
    public init(keys: [String], rows: [PointResult] = []) {
        self.keys = keys
        self.rows = rows
    }

    /// The header line.
    public static func header(keys: [String]) -> String {
        (["id"] + keys + ["feasible", "violated", "error"] + Metric.allCases.map(\.column)).map(CSV.quote).joined(
            separator: ",")
    }

    /// One row as a CSV line (no newline).
    public static func line(_ row: PointResult) -> String {
        var cells = [String(row.id)] + row.values + [row.feasible ? "true" : "false", row.violated, row.error]
        cells += Metric.allCases.map { metric in row.metrics[metric].map { String(format: "%.17g", $0) } ?? "" }
        return cells.map(CSV.quote).joined(separator: ",")
    }

    /// Reads a points.csv; complete lines only (a run killed mid-line leaves a partial last line).
    public static func read(path: String) throws(SweepError) -> SweepTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw SweepError("cannot read \(path)")
        }
        // A run killed mid-line leaves a partial last line: keep complete lines only.
        let complete =
            text.hasSuffix("\n")
            ? text : String(text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)])
        let records = CSV.records(complete)
        guard let header = records.first?.cells else { throw SweepError("\(path) has no header") }
        let metrics = Metric.allCases.map(\.column)
        guard header.first == "id", header.count >= 4 + metrics.count, Array(header.suffix(metrics.count)) == metrics
        else {
            throw SweepError("\(path) is not a Joule points.csv (unexpected header)")
        }
        let keys = Array(header[1..<(header.count - 3 - metrics.count)])
        var rows: [PointResult] = []
        for record in records.dropFirst() {
            let cells = record.cells
            guard cells.count == header.count, let id = Int(cells[0]) else { continue }
            var metricValues: [Metric: Double] = [:]
            for (offset, metric) in Metric.allCases.enumerated() {
                if let value = Double(cells[1 + keys.count + 3 + offset]) { metricValues[metric] = value }
            }
            rows.append(
                PointResult(
                    id: id, values: Array(cells[1...keys.count]), metrics: metricValues,
                    feasible: cells[1 + keys.count] == "true", violated: cells[2 + keys.count],
                    error: cells[3 + keys.count]))
        }
        return SweepTable(keys: keys, rows: rows)
    }

    /// The whole table as text, rows sorted by id.
    public func text() -> String {
        ([Self.header(keys: keys)] + rows.sorted { $0.id < $1.id }.map(Self.line)).joined(separator: "\n") + "\n"
    }

    /// Writes the table, replacing the file atomically.
    public func write(path: String) throws(SweepError) {
        do {
            try text().write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw SweepError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
