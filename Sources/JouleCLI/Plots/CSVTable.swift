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

    /// Parses a table; every problem is reported at its line and column.
    static func parse(_ text: String, path: String) throws(CommandLineError) -> CSVTable {
        var reader = CSV.Reader(text)
        var first: CSV.Record?
        while first == nil, let record = reader.next() {
            if !record.isBlank { first = record }
        }
        guard let first else {
            throw .data(
                Diagnostics([
                    Diagnostic(
                        path: path, mark: reader.mark, message: "the file is empty; expected a header row",
                        hint: "expected id,<axes...>,feasible,violated,error,<metrics...>", sourceLine: "")
                ]))
        }
        let header = first.cells.map { $0.text.trimmingCharacters(in: .whitespaces) }
        var rows: [[String]] = []
        var lines: [Int] = []
        var problems = first.problems.map {
            Diagnostic(
                path: path, mark: $0.mark, message: $0.message, hint: $0.hint,
                sourceLine: reader.line($0.mark.line, of: first))
        }
        func problem(_ message: String, at mark: SourceMark, in record: CSV.Record, hint: String? = nil) {
            problems.append(
                Diagnostic(
                    path: path, mark: mark, message: message, hint: hint,
                    sourceLine: reader.line(mark.line, of: record)))
        }
        while let record = reader.next() {
            if record.isBlank { continue }
            for fault in record.problems { problem(fault.message, at: fault.mark, in: record, hint: fault.hint) }
            if !record.problems.isEmpty { continue }
            guard record.cellCount == header.count else {
                // Too many cells: at the first extra one; too few: at the row, which lacks a cell somewhere.
                let mark =
                    record.cellCount > header.count
                    ? record.cells[header.count].mark : SourceMark(line: record.line, column: 1)
                problem("row has \(record.cellCount) cells, the header has \(header.count)", at: mark, in: record)
                continue
            }
            rows.append(record.cells.map(\.text))
            lines.append(record.line)
        }
        if !header.contains("id") {
            problem(
                "the header has no 'id' column; expected id,<axes...>,feasible,violated,error,<metrics...>",
                at: first.cells[0].mark, in: first)
        }
        if !problems.isEmpty {
            throw .data(
                Diagnostics(
                    MeasurementFile.shown(problems, path: path, limit: MeasurementFile.Limits().diagnostics)))
        }
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
