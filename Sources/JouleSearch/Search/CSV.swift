import Foundation

/// Comma-separated values as Joule writes and reads them (RFC 4180 quoting).
public enum CSV {
    /// A cell, quoted when it holds a comma, a quote or a line break.
    public static func quote(_ cell: String) -> String {
        // Bytes, not Foundation's substring search: a sweep quotes every cell of every point.
        let needsQuotes = cell.utf8.contains {
            $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n")
        }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits CSV text into records of cells (RFC 4180 quoting; quoted cells may span lines),
    /// each with the 1-based line it starts on.
    public static func records(_ text: String) -> [(cells: [String], line: Int)] {
        var records: [(cells: [String], line: Int)] = []
        var cells: [String] = []
        var cell = ""
        var quoted = false
        var line = 1
        var start = 1
        var characters = Array(text.unicodeScalars)
        if characters.last != "\n" { characters.append("\n") }
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count && characters[index + 1] == "\"" {
                        cell.unicodeScalars.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    if character == "\n" { line += 1 }
                    cell.unicodeScalars.append(character)
                }
            } else if character == "\"" && cell.isEmpty {
                quoted = true
            } else if character == "," {
                cells.append(cell)
                cell = ""
            } else if character == "\n" {
                cells.append(cell)
                records.append((cells, start))
                cells = []
                cell = ""
                line += 1
                start = line
            } else if character != "\r" {
                cell.unicodeScalars.append(character)
            }
            index += 1
        }
        return records
    }
}
