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
/// The unit is part of a quantity's column name and the cells hold bare numbers in it. Lines
/// end with LF, CR LF or CR (see `CSV`). A bad row is reported with its line and column and left
/// out; the other rows are kept. Problems with the file as a whole (too large, not UTF-8, no
/// header, a bad header, no rows) are thrown, each with a line and column too.
public struct MeasurementFile: Sendable {
    /// How much of a measurement file Joule reads, checked before the memory is taken.
    public struct Limits: Sendable, Hashable {
        /// The most bytes a file may have.
        public var bytes: Int
        /// The most data rows (comments and blank lines do not count).
        public var rows: Int
        /// The most cells in the header or a row.
        public var columns: Int
        /// The most row errors kept (and printed) per file; one more line says how many were left out.
        public var diagnostics: Int

        /// Limits; the defaults are the documented ones.
        public init(bytes: Int = 64 << 20, rows: Int = 1_000_000, columns: Int = 256, diagnostics: Int = 50) {
            self.bytes = bytes
            self.rows = rows
            self.columns = columns
            self.diagnostics = diagnostics
        }
    }

    /// The path as given.
    public var path: String
    /// The good rows, in file order.
    public var measurements: [MeasuredRun]
    /// One diagnostic per problem in a bad row (`path:line:column: error: ...`), in file order,
    /// the first `limits.diagnostics` of them.
    public var errors: [Diagnostic]
    /// How many row errors there were past those kept in `errors`, and where the first is.
    public var omittedErrors: (count: Int, first: SourceMark)?
    /// Things worth knowing that lose nothing (an unknown column is ignored), one per distinct
    /// problem, at most `limits.diagnostics` and a line saying how many more.
    public var warnings: [String]
    /// The 1-based line of the header row.
    public var headerLine: Int
    /// The limits the file was read under.
    public var limits: Limits
    /// The text, for diagnostics.
    let bytes: [UInt8]
    /// The header's names, lowercased, in column order.
    let names: [String]
    /// Where the header and every good row are in `bytes`, in file order, for diagnostics.
    let records: [(line: Int, bytes: Range<Int>)]

    /// Every column Joule reads.
    public static let columns = [
        "model", "phase", "batch", "sequence", "context", "fusion", "op", "b", "m", "n", "k", "precision", "hardware",
        "time_s", "energy_j", "power_w", "clock_mhz", "power_limit_w", "idle_power_w", "repetitions", "note",
    ]

    /// The columns that hold a quantity: the name without the unit, what kind it is, and the
    /// column's unit in SI units (a value in the column times `scale` is SI).
    static let quantities: [(column: String, base: String, kind: QuantityKind, unit: String, scale: Double)] = [
        ("time_s", "time", .time, "s", 1), ("energy_j", "energy", .energy, "J", 1),
        ("power_w", "power", .power, "W", 1),
        ("clock_mhz", "clock", .frequency, "MHz", 1e6), ("power_limit_w", "power_limit", .power, "W", 1),
        ("idle_power_w", "idle_power", .power, "W", 1),
    ]

    /// The range a measured quantity must lie in (in the column's unit): beyond it the fit's
    /// sums of squares lose every digit, and no run of a chip is that short, long or hungry.
    public static let valueRange: ClosedRange<Double> = 1e-18...1e18

