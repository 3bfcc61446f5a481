import Foundation
import Testing
import YAML

@testable import JouleSearch

/// The CSV reader: every line ending is a line break, the Unicode separators are not, every
/// cell and problem has the line and column worked out by hand from the text, and reading is
/// linear in the text.
struct CSVReaderTests {
    struct LinesCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        /// Each non-blank record: the line it starts on and its cells.
        var records: [(line: Int, cells: [String])]
        var testDescription: String { name }
    }

    @Test(arguments: [
        LinesCase(name: "LF", text: "a,b\nc,d\n", records: [(1, ["a", "b"]), (2, ["c", "d"])]),
        LinesCase(name: "CR LF", text: "a,b\r\nc,d\r\n", records: [(1, ["a", "b"]), (2, ["c", "d"])]),
        LinesCase(name: "CR only (old Mac)", text: "a,b\rc,d\r", records: [(1, ["a", "b"]), (2, ["c", "d"])]),
        LinesCase(name: "no break at the end", text: "a,b\rc,d", records: [(1, ["a", "b"]), (2, ["c", "d"])]),
        LinesCase(name: "mixed", text: "a\rb\r\nc\nd", records: [(1, ["a"]), (2, ["b"]), (3, ["c"]), (4, ["d"])]),
        // CR CR is two breaks (an empty line between), LF LF too; CR LF is one.
        LinesCase(
            name: "blank lines", text: "a\r\rb\n\nc\r\n\r\nd",
            records: [(1, ["a"]), (3, ["b"]), (5, ["c"]), (7, ["d"])]),
        // A quoted cell keeps its line break and the next record starts two lines on.
        LinesCase(
            name: "quoted break", text: "\"x\r\ny\",z\rw\n", records: [(1, ["x\r\ny", "z"]), (3, ["w"])]),
        LinesCase(
            name: "quoted CR only", text: "\"x\ry\",z\rw\r", records: [(1, ["x\ry", "z"]), (3, ["w"])]),
        // U+2028, U+2029 and U+0085 are characters of a cell, not line breaks.
        LinesCase(
            name: "Unicode separators", text: "a\u{2028}b,c\u{85}d\u{2029}\ne",
            records: [(1, ["a\u{2028}b", "c\u{85}d\u{2029}"]), (2, ["e"])]),
        LinesCase(
            name: "byte-order mark", text: "\u{FEFF}id,x\n1,2\n", records: [(1, ["id", "x"]), (2, ["1", "2"])]),
    ])
    func lineBreaks(_ test: LinesCase) {
        var reader = CSV.Reader(test.text)
        var records: [(line: Int, cells: [String])] = []
        while let record = reader.next() {
            if !record.isBlank { records.append((record.line, record.cells.map(\.text))) }
        }
        #expect(records.map(\.line) == test.records.map(\.line))
        #expect(records.map(\.cells) == test.records.map(\.cells))
        // The public `records` gives the same lines (blank lines included as one empty cell).
        let all = CSV.records(test.text).filter { $0.cells != [""] }
        #expect(all.map(\.line) == test.records.map(\.line))
    }

    struct MarkCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        /// The (line, column) of every cell of every record.
        var marks: [[SourceMark]]
        var testDescription: String { name }
    }

    /// Columns count Unicode scalars from 1 and restart after every line break.
    @Test(arguments: [
        MarkCase(
            name: "plain", text: "ab,c,,d\n",
            marks: [
                [
                    .init(line: 1, column: 1), .init(line: 1, column: 4), .init(line: 1, column: 6),
                    .init(line: 1, column: 7),
                ]
            ]),
        // a(1) U+2028(2) b(3) ,(4) c(5): the separator takes one column and no line.
        MarkCase(
            name: "separator inside a cell", text: "a\u{2028}b,c\n",
            marks: [[.init(line: 1, column: 1), .init(line: 1, column: 5)]]),
        // 日(1) 本(2) ,(3) x(4): multi-byte characters are one column each.
        MarkCase(name: "multi-byte", text: "日本,x", marks: [[.init(line: 1, column: 1), .init(line: 1, column: 4)]]),
        // Blanks before a cell: the mark is its first non-blank character (here the quote at 5).
        MarkCase(
            name: "blanks and quotes", text: "a,  \"b\"\r x",
            marks: [[.init(line: 1, column: 1), .init(line: 1, column: 5)], [.init(line: 2, column: 2)]]),
        // After a CR only break the next line starts at column 1 of line 2.
        MarkCase(
            name: "CR only", text: "a,b\rc,d",
            marks: [
                [.init(line: 1, column: 1), .init(line: 1, column: 3)],
                [.init(line: 2, column: 1), .init(line: 2, column: 3)],
            ]),
        // A cell after a quoted line break: "x CR LF y" spans lines 1-2, z is at 2:4.
        MarkCase(
            name: "after a quoted break", text: "\"x\r\ny\",z",
            marks: [[.init(line: 1, column: 1), .init(line: 2, column: 4)]]),
    ])
    func cellMarks(_ test: MarkCase) {
        var reader = CSV.Reader(test.text)
        var marks: [[SourceMark]] = []
        while let record = reader.next() { marks.append(record.cells.map(\.mark)) }
        #expect(marks == test.marks)
    }

    struct ProblemCase: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var line: Int
        var column: Int
        var message: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        // a(1) ,(2) "(3): the open quote swallows the rest, and is where the fault is.
        ProblemCase(
            name: "unclosed quote", text: "a,\"bc\nd", line: 1, column: 3, message: "a quoted cell is not closed"),
        // "(1) a(2) b(3) "(4) c(5)
        ProblemCase(
            name: "text after the closing quote", text: "\"ab\"c,d", line: 1, column: 5,
            message: "text after the closing quote of a cell"),
        // a(1) ,(2) b(3) U+0001(4)
        ProblemCase(
            name: "control character", text: "a,b\u{1}c", line: 1, column: 4,
            message: "control character U+0001 in a cell"),
        // line 2 after a CR: a(1) ,(2) NUL(3)
        ProblemCase(
            name: "NUL on a CR-only line", text: "x\ra,\u{0}", line: 2, column: 3,
            message: "control character U+0000 in a cell"),
        // U+2028(1) BEL(2): the separator shifts the column by one, not the line.
        ProblemCase(
            name: "control after a separator", text: "\u{2028}\u{7}", line: 1, column: 2,
            message: "control character U+0007 in a cell"),
        // "(1) t(2) a(3) b(4) TAB(5) is allowed, DEL(6) is not; inside quotes too.
        ProblemCase(
            name: "DEL inside quotes", text: "\"tab\t\u{7F}\"", line: 1, column: 6,
            message: "control character U+007F in a cell"),
    ])
    func problemsArePositioned(_ test: ProblemCase) throws {
        var reader = CSV.Reader(test.text)
        var problems: [CSV.Problem] = []
        while let record = reader.next() { problems += record.problems }
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.mark == SourceMark(line: test.line, column: test.column))
        #expect(problem.message == test.message)
    }

    /// Quoted cells: commas and doubled quotes inside, blanks around; unquoted cells keep blanks.
    @Test func quotedCells() throws {
        var reader = CSV.Reader("a,\"b, c\",\"say \"\"hi\"\"\", d ,  \"e\"  ")
        let next = reader.next()
        let record = try #require(next)
        #expect(record.cells.map(\.text) == ["a", "b, c", "say \"hi\"", " d ", "e"])
        #expect(record.cells.map(\.quoted) == [false, true, true, false, true])
        #expect(record.problems.isEmpty)
        // A CR in a cell is quoted on writing, so it reads back as one cell.
        #expect(CSV.quote("a\rb") == "\"a\rb\"")
        #expect(CSV.records(CSV.quote("a\rb") + ",c\n").map(\.cells) == [["a\rb", "c"]])
    }

    /// Cells past the limit are counted, not kept: a line of a million commas takes no memory.
    @Test func cellsPastTheLimitAreCountedNotKept() throws {
        var reader = CSV.Reader(String(repeating: ",", count: 100_000) + "\nx", maximumCells: 3)
        let next = reader.next()
        let wide = try #require(next)
        #expect(wide.cellCount == 100_001)
        #expect(wide.cells.count == 3)
        #expect(wide.cells[2].mark == SourceMark(line: 1, column: 3))
        let last = reader.next()
        #expect(last?.line == 2)
    }

    /// 5,000 CR-only rows (the 250 KB file that grew to 9.7 GB) read in well under a second as
    /// 5,000 records on lines 1 to 5,000; twice the rows take about twice the time.
    @Test func crOnlyFileIsReadInLinearTime() {
        func rows(_ count: Int) -> String {
            (1...count).map { "gemm,\($0),128,256,bf16,h100-sxm,1e-5,2e-3" }.joined(separator: "\r") + "\r"
        }
        let text = rows(5_000)
        let clock = ContinuousClock()
        var records: [(cells: [String], line: Int)] = []
        let elapsed = clock.measure { records = CSV.records(text) }
        #expect(records.count == 5_000)
        #expect(records.last?.line == 5_000)
        #expect(records.last?.cells.count == 8)
        #expect(records[4_999].cells[1] == "5000")
        #expect(elapsed < .milliseconds(500), "\(elapsed)")
        // The fastest of three runs of each size, so a busy machine does not decide the ratio:
        // linear reading doubles the time, quadratic reading quadruples it.
        let double = rows(10_000)
        let once = (0..<3).map { _ in clock.measure { _ = CSV.records(text) } }.min() ?? elapsed
        let twice = (0..<3).map { _ in clock.measure { _ = CSV.records(double) } }.min() ?? elapsed
        #expect(twice < once * 3 + .milliseconds(50), "5,000 rows \(once), 10,000 rows \(twice)")
    }
}
