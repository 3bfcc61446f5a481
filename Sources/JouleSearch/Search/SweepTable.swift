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
        (["id"] + keys + ["feasible", "violated", "error"] + Metric.allCases.map(\.column)).map(quote).joined(
            separator: ",")
    }

    /// One row as a CSV line (no newline).
    public static func line(_ row: PointResult) -> String {
        var cells = [String(row.id)] + row.values + [row.feasible ? "true" : "false", row.violated, row.error]
        cells += Metric.allCases.map { metric in row.metrics[metric].map { String(format: "%.17g", $0) } ?? "" }
        return cells.map(quote).joined(separator: ",")
    }

    static func quote(_ cell: String) -> String {
        guard cell.contains(",") || cell.contains("\"") || cell.contains("\n") else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits one CSV line into cells (quotes honoured).
    static func cells(_ line: Substring) -> [String] {
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == "\"" {
                        cell.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                cells.append(cell)
                cell = ""
            } else {
                cell.append(c)
            }
            index = line.index(after: index)
        }
        cells.append(cell)
        return cells
    }

    /// Reads a points.csv; complete lines only (a run killed mid-line leaves a partial last line).
    public static func read(path: String) throws(SweepError) -> SweepTable {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw SweepError("cannot read \(path)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if !text.hasSuffix("\n") { lines.removeLast() }  // cut short
        guard let headerLine = lines.first else { throw SweepError("\(path) has no header") }
        let header = cells(headerLine)
        let metrics = Metric.allCases.map(\.column)
        guard header.first == "id", header.count >= 4 + metrics.count, Array(header.suffix(metrics.count)) == metrics
        else {
            throw SweepError("\(path) is not a Joule points.csv (unexpected header)")
        }
        let keys = Array(header[1..<(header.count - 3 - metrics.count)])
        var rows: [PointResult] = []
        for line in lines.dropFirst() where !line.isEmpty {
            let cells = cells(line)
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
