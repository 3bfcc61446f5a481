import Foundation
import JouleSearch

/// A plain-text table with aligned columns, as printed on a terminal.
struct TextTable {
    enum Alignment { case left, right }

    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ headers: [String], alignments: [Alignment]? = nil) {
        self.headers = headers
        self.alignments = alignments ?? headers.indices.map { $0 == 0 ? .left : .right }
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(indent: String = "") -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { index, cell -> String in
                let width = index < widths.count ? widths[index] : cell.count
                let pad = String(repeating: " ", count: max(0, width - cell.count))
                return (index < alignments.count && alignments[index] == .right) ? pad + cell : cell + pad
            }
            var text = indent + padded.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var out = [line(headers), indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")]
        out += rows.map(line)
        return out.joined(separator: "\n")
    }

    /// Comma-separated values with a header row (cells quoted when needed).
    func csv() -> String {
        ([headers] + rows).map { $0.map(CSV.quote).joined(separator: ",") }.joined(separator: "\n")
    }
}
