import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// Measurement files that are broken, odd or hostile: every rejection has a line and column
/// worked out by hand from the text, reading is linear, the output is bounded, and no nan or
/// inf reaches a calibration.
struct CalibrationRobustnessTests {
    /// `op,m,n,k,precision,hardware,time_s,energy_j`: op(1) m(4) n(6) k(8) precision(10)
    /// hardware(20) time_s(29) energy_j(36); 43 characters.
    static let header = "op,m,n,k,precision,hardware,time_s,energy_j"
    /// A row's cells before time_s: `gemm,64,64,64,bf16,h100-sxm,` is 28 characters, so time_s
    /// starts at column 29 and, after `1e-5,`, energy_j at column 34.
    static let prefix = "gemm,64,64,64,bf16,h100-sxm,"

    struct FileCase: CustomTestStringConvertible, Sendable {
        var name: String
        var bytes: [UInt8]
        var limits = MeasurementFile.Limits()
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { name }

        init(
            _ name: String, _ text: String, limits: MeasurementFile.Limits = .init(), line: Int, column: Int,
            _ message: String
        ) {
            self.init(name, bytes: Array(text.utf8), limits: limits, line: line, column: column, message)
        }

        init(
            _ name: String, bytes: [UInt8], limits: MeasurementFile.Limits = .init(), line: Int, column: Int,
            _ message: String
        ) {
            self.name = name
            self.bytes = bytes
            self.limits = limits
            self.line = line
            self.column = column
            self.message = message
        }
    }

    /// Problems with the whole file are thrown, each at a position (none at "file: error").
    @Test(arguments: [
        FileCase("empty file", "", line: 1, column: 1, "no header row: the file has only comments and blank lines"),
        // The end of the file is line 2, column 1, after the comment's LF.
        FileCase(
            "only a comment", "# only a comment\n", line: 2, column: 1,
            "no header row: the file has only comments and blank lines"),
        // Two CR-only comment lines: the end is line 3.
        FileCase(
            "CR-only comments", "# a\r# b\r", line: 3, column: 1,
            "no header row: the file has only comments and blank lines"),
        FileCase(
            "header, no rows", header + "\n", line: 2, column: 1, "no rows: the header (line 1) has no runs below it"),
        // No break after the header: the end is just past its 43 characters.
        FileCase(
            "header without a break", header, line: 1, column: 44, "no rows: the header (line 1) has no runs below it"),
        // op(1) m(4) n(6) k(8) m(10): the repeat is at 10, the first at 4.
        FileCase(
            "repeated column", "op,m,n,k,m,hardware,time_s,energy_j\n", line: 1, column: 10,
            "column 'm' appears twice in the header, first at column 4"),
        // op,m,n,k, is 9 characters, hardware, 9 more: time at 19.
        FileCase(
            "column without its unit", "op,m,n,k,hardware,time,energy_j\n", line: 1, column: 19,
            "column 'time' has no unit: Joule reads a time as 'time_s', a bare number in s"),
        // ... time_s, ends at 25: energy_mj at 26.
        FileCase(
            "column in another unit", "op,m,n,k,hardware,time_s,energy_mj\n", line: 1, column: 26,
            "column 'energy_mj' is in a unit Joule does not read: Joule reads an energy as 'energy_j', a bare number in J"
        ),
        // op,m,n,k, (9) then h(10) a(11) r(12) d(13) U+0001(14).
        FileCase(
            "control character in the header", "op,m,n,k,hard\u{1}ware,time_s,energy_j\n", line: 1, column: 14,
            "control character U+0001 in a cell"),
        // After a CR-only comment line the header is line 2; op,(3) then the open quote at 4.
        FileCase("unclosed quote in the header", "# c\rop,\"m,n\n", line: 2, column: 4, "a quoted cell is not closed"),
        // a,b,c,d, is 8 characters: the fifth column, past the limit of 4, starts at 9.
        FileCase(
            "too many columns", "a,b,c,d,e\n", limits: .init(columns: 4), line: 1, column: 9,
            "the header has 5 columns, more than the 4 Joule reads"),
        // Rows on lines 2, 3, 4 (CR only): the third is past the limit of 2.
        FileCase(
            "too many rows", [header, prefix + "1e-5,1", prefix + "1e-5,1", prefix + "1e-5,1"].joined(separator: "\r"),
            limits: .init(rows: 2), line: 4, column: 1,
            "the file has more than 2 rows, the most Joule reads from a measurement file"),
        // "op,m,n" + LF is bytes 0-6; byte 10 is the 'a' of "k,hardware": line 2, k(1) ,(2) h(3) a(4).
        FileCase(
            "too large", "op,m,n\nk,hardware,time_s\n", limits: .init(bytes: 10), line: 2, column: 4,
            "the file is larger than 10 B, the most Joule reads from a measurement file; it reaches that size here"),
        // o(1) p(2) LF, then a(1) and the byte 0xFF at column 2 of line 2.
        FileCase(
            "not UTF-8", bytes: [0x6F, 0x70, 0x0A, 0x61, 0xFF, 0x0A], line: 2, column: 2,
            "the file is not UTF-8 text: byte 0xFF cannot start a character here"),
    ])
    func fileLevelRejectionsArePositioned(_ test: FileCase) throws {
        do {
            _ = try MeasurementFile(bytes: test.bytes, path: "m.csv", limits: test.limits)
            Issue.record("no error")
        } catch {
            let found = error.items.first { $0.message == test.message }
            let diagnostic = try #require(found, "\(error.items.map(\.headline))")
            #expect(diagnostic.mark == SourceMark(line: test.line, column: test.column))
            #expect(diagnostic.description.hasPrefix("m.csv:\(test.line):\(test.column): error: \(test.message)"))
            #expect(error.items.allSatisfy { $0.mark != nil }, "\(error.items.map(\.headline))")
        }
    }

