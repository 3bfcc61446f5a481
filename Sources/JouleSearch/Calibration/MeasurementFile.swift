import Foundation
import JouleSpec
import YAML

/// A measurement file: CSV with a header row, one measured run per row.
///
/// Columns (names case-insensitive, any order; lines starting with `#` are comments):
/// - a Joule workload: `model`, `phase` (prefill, decode, training; default prefill), `batch`
///   (default 1), `sequence` (prefill, training) or `context` (decode), optional `fusion`;
/// - or a single operator: `op` (gemm, copy, softmax, rmsnorm, layernorm) with `m`, `n`, `k`
///   (gemm) or `m`, `n` (the others: `m` rows of `n` elements), optional `b` (default 1);
/// - `precision` (a preset such as bf16, fp8, w8a8, a single format, or a mix; empty: the
///   hardware's default), `hardware` (which file the row belongs to), `time_s` (seconds per run),
///   `energy_j` (joules per run; may be left empty when `power_w` is given);
/// - optional `power_w`, `clock_mhz`, `power_limit_w`, `idle_power_w` (the idle power already
///   subtracted from `energy_j`, added back for the fit), `repetitions`, `note` (ignored).
///
/// A bad row is reported with its line and column and left out; the other rows are kept.
public struct MeasurementFile: Sendable {
    /// The path as given.
    public var path: String
    /// The good rows, in file order.
    public var measurements: [MeasuredRun]
    /// One diagnostic per problem in a bad row (`path:line:column: error: ...`).
    public var errors: [Diagnostic]
    /// Things worth knowing that lose nothing (an unknown column is ignored).
    public var warnings: [String]
    /// The text of every line, for diagnostics.
    let lines: [String]
    /// The 1-based column each header name's cell starts at, per data line.
    let cellColumns: [Int: [String: Int]]

    /// Every column Joule reads.
    public static let columns = [
        "model", "phase", "batch", "sequence", "context", "fusion", "op", "b", "m", "n", "k", "precision", "hardware",
        "time_s", "energy_j", "power_w", "clock_mhz", "power_limit_w", "idle_power_w", "repetitions", "note",
    ]

    /// Reads a measurement file from disk.
    public static func load(_ path: String) throws(Diagnostics) -> MeasurementFile {
        try MeasurementFile(text: Catalog.readText(path), path: path)
    }