    /// Reads a measurement file from disk: at most `limits.bytes + 1` bytes are read.
    public static func load(_ path: String, limits: Limits = Limits()) throws(Diagnostics) -> MeasurementFile {
        let cannotRead = Diagnostics([Diagnostic(path: path, mark: nil, message: "cannot read the file")])
        guard let handle = FileHandle(forReadingAtPath: path) else { throw cannotRead }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limits.bytes + 1) ?? Data()
        } catch {
            throw cannotRead
        }
        return try MeasurementFile(bytes: Array(data), path: path, limits: limits)
    }

    /// Parses measurement text. Throws only for problems with the file as a whole (see the type);
    /// bad rows become `errors`.
    public init(text: String, path: String, limits: Limits = Limits()) throws(Diagnostics) {
        try self.init(bytes: Array(text.utf8), path: path, limits: limits)
    }

    /// Parses measurement bytes, which must be UTF-8 text.
    public init(bytes: [UInt8], path: String, limits: Limits = Limits()) throws(Diagnostics) {
        self.path = path
        self.limits = limits
        self.bytes = bytes
        if bytes.count > limits.bytes {
            throw Self.fileError(
                path, bytes, at: limits.bytes,
                "the file is larger than \(QuantityFormat.bytes(Double(limits.bytes), unit: "B")), the most Joule reads from a measurement file; it reaches that size here",
                hint: "split the runs into several files and calibrate on each, or drop rows you do not need")
        }
        if let invalid = Self.firstInvalidUTF8(bytes) {
            throw Self.fileError(
                path, bytes, at: invalid,
                "the file is not UTF-8 text: byte 0x\(String(bytes[invalid], radix: 16, uppercase: true)) cannot start a character here",
                hint: "save it as UTF-8 CSV (a spreadsheet: File > Save As > CSV UTF-8)")
        }
        var reader = CSV.Reader(bytes: bytes, maximumCells: limits.columns + 1, comments: true)
        var headerRecord: CSV.Record?
        while let record = reader.next() {
            if record.isBlank { continue }
            headerRecord = record
            break
        }
        guard let headerRecord else {
            throw Diagnostics([
                Diagnostic(
                    path: path, mark: reader.mark, message: "no header row: the file has only comments and blank lines",
                    hint:
                        "the first line that is not a comment names the columns, e.g. op,m,n,k,precision,hardware,time_s,energy_j",
                    sourceLine: Self.displayLine(reader.mark.line, bytes: bytes))
            ])
        }
        headerLine = headerRecord.line
        var header = Header(path: path, record: headerRecord, reader: reader, limits: limits)
        try header.check()
        names = header.names
        warnings = header.warnings

        var measurements: [MeasuredRun] = []
        var errors: [Diagnostic] = []
        var omitted: (count: Int, first: SourceMark)?
        var records = [(line: headerRecord.line, bytes: headerRecord.bytes)]
        var rows = 0
        while let record = reader.next() {
            if record.isBlank { continue }
            rows += 1
            guard rows <= limits.rows else {
                throw Diagnostics([
                    Diagnostic(
                        path: path, mark: SourceMark(line: record.line, column: 1),
                        message:
                            "the file has more than \(QuantityFormat.grouped(limits.rows)) rows, the most Joule reads from a measurement file",
                        hint: "split the runs into several files", sourceLine: reader.line(record.line, of: record))
                ])
            }
            var row = RowReader(path: path, record: record, reader: reader, names: names)
            let measurement = row.measurement(headerLine: headerLine)
            if let measurement, row.errors.isEmpty {
                measurements.append(measurement)
                records.append((record.line, record.bytes))
            }
            for error in Diagnostics(row.errors).items {
                if errors.count < limits.diagnostics {
                    errors.append(error)
                } else {
                    omitted = (
                        (omitted?.count ?? 0) + 1,
                        omitted?.first ?? error.mark ?? SourceMark(line: record.line, column: 1)
                    )
                }
            }
        }
        if rows == 0 {
            throw Diagnostics([
                Diagnostic(
                    path: path, mark: reader.mark,
                    message: "no rows: the header (line \(headerLine)) has no runs below it",
                    hint:
                        "add one measured run per line, e.g. gemm,4096,4096,4096,bf16,h100-sxm,2.0e-4,0.05 under op,m,n,k,precision,hardware,time_s,energy_j",
                    sourceLine: Self.displayLine(reader.mark.line, bytes: bytes))
            ])
        }
        self.measurements = measurements
        self.errors = errors
        omittedErrors = omitted
        self.records = records
    }

    /// A diagnostic about the header or a good row, pointing at one of its cells when the column
    /// is named (at the end of the row when the row is too short to have it).
    public func diagnostic(line: Int, column name: String? = nil, message: String, hint: String? = nil)
        -> Diagnostic
    {
        guard let found = recordIndex(line: line) else {
            return Diagnostic(path: path, mark: SourceMark(line: line, column: 1), message: message, hint: hint)
        }
        let entry = records[found]
        var reader = CSV.Reader(bytes: bytes, from: entry.bytes.lowerBound, line: entry.line, maximumCells: names.count)
        guard let record = reader.next() else {
            return Diagnostic(path: path, mark: SourceMark(line: line, column: 1), message: message, hint: hint)
        }
        var mark = SourceMark(line: line, column: 1)
        if let name, let index = names.firstIndex(of: name) {
            mark = index < record.cells.count ? record.cells[index].mark : record.end
        }
        return Diagnostic(
            path: path, mark: mark, message: message, hint: hint,
            sourceLine: reader.line(mark.line, of: record).map(Self.displayable))
    }

    /// The diagnostics to print for a file: the first `limit` in file order, then one more at
    /// the first left out saying how many were (`omitted` adds ones already left out).
    public static func shown(
        _ diagnostics: [Diagnostic], omitted: (count: Int, first: SourceMark)? = nil, path: String, limit: Int
    ) -> [Diagnostic] {
        let sorted = Diagnostics(diagnostics).items
        let kept = Array(sorted.prefix(limit))
        let leftOut = sorted.count - kept.count + (omitted?.count ?? 0)
        guard leftOut > 0 else { return kept }
        let marks = sorted.dropFirst(limit).compactMap(\.mark) + [omitted?.first].compactMap { $0 }
        let noun = leftOut == 1 ? "error" : "errors"
        return kept + [
            Diagnostic(
                path: path, mark: marks.min(),
                message:
                    "\(QuantityFormat.grouped(leftOut)) more \(noun) from here on not shown; Joule shows the first \(limit) per file",
                hint: "fix the errors above and run again to see the rest")
        ]
    }

    private func recordIndex(line: Int) -> Int? {
        var low = 0
        var high = records.count
        while low < high {
            let middle = (low + high) / 2
            if records[middle].line < line { low = middle + 1 } else { high = middle }
        }
        return low < records.count && records[low].line == line ? low : nil
    }

    /// A diagnostic about the file as a whole at a byte offset.
    static func fileError(_ path: String, _ bytes: [UInt8], at offset: Int, _ message: String, hint: String)
        -> Diagnostics
    {
        let mark = CSV.mark(at: offset, in: bytes)
        return Diagnostics([
            Diagnostic(
                path: path, mark: mark, message: message, hint: hint,
                sourceLine: CSV.lineText(containing: offset, in: bytes).map(displayable))
        ])
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .error: return offset
            case .emptyInput: return nil
            }
        }
    }

    /// The text of a 1-based line of the whole file, for the end-of-file diagnostics.
    static func displayLine(_ line: Int, bytes: [UInt8]) -> String? {
        CSV.line(line - 1, in: bytes, range: 0..<bytes.count).map(displayable)
    }

    /// Whether a character prints as nothing or breaks a terminal's line: a control character
    /// (C0 other than tab, DEL, C1 including U+0085) or the line or paragraph separator.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
            || scalar == "\u{2029}"
    }

    /// A line as printed under a diagnostic: invisible characters shown as U+FFFD, one column
    /// each, so the caret stays under its column.
    static func displayable(_ line: String) -> String {
        var shown = String.UnicodeScalarView()
        for scalar in line.unicodeScalars { shown.append(isInvisible(scalar) ? "\u{FFFD}" : scalar) }
        return String(shown)
    }

    /// A cell's text as quoted in a message, with invisible characters written as \u{...}.
    static func quoted(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            out += isInvisible(scalar) ? "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" : String(scalar)
        }
        return "'\(out)'"
    }
}

