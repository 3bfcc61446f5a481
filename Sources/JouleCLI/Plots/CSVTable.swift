import Foundation
import JouleSearch
import YAML

/// A CSV file read by column name, with the line of every row (for `plot pareto`'s points.csv
/// and pareto.csv, whose columns may be any axis keys and metrics).
struct CSVTable {
    var path: String
    var header: [String]
    var rows: [[String]]
    /// The 1-based line each row starts on, for error messages.
    var lines: [Int]

    /// Reads and checks a table: every row has as many cells as the header, and there is an `id` column.
    static func read(_ path: String) throws(CommandLineError) -> CSVTable {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .data(Diagnostics([Diagnostic(path: path, mark: nil, message: "cannot read the file")]))
        }
        return try parse(text, path: path)
    }

    static func parse(_ text: String, path: String) throws(CommandLineError) -> CSVTable {
        let records = CSV.records(text)
        guard let first = records.first, !(first.cells.count == 1 && first.cells[0].isEmpty) else {
            throw .data(
                Diagnostics([Diagnostic(path: path, mark: nil, message: "the file is empty; expected a header row")]))
        }
        let header = first.cells.map { $0.trimmingCharacters(in: .whitespaces) }
        var rows: [[String]] = []
        var lines: [Int] = []
        var problems: [Diagnostic] = []
        for record in records.dropFirst() {
            if record.cells.count == 1 && record.cells[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard record.cells.count == header.count else {
                problems.append(
                    Diagnostic(
                        path: path, mark: SourceMark(line: record.line, column: 1),
                        message: "row has \(record.cells.count) cells, the header has \(header.count)"))
                continue
            }
            rows.append(record.cells)
            lines.append(record.line)
        }
        if !header.contains("id") {
            problems.append(
                Diagnostic(
                    path: path, mark: SourceMark(line: 1, column: 1),
                    message: "the header has no 'id' column; expected id,<axes...>,feasible,violated,error,<metrics...>"
                ))
        }
        if !problems.isEmpty { throw .data(Diagnostics(problems)) }
        return CSVTable(path: path, header: header, rows: rows, lines: lines)
    }

    /// The index of a column.
    func column(_ name: String) -> Int? { header.firstIndex(of: name) }

    /// A cell as a number, nil when empty or not a number.
    func number(row: Int, column: Int) -> Double? {
        Double(rows[row][column].trimmingCharacters(in: .whitespaces))
    }

    /// The `id` of a row.
    func id(row: Int) -> String { column("id").map { rows[row][$0] } ?? String(row) }

    /// Whether a row is feasible: its `feasible` cell is true and its `error` cell is empty
    /// (a table without those columns counts every row as feasible).
    func feasible(row: Int) -> Bool {
        if let column = column("error"), !rows[row][column].trimmingCharacters(in: .whitespaces).isEmpty {
            return false
        }
        guard let column = column("feasible") else { return true }
        return rows[row][column].trimmingCharacters(in: .whitespaces).lowercased() == "true"
    }
}