    /// Parses measurement text. Throws only for problems with the file as a whole (no header,
    /// a required column missing from the header); bad rows become `errors`.
    public init(text: String, path: String) throws(Diagnostics) {
        self.path = path
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text  // a spreadsheet's byte-order mark
        // "\r\n" is one Character in Swift, so split on it as well as on "\n".
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        var header: [(name: String, column: Int)] = []
        var headerLine = 0
        var measurements: [MeasuredRun] = []
        var errors: [Diagnostic] = []
        var warnings: [String] = []
        var cellColumns: [Int: [String: Int]] = [:]
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let cells = Self.split(raw) else {
                errors.append(
                    Diagnostic(
                        path: path, mark: SourceMark(line: number, column: 1), message: "a quoted cell is not closed",
                        sourceLine: raw))
                continue
            }
            if header.isEmpty {
                header = cells.map { ($0.text.lowercased(), $0.column) }
                headerLine = number
                try Self.checkHeader(header, line: number, source: raw, path: path, warnings: &warnings)
                continue
            }
            var row: [String: (text: String, column: Int)] = [:]
            var columns: [String: Int] = [:]
            for (position, cell) in cells.enumerated() where position < header.count {
                row[header[position].name] = (cell.text, cell.column)
                columns[header[position].name] = cell.column
            }
            cellColumns[number] = columns
            var reader = RowReader(path: path, line: number, source: raw, cells: row)
            if cells.count > header.count {
                reader.error(
                    "the row has \(cells.count) cells but the header (line \(headerLine)) names \(header.count) columns",
                    column: cells[header.count].column)
            }
            if let measurement = reader.measurement(), reader.errors.isEmpty {
                measurements.append(measurement)
            }
            errors += reader.errors
        }
        if header.isEmpty {
            throw Diagnostics([
                Diagnostic(
                    path: path, mark: nil, message: "no header row",
                    hint:
                        "the first line that is not a comment names the columns, e.g. op,m,n,k,precision,hardware,time_s,energy_j"
                )
            ])
        }
        self.measurements = measurements
        self.errors = errors
        self.warnings = warnings
        self.cellColumns = cellColumns
    }

    /// A diagnostic about a row, pointing at one of its cells when the column is named.
    public func diagnostic(line: Int, column name: String? = nil, message: String, hint: String? = nil)
        -> Diagnostic
    {
        let column = name.flatMap { cellColumns[line]?[$0] } ?? 1
        let source = line >= 1 && line <= lines.count ? lines[line - 1] : nil
        return Diagnostic(
            path: path, mark: SourceMark(line: line, column: column), message: message, hint: hint, sourceLine: source)
    }

    private static func checkHeader(
        _ header: [(name: String, column: Int)], line: Int, source: String, path: String, warnings: inout [String]
    ) throws(Diagnostics) {
        var problems: [Diagnostic] = []
        var seen: Set<String> = []
        for cell in header {
            if !seen.insert(cell.name).inserted {
                problems.append(
                    Diagnostic(
                        path: path, mark: SourceMark(line: line, column: cell.column),
                        message: "column '\(cell.name)' appears twice in the header", sourceLine: source))
            } else if !columns.contains(cell.name) {
                warnings.append(
                    "\(path):\(line):\(cell.column): warning: unknown column '\(cell.name)' is ignored; \(Suggestion.hint(for: cell.name, among: columns))"
                )
            }
        }
        for required in ["hardware", "time_s"] where !seen.contains(required) {
            problems.append(
                Diagnostic(
                    path: path, mark: SourceMark(line: line, column: 1),
                    message: "the header has no '\(required)' column", hint: "every row needs hardware and time_s",
                    sourceLine: source))
        }
        if !seen.contains("energy_j") && !seen.contains("power_w") {
            problems.append(
                Diagnostic(
                    path: path, mark: SourceMark(line: line, column: 1),
                    message: "the header has neither 'energy_j' nor 'power_w'",
                    hint: "give the measured joules per run (energy_j) or the average power (power_w)",
                    sourceLine: source))
        }
        if !seen.contains("model") && !seen.contains("op") {
            problems.append(
                Diagnostic(
                    path: path, mark: SourceMark(line: line, column: 1),
                    message: "the header has neither 'model' nor 'op'",
                    hint: "name a Joule model (model, phase, batch, sequence|context) or an operator (op, m, n, k)",
                    sourceLine: source))
        }
        if !problems.isEmpty { throw Diagnostics(problems) }
    }

    /// Splits one line into cells with the 1-based column each starts at (RFC 4180 quoting
    /// within the line); nil when a quote is left open.
    static func split(_ line: String) -> [(text: String, column: Int)]? {
        var cells: [(text: String, column: Int)] = []
        var cell = ""
        var start = 1
        var column = 1
        var quoted = false
        var wasQuoted = false
        let characters = Array(line)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character == "\"" {
                    if index + 1 < characters.count && characters[index + 1] == "\"" {
                        cell.append("\"")
                        index += 1
                        column += 1
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(character)
                }
            } else if character == "\"" && cell.trimmingCharacters(in: .whitespaces).isEmpty && !wasQuoted {
                quoted = true
                wasQuoted = true
                cell = ""
            } else if character == "," {
                cells.append((wasQuoted ? cell : cell.trimmingCharacters(in: .whitespaces), start))
                cell = ""
                wasQuoted = false
                start = column + 1
            } else {
                cell.append(character)
            }
            index += 1
            column += 1
        }
        if quoted { return nil }
        cells.append((wasQuoted ? cell : cell.trimmingCharacters(in: .whitespaces), start))
        // Point each column at the first non-blank character of its cell.
        var starts: [Int] = []
        var position = 1
        for raw in line.split(separator: ",", omittingEmptySubsequences: false) {
            starts.append(position + raw.prefix { $0 == " " || $0 == "\t" }.count)
            position += raw.count + 1
        }
        return cells.enumerated().map { index, cell in
            (cell.text, index < starts.count && !line.contains("\"") ? starts[index] : cell.column)
        }
    }
}

/// Reads one row's cells into a `MeasuredRun`, collecting every problem with its column.
private struct RowReader {
    let path: String
    let line: Int
    let source: String
    let cells: [String: (text: String, column: Int)]
    var errors: [Diagnostic] = []

    init(path: String, line: Int, source: String, cells: [String: (text: String, column: Int)]) {
        self.path = path
        self.line = line
        self.source = source
        self.cells = cells
    }

    mutating func error(_ message: String, column: Int, hint: String? = nil) {
        errors.append(
            Diagnostic(
                path: path, mark: SourceMark(line: line, column: column), message: message, hint: hint,
                sourceLine: source))
    }

    mutating func error(_ message: String, at name: String, hint: String? = nil) {
        error(message, column: cells[name]?.column ?? (source.count + 1), hint: hint)
    }

    /// The non-empty text of a cell.
    func text(_ name: String) -> String? {
        guard let cell = cells[name], !cell.text.isEmpty else { return nil }
        return cell.text
    }

    mutating func required(_ name: String, _ what: String) -> String? {
        guard let value = text(name) else {
            error("missing \(name): \(what)", column: cells[name]?.column ?? (source.count + 1))
            return nil
        }
        return value
    }