/// Checks the header: each column named once, the required ones there, quantities named with
/// their unit, at most `limits.columns`; unknown columns become one warning each.
private struct Header {
    let path: String
    let record: CSV.Record
    let limits: MeasurementFile.Limits
    let names: [String]
    /// The header's lines as shown under a diagnostic (made once: every diagnostic shares them).
    let sourceLines: [String]
    var warnings: [String] = []

    init(path: String, record: CSV.Record, reader: CSV.Reader, limits: MeasurementFile.Limits) {
        self.path = path
        self.record = record
        self.limits = limits
        names = record.cells.map { $0.text.trimmingCharacters(in: .whitespaces).lowercased() }
        sourceLines = reader.lines(of: record).map(MeasurementFile.displayable)
    }

    func diagnostic(_ message: String, at mark: SourceMark, hint: String? = nil) -> Diagnostic {
        let index = mark.line - record.line
        return Diagnostic(
            path: path, mark: mark, message: message, hint: hint,
            sourceLine: sourceLines.indices.contains(index) ? sourceLines[index] : nil)
    }

    mutating func check() throws(Diagnostics) {
        var problems = record.problems.map { diagnostic($0.message, at: $0.mark, hint: $0.hint) }
        if record.cellCount > limits.columns {
            let extra = record.cells[limits.columns].mark
            throw Diagnostics(
                problems + [
                    diagnostic(
                        "the header has \(QuantityFormat.grouped(record.cellCount)) columns, more than the \(limits.columns) Joule reads",
                        at: extra,
                        hint:
                            "Joule reads \(MeasurementFile.columns.count) columns (\(MeasurementFile.columns.joined(separator: ", "))); delete the others"
                    )
                ])
        }
        // Group the names once: linear in the header, one message per distinct name.
        var positions: [String: [SourceMark]] = [:]
        var order: [String] = []
        var unnamed = 0
        for (name, cell) in zip(names, record.cells) {
            if name.isEmpty {
                unnamed += 1
                continue
            }
            if positions[name] == nil { order.append(name) }
            positions[name, default: []].append(cell.mark)
        }
        var unknown: [String] = []
        for name in order {
            let marks = positions[name] ?? []
            guard let first = marks.first else { continue }
            if marks.count > 1 {
                let times = marks.count == 2 ? "twice" : "\(QuantityFormat.grouped(marks.count)) times"
                problems.append(
                    diagnostic(
                        "column '\(name)' appears \(times) in the header, first at column \(first.column)",
                        at: marks[1], hint: "name each column once; delete or rename the repeats"))
            }
            if MeasurementFile.columns.contains(name) { continue }
            if let quantity = Self.quantity(named: name) {
                let unit = name == quantity.base ? "has no unit" : "is in a unit Joule does not read"
                problems.append(
                    diagnostic(
                        "column '\(name)' \(unit): Joule reads \(quantity.kind.noun) as '\(quantity.column)', a bare number in \(quantity.unit)",
                        at: first, hint: "rename the column \(quantity.column) and give its cells in \(quantity.unit)"))
            } else {
                unknown.append(name)
                let hint = Suggestion.hint(for: name, among: MeasurementFile.columns)
                warnings.append(
                    "\(path):\(first.line):\(first.column): warning: unknown column '\(name)' is ignored; \(hint)")
            }
        }
        if unnamed > 0 {
            warnings.append(
                "\(path):\(record.line):1: warning: \(unnamed == 1 ? "a column with no name is" : "\(unnamed) columns with no name are") ignored"
            )
        }
        if warnings.count > limits.diagnostics {
            let more = warnings.count - limits.diagnostics
            warnings =
                Array(warnings.prefix(limits.diagnostics)) + [
                    "\(path):\(record.line):1: warning: \(QuantityFormat.grouped(more)) more warnings about the header not shown"
                ]
        }
        let start = SourceMark(line: record.line, column: 1)
        let seen = Set(order)
        for required in ["hardware", "time_s"] where !seen.contains(required) {
            problems.append(
                diagnostic(
                    "the header has no '\(required)' column", at: start, hint: "every row needs hardware and time_s"))
        }
        if !seen.contains("energy_j") && !seen.contains("power_w") {
            problems.append(
                diagnostic(
                    "the header has neither 'energy_j' nor 'power_w'", at: start,
                    hint: "give the measured joules per run (energy_j) or the average power (power_w)"))
        }
        if !seen.contains("model") && !seen.contains("op") {
            problems.append(
                diagnostic(
                    "the header has neither 'model' nor 'op'", at: start,
                    hint: "name a Joule model (model, phase, batch, sequence|context) or an operator (op, m, n, k)"))
        }
        if !problems.isEmpty {
            throw Diagnostics(MeasurementFile.shown(problems, path: path, limit: limits.diagnostics))
        }
    }

