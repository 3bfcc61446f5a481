import Foundation
import JouleSpec
import YAML

/// A CSV trace of requests, one row per request, read for its prompt and output lengths.
///
/// The header names the columns `input_tokens` and `output_tokens` (in any order; other columns,
/// a timestamp for instance, are ignored). Blank lines and lines starting with `#` (where a
/// trace says where it comes from) are skipped; the header is the first other line. A row whose cell is not a whole number of tokens from
/// 1 to the longest sequence Joule builds is an error at `file:row:column`, naming the column.
public enum RequestTrace {
    /// The most bad cells listed before the rest are counted in one line.
    public static let shownErrors = 20

    /// The requests of a trace file, identical (input, output) pairs merged into one class whose
    /// share is its fraction of the rows.
    public static func load(_ path: String) throws(Diagnostics) -> [RequestClass] {
        try parse(try Catalog.readText(path), path: path)
    }

    /// The requests of a trace's text; `path` is named in errors.
    public static func parse(_ text: String, path: String) throws(Diagnostics) -> [RequestClass] {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        func error(_ message: String, line: Int, column: Int, hint: String? = nil) -> Diagnostic {
            Diagnostic(
                path: path, mark: SourceMark(line: line, column: column), message: message, hint: hint,
                sourceLine: lines.indices.contains(line - 1) ? lines[line - 1] : nil)
        }
        let content = lines.indices.filter {
            let line = lines[$0].trimmingCharacters(in: .whitespaces)
            return !line.isEmpty && !line.hasPrefix("#")
        }
        let headerLine = content.first ?? 0
        let header = content.first.map { cells(lines[$0]).map { $0.text.trimmingCharacters(in: .whitespaces) } } ?? []
        guard let inputColumn = header.firstIndex(of: "input_tokens"),
            let outputColumn = header.firstIndex(of: "output_tokens")
        else {
            throw Diagnostics([
                error(
                    "the header must name the columns input_tokens and output_tokens", line: headerLine + 1, column: 1,
                    hint: "input_tokens,output_tokens")
            ])
        }
        var counts: [Pair: Int] = [:]
        var order: [Pair] = []
        var problems: [Diagnostic] = []
        var badRows = 0
        for index in content.dropFirst() {
            let line = lines[index]
            let row = cells(line)
            var lengths: [Int] = []
            for (column, name) in [(inputColumn, "input_tokens"), (outputColumn, "output_tokens")] {
                guard row.indices.contains(column) else {
                    problems.append(
                        error(
                            "row \(index + 1) has \(row.count) column\(row.count == 1 ? "" : "s"); column \(name) is missing",
                            line: index + 1, column: line.count + 1, hint: header.joined(separator: ",")))
                    continue
                }
                let text = row[column].text.trimmingCharacters(in: .whitespaces)
                guard let value = Int(text), RequestClass.lengths.contains(value) else {
                    problems.append(
                        error(
                            "row \(index + 1), column \(name): expected a whole number of tokens from 1 to \(GraphBuilder.maximumLength), found '\(text)'",
                            line: index + 1, column: row[column].column, hint: "512,256"))
                    continue
                }
                lengths.append(value)
            }
            guard lengths.count == 2 else {
                badRows += 1
                continue
            }
            let pair = Pair(input: lengths[0], output: lengths[1])
            if counts[pair] == nil { order.append(pair) }
            counts[pair, default: 0] += 1
        }
        if !problems.isEmpty {
            var shown = Array(problems.prefix(shownErrors))
            if problems.count > shownErrors {
                shown.append(
                    Diagnostic(
                        path: path, mark: nil,
                        message:
                            "\(problems.count - shownErrors) more bad cells not shown (\(badRows) bad rows in all)"))
            }
            throw Diagnostics(shown)
        }
        let total = counts.values.reduce(0, +)
        guard total > 0 else {
            throw Diagnostics([
                error("the trace has a header but no requests", line: headerLine + 1, column: 1, hint: "512,256")
            ])
        }
        return order.map { pair in
            RequestClass(
                inputTokens: pair.input, outputTokens: pair.output,
                share: Double(counts[pair, default: 0]) / Double(total))
        }
    }

    /// A prompt and output length.
    private struct Pair: Hashable {
        var input: Int
        var output: Int
    }

    /// A line's comma-separated cells with their 1-based starting columns (no quoting: token
    /// counts need none).
    private static func cells(_ line: String) -> [(text: String, column: Int)] {
        var result: [(text: String, column: Int)] = []
        var column = 1
        for cell in line.split(separator: ",", omittingEmptySubsequences: false) {
            result.append((String(cell), column))
            column += cell.count + 1
        }
        return result
    }
}