    struct RowCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        /// Every row error: line, column, and the start of its message.
        var errors: [(line: Int, column: Int, message: String)]
        var testDescription: String { name }
    }

    @Test(arguments: [
        RowCase(
            name: "negative energy", text: header + "\n" + prefix + "1e-5,-1\n",
            errors: [(2, 34, "energy_j must be positive (joules per run), found -1")]),
        RowCase(
            name: "negative time", text: header + "\n" + prefix + "-1e-5,1e-3\n",
            errors: [(2, 29, "time_s must be positive (seconds per run), found -1e-5")]),
        RowCase(
            name: "inf", text: header + "\n" + prefix + "1e-5,inf\n",
            errors: [(2, 34, "energy_j must be a finite number (joules per run), found 'inf'")]),
        RowCase(
            name: "nan", text: header + "\n" + prefix + "nan,1e-3\n",
            errors: [(2, 29, "time_s must be a finite number (seconds per run), found 'nan'")]),
        RowCase(
            name: "overflow to inf", text: header + "\n" + prefix + "1e-5,1e400\n",
            errors: [(2, 34, "energy_j must be a finite number (joules per run), found '1e400'")]),
        RowCase(
            name: "subnormal", text: header + "\n" + prefix + "1e-5,1e-310\n",
            errors: [(2, 34, "energy_j is 1e-310 J, outside the range Joule fits (1e-18 to 1e18 J)")]),
        RowCase(
            name: "a unit in a unit column", text: header + "\n" + prefix + "1e-5,5 mJ\n",
            errors: [(2, 34, "energy_j is a bare number in J (joules per run), found '5 mJ'")]),
        RowCase(
            name: "a unit of the wrong kind", text: header + "\n" + prefix + "2 W,1e-3\n",
            errors: [(2, 29, "time_s is a bare number in s (seconds per run), found '2 W'")]),
        // The row's energy_j cell starts with U+2028 (one column, no line).
        RowCase(
            name: "line separator in a cell", text: header + "\n" + prefix + "1e-5,\u{2028}-1\n",
            errors: [(2, 34, "energy_j must be a number in J (joules per run), found '\\u{2028}-1'")]),
        // U+0085 before bf16 makes the precision cell one column longer: precision at 15 (gemm,
        // 64,64,64, is 14), energy_j at 35.
        RowCase(
            name: "next-line character shifts columns, not lines",
            text: header + "\ngemm,64,64,64,\u{85}bf16,h100-sxm,1e-5,-1\n",
            errors: [(2, 15, ""), (2, 35, "energy_j must be positive")]),
        // 1e-3 is columns 34-37, the BEL at 38.
        RowCase(
            name: "control character in a cell", text: header + "\n" + prefix + "1e-5,1e-3\u{7}\n",
            errors: [(2, 38, "control character U+0007 in a cell")]),
        // Rows on lines 2 and 3 of a CR-only file; the bad one is line 3.
        RowCase(
            name: "CR only", text: [header, prefix + "1e-5,1e-3", prefix + "1e-5,-1"].joined(separator: "\r") + "\r",
            errors: [(3, 34, "energy_j must be positive")]),
        RowCase(
            name: "CR LF", text: [header, prefix + "1e-5,1e-3", prefix + "1e-5,-1"].joined(separator: "\r\n"),
            errors: [(3, 34, "energy_j must be positive")]),
        // Mixed endings: LF, CR, CR LF: the rows are lines 2, 3 and 4.
        RowCase(
            name: "mixed endings",
            text: header + "\n" + prefix + "1e-5,-1\r" + prefix + "1e-5,1e-3\r\n" + prefix + "-2,1e-3\n",
            errors: [(2, 34, "energy_j must be positive"), (4, 29, "time_s must be positive")]),
        // A quoted note with a CR inside spans lines 2-3; the next row is line 4.
        RowCase(
            name: "quoted line break",
            text: header + ",note\n" + prefix + "1e-5,1e-3,\"two\rlines\"\n" + prefix + "1e-5,-1\n",
            errors: [(4, 34, "energy_j must be positive")]),
        // The row stops after time_s (32 characters): missing energy_j points just past its end.
        RowCase(
            name: "short row", text: header + "\n" + prefix + "1e-5\n",
            errors: [(2, 33, "missing energy_j")]),
    ])
    func rowErrorsArePositioned(_ test: RowCase) throws {
        let file = try MeasurementFile(text: test.text, path: "m.csv")
        let found = file.errors.map { ($0.mark?.line ?? 0, $0.mark?.column ?? 0) }
        #expect(found.map(\.0) == test.errors.map(\.line), "\(file.errors.map(\.headline))")
        #expect(found.map(\.1) == test.errors.map(\.column), "\(file.errors.map(\.headline))")
        for (error, expected) in zip(file.errors, test.errors) {
            #expect(error.message.hasPrefix(expected.message), "\(error.message)")
            // The caret line shows the offending line, one column per character.
            let line = try #require(error.sourceLine)
            #expect(!line.unicodeScalars.contains { $0 == "\u{2028}" || $0.value < 0x20 && $0 != "\t" })
        }
    }

    /// A cell with a unit gets an example of the bare number the column wants.
    @Test func unitInACellSuggestsTheBareNumber() throws {
        let file = try MeasurementFile(text: Self.header + "\n" + Self.prefix + "20 us,5 mJ\n", path: "m.csv")
        #expect(
            file.errors.map(\.hint) == [
                "write 2e-05: the column's name gives the unit", "write 0.005: the column's name gives the unit",
            ])
    }

    /// The 27 KB header of 3,000 repeated columns: one diagnostic, at the first column past the
    /// limit (256 columns of `energy_j,` is 2,304 characters: column 2,305), fast, and short.
    @Test func headerOfThreeThousandColumnsGivesOneShortDiagnostic() throws {
        let text = Array(repeating: "energy_j", count: 3_000).joined(separator: ",") + "\n"
        let clock = ContinuousClock()
        var thrown: Diagnostics?
        let elapsed = clock.measure {
            do {
                _ = try MeasurementFile(text: text, path: "wide.csv")
            } catch {
                thrown = error as? Diagnostics
            }
        }
        let diagnostics = try #require(thrown)
        let items = diagnostics.items
        #expect(items.count == 1)
        #expect(items.first?.mark == SourceMark(line: 1, column: 2_305))
        #expect(items.first?.message == "the header has 3,000 columns, more than the 256 Joule reads")
        #expect(diagnostics.description.utf8.count < 1_000)
        #expect(elapsed < .seconds(1), "\(elapsed)")
    }

    /// Repeats are one error per distinct name however many there are: 247 columns `x` after
    /// the 7 real ones (33 characters, so the first x is at 35 and the first repeat at 37; the
    /// last x at 35 + 2 x 246 = 527), then `note` at 529 and again at 534: 256 columns in all.
    @Test func repeatedColumnsAreOneErrorPerName() throws {
        let text = "op,m,n,k,hardware,time_s,energy_j" + String(repeating: ",x", count: 247) + ",note,note\n"
        do {
            _ = try MeasurementFile(text: text, path: "m.csv")
            Issue.record("no error")
        } catch {
            #expect(
                error.items.map(\.message) == [
                    "column 'x' appears 247 times in the header, first at column 35",
                    "column 'note' appears twice in the header, first at column 529",
                ])
            #expect(error.items.map(\.mark) == [SourceMark(line: 1, column: 37), SourceMark(line: 1, column: 534)])
        }
    }

    /// Unknown columns are a warning each, once per distinct name.
    @Test func unknownColumnsWarnOncePerName() throws {
        let file = try MeasurementFile(
            text: Self.header + ",color,,\n" + Self.prefix + "1e-5,1e-3,red,,\n", path: "m.csv")
        #expect(file.warnings.count == 2)
        // energy_j ends at 43: color at 45.
        #expect(file.warnings.first?.hasPrefix("m.csv:1:45: warning: unknown column 'color' is ignored") == true)
        #expect(file.warnings.last == "m.csv:1:1: warning: 2 columns with no name are ignored")
        #expect(file.measurements.count == 1)
    }

    /// At most `limits.diagnostics` row errors are kept; the rest are counted and the printed
    /// list ends with one line saying how many, at the first left out.
    @Test func rowErrorsAreCapped() throws {
        let rows = (0..<200).map { _ in Self.prefix + "1e-5,-1" }
        let file = try MeasurementFile(text: ([Self.header] + rows).joined(separator: "\n"), path: "m.csv")
        #expect(file.errors.count == 50)
        #expect(file.errors.last?.mark == SourceMark(line: 51, column: 34))
        let omitted = try #require(file.omittedErrors)
        #expect(omitted.count == 150)
        #expect(omitted.first == SourceMark(line: 52, column: 34))
        let shown = MeasurementFile.shown(file.errors, omitted: file.omittedErrors, path: file.path, limit: 50)
        #expect(shown.count == 51)
        #expect(
            shown.last?.headline
                == "m.csv:52:34: error: 150 more errors from here on not shown; Joule shows the first 50 per file")
        #expect(MeasurementFile.Limits() == .init(bytes: 64 << 20, rows: 1_000_000, columns: 256, diagnostics: 50))
    }

    /// 5,000 CR-only rows, the file that grew to 9.7 GB: 5,000 runs on lines 2 to 5,001, quickly.
    @Test func crOnlyMeasurementsAreReadInLinearTime() throws {
        let rows = (1...5_000).map { "gemm,\(64 + $0 % 100),128,256,bf16,h100-sxm,\(1e-5 * Double(1 + $0 % 7)),1e-3" }
        let text = ([Self.header] + rows).joined(separator: "\r") + "\r"
        let clock = ContinuousClock()
        var file: MeasurementFile?
        let elapsed = try clock.measure { file = try MeasurementFile(text: text, path: "mac.csv") }
        let read = try #require(file)
        #expect(read.errors.isEmpty)
        #expect(read.measurements.count == 5_000)
        #expect(read.measurements.first?.line == 2 && read.measurements.last?.line == 5_001)
        #expect(elapsed < .seconds(2), "\(elapsed)")
    }

    /// A file on disk past the size limit is refused after reading at most one byte more.
    @Test func loadStopsAtTheSizeLimit() throws {
        let folder = try CalibrationSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/big.csv"
        try (Self.header + "\n" + String(repeating: Self.prefix + "1e-5,1e-3\n", count: 100)).write(
            toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try MeasurementFile.load(path, limits: .init(bytes: 100))
            Issue.record("no error")
        } catch {
            // The header and its LF are bytes 0-43; a row is 28 + 9 characters and an LF, 38
            // bytes, so line 2 is bytes 44-81 and line 3 starts at 82: byte 100 is column 19.
            #expect(error.items.first?.mark == SourceMark(line: 3, column: 19))
        }
    }

    struct DegenerateCase: CustomTestStringConvertible, Sendable {
        var name: String
        var rows: [String]
        var message: String
        var testDescription: String { name }
    }

    /// Degenerate fits exit with an error naming what cannot be identified, at the header's
    /// energy_j cell (column 36), never with R² nan or an exact fit passed off as a result.
    @Test(arguments: [
        DegenerateCase(
            name: "one row", rows: [prefix + "1e-5,1e-3"],
            message:
                "too few rows: 1 row for the 3 coefficients they exercise (MAC bf16, HBM and static power), so the fit is exact and has no error bars; MAC bf16 (its count is a fixed multiple of static power's in every row) and HBM (its count is a fixed combination of MAC bf16 and static power's in every row) cannot be identified"
        ),
        DegenerateCase(
            name: "identical rows", rows: Array(repeating: prefix + "1e-5,1e-3", count: 5),
            message:
                "every row measured the same energy (1 mJ): the 5 rows cannot identify MAC bf16, HBM and static power; R² is undefined"
        ),
        DegenerateCase(
            name: "nothing fits",
            rows: [
                "gemm,1000000000000,1000000000000,1000000000000,bf16,h100-sxm,1e-5,1",
                prefix + "1e-5,1e-3", "gemm,128,64,64,bf16,h100-sxm,2e-5,2e-3",
                "gemm,64,256,64,bf16,h100-sxm,1e-5,3e-3",
            ],
            message:
                "no energy coefficient can be identified from the 4 rows: MAC bf16 (pushed below zero), HBM (its count is a fixed multiple of MAC bf16's in every row) and static power (pushed below zero)"
        ),
    ])
    func degenerateFitsNameWhatCannotBeIdentified(_ test: DegenerateCase) throws {
        let file = try MeasurementFile(text: ([Self.header] + test.rows).joined(separator: "\n"), path: "m.csv")
        #expect(file.errors.isEmpty)
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        do {
            let calibration = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog).calibrate(file)
            Issue.record("fitted: R² \(String(describing: calibration.energy.rSquared))")
        } catch {
            #expect(error.message == test.message)
            #expect(error.line == 1 && error.column == "energy_j")
            let diagnostic = file.diagnostic(line: 1, column: error.column, message: error.message)
            #expect(diagnostic.mark == SourceMark(line: 1, column: 36))
        }
    }

    /// No row at all for this hardware: the error points at the first other hardware's cell.
    @Test func rowsForOtherHardwarePointAtTheFirst() throws {
        let text = [Self.header, Self.prefix + "1e-5,1e-3", "gemm,64,64,64,bf16,a100,1e-5,1e-3"].joined(separator: "\n")
        let file = try MeasurementFile(text: text, path: "m.csv")
        let hardware = try CalibrationSupport.hardware("tpu-v1")
        do {
            _ = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog).calibrate(file)
            Issue.record("fitted")
        } catch {
            #expect(error.message == "no usable rows for tpu-v1")
            #expect(error.line == 2 && error.column == "hardware")
            // gemm,64,64,64,bf16, is 19 characters: hardware at 20.
            #expect(file.diagnostic(line: 2, column: "hardware", message: "").mark == SourceMark(line: 2, column: 20))
        }
    }

    /// The generic fit never hands out a non-finite number: R² is nil when undefined, and
    /// counts that overflow are an error naming the term.
    @Test func linearFitReportsNoNonFiniteNumber() throws {
        let constant = try LinearFit.fit(
            terms: [FitTerm(name: "a", values: [1, 2, 3], prior: 1)], rhs: [2, 2, 2], weighting: .absolute)
        #expect(constant.rSquared == nil)
        do {
            let huge = try LinearFit.fit(
                terms: [FitTerm(name: "big", values: [1e300, 2e300, 3e300], prior: 1)], rhs: [1e-300, 3e-300, 2e-300],
                weighting: .relative)
            let numbers =
                huge.estimates.flatMap { [$0.value, $0.standardError ?? 0] } + huge.predicted
                + [huge.rSquared ?? 0, huge.residualDeviation ?? 0, huge.rmsRelativeError]
            #expect(numbers.allSatisfy { $0.isFinite }, "\(numbers)")
        } catch {
            #expect(error.message.contains("big"))
        }
    }
}