    /// The quantity column a name means without its unit (`time`, `energy_mj`), if any.
    static func quantity(named name: String) -> (column: String, base: String, kind: QuantityKind, unit: String)? {
        let match = MeasurementFile.quantities.filter { name == $0.base || name.hasPrefix($0.base + "_") }
            .max { $0.base.count < $1.base.count }
        return match.map { ($0.column, $0.base, $0.kind, $0.unit) }
    }
}

/// Reads one row's cells into a `MeasuredRun`, collecting every problem with its position.
private struct RowReader {
    let path: String
    let record: CSV.Record
    let reader: CSV.Reader
    /// The known columns' cells, by lowercased header name.
    let cells: [String: CSV.Cell]
    /// How many columns the header names.
    let cellsInHeader: Int
    var errors: [Diagnostic] = []

    init(path: String, record: CSV.Record, reader: CSV.Reader, names: [String]) {
        self.path = path
        self.record = record
        self.reader = reader
        var cells: [String: CSV.Cell] = [:]
        for (name, cell) in zip(names, record.cells) where MeasurementFile.columns.contains(name) {
            var trimmed = cell
            if !cell.quoted { trimmed.text = cell.text.trimmingCharacters(in: .whitespaces) }
            cells[name] = trimmed
        }
        self.cells = cells
        cellsInHeader = names.count
    }