    /// A finite number; `positive` (or non-negative) when asked.
    mutating func number(_ name: String, _ what: String, allowZero: Bool = false) -> Double? {
        guard let text = text(name) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error("\(name) must be a number (\(what)), found '\(text)'", at: name)
            return nil
        }
        guard value > 0 || (allowZero && value == 0) else {
            error("\(name) must be \(allowZero ? "zero or positive" : "positive") (\(what)), found \(text)", at: name)
            return nil
        }
        return value
    }

    /// A whole number of at least 1.
    mutating func count(_ name: String) -> Int? {
        guard let text = text(name) else { return nil }
        guard let value = Int(text), value >= 1 else {
            error("\(name) must be a whole number of at least 1, found '\(text)'", at: name)
            return nil
        }
        return value
    }

    mutating func measurement() -> MeasuredRun? {
        let hardware = required("hardware", "the hardware the run was measured on, e.g. h100-sxm")
        let seconds: Double?
        if text("time_s") == nil {
            error("missing time_s: seconds per run", column: cells["time_s"]?.column ?? (source.count + 1))
            seconds = nil
        } else {
            seconds = number("time_s", "seconds per run")
        }
        let power = number("power_w", "average watts during the run")
        var joules = number("energy_j", "joules per run")
        if text("energy_j") == nil {
            if let power, let seconds {
                joules = power * seconds
            } else if power == nil && text("power_w") == nil {
                error(
                    "missing energy_j: joules per run (or give power_w)",
                    column: cells["energy_j"]?.column ?? (source.count + 1))
            }
        }
        let idlePower = number("idle_power_w", "idle watts subtracted from energy_j", allowZero: true)
        let clock = number("clock_mhz", "the core clock in MHz").map { $0 * 1e6 }
        let powerLimit = number("power_limit_w", "the power limit in watts")
        let repetitions = count("repetitions")
        var precision: PrecisionConfig?
        if let text = text("precision") {
            do {
                precision = try PrecisionConfig(parsing: text)
            } catch {
                self.error(error.message, at: "precision")
            }
        }
        let workload = self.workload()
        guard let hardware, let seconds, let joules, let workload else { return nil }
        return MeasuredRun(
            line: line, workload: workload, precision: precision, hardware: hardware, seconds: seconds, joules: joules,
            idlePower: idlePower, power: power, clock: clock, powerLimit: powerLimit, repetitions: repetitions)
    }

    mutating func workload() -> MeasuredRun.Workload? {
        let model = text("model")
        let op = text("op")
        if model != nil && op != nil {
            error("a row is either a model or an operator; this one names both", at: "op")
            return nil
        }
        if let model {
            for name in ["b", "m", "n", "k"] where text(name) != nil {
                error(
                    "\(name) applies to an operator row (op); a model row takes batch and sequence or context", at: name
                )
            }
            let batch = count("batch") ?? 1
            let sequence = count("sequence")
            let context = count("context")
            let fusion = text("fusion") ?? "off"
            var options = GraphOptions()
            if !options.setFusion(fusion) {
                error(
                    "unknown fusion '\(fusion)'", at: "fusion",
                    hint: Suggestion.hint(for: fusion, among: GraphOptions.fusionNames))
            }
            let phaseName = text("phase") ?? "prefill"
            switch phaseName {
            case "prefill", "training":
                if context != nil {
                    error("context applies to decode; \(phaseName) takes sequence", at: "context")
                }
                guard let sequence else {
                    if text("sequence") == nil { error("missing sequence: prompt tokens per sequence", at: "sequence") }
                    return nil
                }
                return phaseName == "prefill"
                    ? .model(name: model, phase: .prefill(batch: batch, sequence: sequence), fusion: fusion)
                    : .model(name: model, phase: .training(batch: batch, sequence: sequence), fusion: fusion)
            case "decode":
                if sequence != nil {
                    error("sequence applies to prefill and training; decode takes context", at: "sequence")
                }
                guard let context else {
                    if text("context") == nil { error("missing context: tokens in the KV cache", at: "context") }
                    return nil
                }
                return .model(name: model, phase: .decode(batch: batch, context: context), fusion: fusion)
            default:
                error(
                    "unknown phase '\(phaseName)'", at: "phase",
                    hint: Suggestion.hint(for: phaseName, among: ["prefill", "decode", "training"]))
                return nil
            }
        }
        guard let op else {
            error("the row names neither a model nor an operator (op)", column: 1)
            return nil
        }
        guard let kind = MeasuredRun.OperatorKind(rawValue: op.lowercased()) else {
            error(
                "unknown operator '\(op)'", at: "op",
                hint: Suggestion.hint(for: op, among: MeasuredRun.OperatorKind.allCases.map(\.rawValue)))
            return nil
        }
        for name in ["model", "phase", "batch", "sequence", "context"] where text(name) != nil {
            error("\(name) applies to a model row; an operator row takes b, m, n, k", at: name)
        }
        let b = count("b") ?? 1
        var m: Int?
        var n: Int?
        if text("m") == nil { error("missing m: the \(kind == .gemm ? "GEMM's M dimension" : "rows")", at: "m") }
        m = count("m")
        if text("n") == nil {
            error("missing n: the \(kind == .gemm ? "GEMM's N dimension" : "elements per row")", at: "n")
        }
        n = count("n")
        var k = 1
        if kind == .gemm {
            if text("k") == nil { error("missing k: the GEMM's K (reduction) dimension", at: "k") }
            k = count("k") ?? 0
        } else if text("k") != nil {
            error("k applies to gemm; a \(kind.rawValue) has b x m rows of n elements", at: "k")
        }
        guard let m, let n, k >= 1 else { return nil }
        return .op(kind, b: b, m: m, n: n, k: k)
    }
}
