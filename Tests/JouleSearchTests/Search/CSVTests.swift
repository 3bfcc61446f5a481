import Testing

@testable import JouleSearch

struct CSVTests {
    /// RFC 4180: a cell with a comma, a quote or a line break is quoted (inner quotes doubled),
    /// any other is written as it is, and reading the line back gives the cells again.
    @Test func cellsAreQuotedOnlyWhenTheyMustBeAndReadBack() {
        let cells = ["plain", "64 KiB", "a,b", "say \"hi\"", "two\nlines", "crlf\r\nend", ""]
        #expect(
            cells.map(CSV.quote) == [
                "plain", "64 KiB", "\"a,b\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "\"crlf\r\nend\"", "",
            ])
        let line = cells.map(CSV.quote).joined(separator: ",") + "\n"
        #expect(CSV.records(line).first?.cells == cells)
    }
}