    var line: Int { record.line }

    /// The row's lines as shown under a diagnostic, made at the first error and shared by all.
    var sourceLines: [String]?

    mutating func error(_ message: String, at mark: SourceMark, hint: String? = nil) {
        let lines = sourceLines ?? reader.lines(of: record).map(MeasurementFile.displayable)
        sourceLines = lines
        let index = mark.line - record.line
        errors.append(
            Diagnostic(
                path: path, mark: mark, message: message, hint: hint,
                sourceLine: lines.indices.contains(index) ? lines[index] : nil))
    }

    /// An error at a column's cell, or at the end of the row when the row stops short of it;
    /// a cell with invisible characters (U+0085, U+2028 ...) is shown with them written out.
    mutating func error(_ message: String, at name: String, hint: String? = nil) {
        var hint = hint
        if let text = cells[name]?.text, text.unicodeScalars.contains(where: MeasurementFile.isInvisible) {
            hint = [hint, "the cell holds invisible characters: \(MeasurementFile.quoted(text))"].compactMap { $0 }
                .joined(separator: "; ")
        }
        error(message, at: cells[name]?.mark ?? record.end, hint: hint)
    }

    /// The non-empty text of a cell.
    func text(_ name: String) -> String? {
        guard let cell = cells[name], !cell.text.isEmpty else { return nil }
        return cell.text
    }

    mutating func required(_ name: String, _ what: String) -> String? {
        guard let value = text(name) else {
            error("missing \(name): \(what)", at: name)
            return nil
        }
        return value
    }

    /// A measured quantity: a finite bare number in the column's unit, positive (or zero when
    /// `allowZero`), within `MeasurementFile.valueRange`; nil (with an error) otherwise.
    mutating func quantity(_ name: String, _ what: String, allowZero: Bool = false) -> Double? {
        guard let text = text(name) else { return nil }
        let quantity = MeasurementFile.quantities.first { $0.column == name }
        let unit = quantity?.unit ?? ""
        guard let value = Double(text) else {
            if let quantity, let parsed = try? UnitParser.parse(text) {
                let example = String(format: "%g", parsed.value / quantity.scale)
                let hint =
                    parsed.kind == quantity.kind
                    ? "write \(example): the column's name gives the unit"
                    : "'\(text)' is \(parsed.kind.noun); \(name) is \(quantity.kind.noun) in \(unit)"
                error(
                    "\(name) is a bare number in \(unit) (\(what)), found \(MeasurementFile.quoted(text))", at: name,
                    hint: hint)
            } else {
                error(
                    "\(name) must be a number in \(unit) (\(what)), found \(MeasurementFile.quoted(text))", at: name,
                    hint: "for example: \(name == "clock_mhz" ? "1755" : "0.0042")")
            }
            return nil
        }
        guard value.isFinite else {
            error(
                "\(name) must be a finite number (\(what)), found \(MeasurementFile.quoted(text))", at: name,
                hint: "numbers beyond ±1.8e308, inf and nan are not measurements")
            return nil
        }
        guard value > 0 || (allowZero && value == 0) else {
            error("\(name) must be \(allowZero ? "zero or positive" : "positive") (\(what)), found \(text)", at: name)
            return nil
        }
        guard value == 0 || MeasurementFile.valueRange.contains(value) else {
            error(
                "\(name) is \(text) \(unit), outside the range Joule fits (1e-18 to 1e18 \(unit))", at: name,
                hint: "check the column's unit: \(name) is \(what)")
            return nil
        }
        return value
    }

    /// A whole number of at least 1.
    mutating func count(_ name: String) -> Int? {
        guard let text = text(name) else { return nil }
        guard let value = Int(text), value >= 1 else {
            error("\(name) must be a whole number of at least 1, found \(MeasurementFile.quoted(text))", at: name)
            return nil
        }
        return value
    }

    mutating func measurement(headerLine: Int) -> MeasuredRun? {
        // Malformed quoting or a control character: the cells are not what was meant; say only that.
        for problem in record.problems { error(problem.message, at: problem.mark, hint: problem.hint) }
        guard record.problems.isEmpty else { return nil }
        if record.cellCount > cellsInHeader {
            error(
                "the row has \(QuantityFormat.grouped(record.cellCount)) cells but the header (line \(headerLine)) names \(cellsInHeader) columns",
                at: record.cells[min(cellsInHeader, record.cells.count - 1)].mark)
        }
        let hardware = required("hardware", "the hardware the run was measured on, e.g. h100-sxm")
        let seconds: Double?
        if text("time_s") == nil {
            error("missing time_s: seconds per run", at: "time_s")
            seconds = nil
        } else {
            seconds = quantity("time_s", "seconds per run")
        }
        let power = quantity("power_w", "average watts during the run")
        var joules = quantity("energy_j", "joules per run")
        if text("energy_j") == nil {
            if let power, let seconds {
                joules = power * seconds
            } else if power == nil && text("power_w") == nil {
                error("missing energy_j: joules per run (or give power_w)", at: "energy_j")
            }
        }
        let idlePower = quantity("idle_power_w", "idle watts subtracted from energy_j", allowZero: true)
        let clock = quantity("clock_mhz", "the core clock in MHz").map { $0 * 1e6 }
        let powerLimit = quantity("power_limit_w", "the power limit in watts")
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
            error("the row names neither a model nor an operator (op)", at: SourceMark(line: line, column: 1))
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
        if text("m") == nil { error("missing m: the \(kind == .gemm ? "GEMM's M dimension" : "rows")", at: "m") }
        let m = count("m")
        if text("n") == nil {
            error("missing n: the \(kind == .gemm ? "GEMM's N dimension" : "elements per row")", at: "n")
        }
        let n = count("n")
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
