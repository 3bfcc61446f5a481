import Foundation
import YAML

/// Comma-separated values as Joule writes and reads them (RFC 4180 quoting).
///
/// Reading takes the line breaks files really have: LF, CR LF and a lone CR (old Mac files)
/// each end a line, in any mix. U+0085, U+2028 and U+2029 are ordinary characters of a cell,
/// not line breaks (RFC 4180 breaks lines with CR and LF only, and Joule's YAML diagnostics
/// count lines the same way), so a line number means the same line in every Joule message.
/// Columns count Unicode scalars from 1, as libyaml's marks do. Reading is one pass over the
/// UTF-8 bytes: time and memory grow linearly with the text.
public enum CSV {
    /// A cell, quoted when it holds a comma, a quote or a line break (CR or LF).
    public static func quote(_ cell: String) -> String {
        // Bytes, not Foundation's substring search: a sweep quotes every cell of every point.
        let needsQuotes = cell.utf8.contains {
            $0 == comma || $0 == quoteMark || $0 == lineFeed || $0 == carriageReturn
        }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Splits CSV text into records of cells (RFC 4180 quoting; quoted cells may span lines),
    /// each with the 1-based line it starts on. Malformed quoting is read leniently; use
    /// `Reader` to be told about it.
    public static func records(_ text: String) -> [(cells: [String], line: Int)] {
        var reader = Reader(text)
        var records: [(cells: [String], line: Int)] = []
        while let record = reader.next() { records.append((record.cells.map(\.text), record.line)) }
        return records
    }

    /// One cell as read.
    public struct Cell: Sendable, Hashable {
        /// The text: a quoted cell's content (doubled quotes made single, line breaks kept), or
        /// an unquoted cell as written, blanks included.
        public var text: String
        /// Where the cell's first non-blank character is (the opening quote of a quoted cell),
        /// or where the cell starts when it is blank.
        public var mark: SourceMark
        /// Whether the cell was quoted.
        public var quoted: Bool
    }

    /// Something malformed in a record, with where it is.
    public struct Problem: Sendable, Hashable {
        /// Where the fault is.
        public var mark: SourceMark
        /// What is wrong.
        public var message: String
        /// How to put it right.
        public var hint: String?
    }

    /// The cells of one line, or of several when a quoted cell holds a line break.
    public struct Record: Sendable {
        /// The cells kept, at most the reader's `maximumCells`.
        public var cells: [Cell]
        /// How many cells the record has, those past `maximumCells` included.
        public var cellCount: Int
        /// The 1-based line the record starts on.
        public var line: Int
        /// The UTF-8 offsets of the record's text in the input (line break excluded).
        public var bytes: Range<Int>
        /// Malformed quoting and control characters, in text order (at most one per cell).
        public var problems: [Problem]
        /// Where the record ends: the line break after it, or the end of the text.
        public var end: SourceMark

        /// Whether the record is an empty or all-blank line.
        public var isBlank: Bool { cellCount == 1 && !cells[0].quoted && cells[0].text.allSatisfy(CSV.isBlank) }
    }

    /// Reads records one at a time in one pass over the text's UTF-8 bytes.
    public struct Reader: Sendable {
        /// The text's UTF-8 bytes.
        public let bytes: [UInt8]
        /// Cells past this count in a record are counted but not kept.
        public let maximumCells: Int
        /// Whether a line whose first non-blank character is `#` is a comment (skipped whole).
        public let comments: Bool
        private var offset: Int
        private var line = 1
        private var column = 1

        /// A reader over text (a leading byte-order mark is skipped and takes no column).
        public init(_ text: String, maximumCells: Int = .max, comments: Bool = false) {
            self.init(bytes: Array(text.utf8), maximumCells: maximumCells, comments: comments)
        }

        /// A reader over UTF-8 bytes (a leading byte-order mark is skipped and takes no column).
        public init(bytes: [UInt8], maximumCells: Int = .max, comments: Bool = false) {
            self.bytes = bytes
            self.maximumCells = max(1, maximumCells)
            self.comments = comments
            offset = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        }

        /// A reader from a byte offset that starts a 1-based line (where an earlier record began).
        public init(bytes: [UInt8], from offset: Int, line: Int, maximumCells: Int = .max) {
            self.init(bytes: bytes, maximumCells: maximumCells)
            self.offset = max(self.offset, min(offset, bytes.count))
            self.line = line
        }

        /// Where reading has got to: after the last record, the end of the text.
        public var mark: SourceMark { SourceMark(line: line, column: column) }

        /// The next record, or nil at the end of the text.
        public mutating func next() -> Record? {
            while offset < bytes.count {
                if comments && isCommentLine() {
                    skipLine()
                    continue
                }
                return readRecord()
            }
            return nil
        }

        private func isCommentLine() -> Bool {
            var index = offset
            while index < bytes.count, bytes[index] == space || bytes[index] == tab { index += 1 }
            return index < bytes.count && bytes[index] == UInt8(ascii: "#")
        }

        private mutating func skipLine() {
            while offset < bytes.count, bytes[offset] != lineFeed, bytes[offset] != carriageReturn { advance() }
            skipBreak()
        }

        /// Moves past one byte, counting a column for each Unicode scalar's first byte.
        private mutating func advance() {
            offset += 1
            if offset < bytes.count, bytes[offset] & 0xC0 == 0x80 { return }
            column += 1
        }

        /// Moves past a line break (LF, CR LF or CR) at `offset`, if there is one.
        private mutating func skipBreak() {
            guard offset < bytes.count else { return }
            if bytes[offset] == carriageReturn {
                offset += offset + 1 < bytes.count && bytes[offset + 1] == lineFeed ? 2 : 1
            } else if bytes[offset] == lineFeed {
                offset += 1
            } else {
                return
            }
            line += 1
            column = 1
        }

        private mutating func readRecord() -> Record {
            let start = offset
            let startLine = line
            var cells: [Cell] = []
            var cellCount = 0
            var problems: [Problem] = []
            var end = offset
            while true {
                let (cell, problem) = readCell()
                cellCount += 1
                if cells.count < maximumCells { cells.append(cell) }
                if let problem { problems.append(problem) }
                end = offset
                guard offset < bytes.count, bytes[offset] == comma else { break }
                advance()
            }
            let endMark = mark
            skipBreak()
            return Record(
                cells: cells, cellCount: cellCount, line: startLine, bytes: start..<end, problems: problems,
                end: endMark)
        }

        /// Reads one cell up to (not including) the comma or line break that ends it.
        private mutating func readCell() -> (Cell, Problem?) {
            let cellStart = offset
            var mark = SourceMark(line: line, column: column)
            while offset < bytes.count, bytes[offset] == space || bytes[offset] == tab { advance() }
            var problem: Problem?
            guard offset < bytes.count, bytes[offset] == quoteMark else {
                // Unquoted: everything to the next comma or line break, blanks included.
                if offset < bytes.count, !isTerminator(bytes[offset]) { mark = SourceMark(line: line, column: column) }
                while offset < bytes.count, !isTerminator(bytes[offset]) {
                    if problem == nil { problem = controlCharacter(at: offset) }
                    advance()
                }
                return (Cell(text: text(cellStart..<offset), mark: mark, quoted: false), problem)
            }
            mark = SourceMark(line: line, column: column)
            advance()
            var content: [UInt8] = []
            var closed = false
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == quoteMark {
                    advance()
                    guard offset < bytes.count, bytes[offset] == quoteMark else {
                        closed = true
                        break
                    }
                    content.append(quoteMark)
                    advance()
                } else if byte == lineFeed || byte == carriageReturn {
                    let breakStart = offset
                    skipBreak()
                    content += bytes[breakStart..<offset]
                } else {
                    if problem == nil { problem = controlCharacter(at: offset) }
                    content.append(byte)
                    advance()
                }
            }
            guard closed else {
                let unclosed = Problem(
                    mark: mark, message: "a quoted cell is not closed",
                    hint: "end it with \" before the next comma; a quote inside a quoted cell is written twice (\"\")")
                return (Cell(text: String(decoding: content, as: UTF8.self), mark: mark, quoted: true), unclosed)
            }
            // Blanks may follow the closing quote; anything else is kept, and reported.
            let trailingStart = offset
            var trailing: SourceMark?
            while offset < bytes.count, !isTerminator(bytes[offset]) {
                if trailing == nil, bytes[offset] != space, bytes[offset] != tab {
                    trailing = SourceMark(line: line, column: column)
                }
                advance()
            }
            if let trailing {
                content += bytes[trailingStart..<offset]
                if problem == nil {
                    problem = Problem(
                        mark: trailing, message: "text after the closing quote of a cell",
                        hint: "quote the whole cell, e.g. \"4,096 x 4,096\", and write a quote inside it twice (\"\")")
                }
            }
            return (Cell(text: String(decoding: content, as: UTF8.self), mark: mark, quoted: true), problem)
        }

        private func isTerminator(_ byte: UInt8) -> Bool {
            byte == comma || byte == lineFeed || byte == carriageReturn
        }

        /// A control character (C0 other than tab, or DEL) at `index`, as a problem there.
        private func controlCharacter(at index: Int) -> Problem? {
            let byte = bytes[index]
            guard (byte < 0x20 && byte != tab) || byte == 0x7F else { return nil }
            let code = "U+" + String(byte, radix: 16, uppercase: true).leftPadded(to: 4)
            return Problem(
                mark: SourceMark(line: line, column: column), message: "control character \(code) in a cell",
                hint: byte == 0
                    ? "NUL bytes between letters mean UTF-16 text: save the file as UTF-8 CSV"
                    : "a cell holds printable text; remove the character or save the file as plain UTF-8 CSV")
        }

        private func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

        /// The text of the 1-based line `number` of a record (a quoted cell may span lines),
        /// nil when the record does not reach it.
        public func line(_ number: Int, of record: Record) -> String? {
            CSV.line(number - record.line, in: bytes, range: record.bytes)
        }

        /// Every line of a record's text, the first being the record's `line`.
        public func lines(of record: Record) -> [String] {
            var lines: [String] = []
            var start = record.bytes.lowerBound
            var index = start
            while index < record.bytes.upperBound {
                let byte = bytes[index]
                guard byte == lineFeed || byte == carriageReturn else {
                    index += 1
                    continue
                }
                lines.append(String(decoding: bytes[start..<index], as: UTF8.self))
                let pair = byte == carriageReturn && index + 1 < record.bytes.upperBound && bytes[index + 1] == lineFeed
                index += pair ? 2 : 1
                start = index
            }
            lines.append(String(decoding: bytes[start..<record.bytes.upperBound], as: UTF8.self))
            return lines
        }
    }

    /// The `index`-th (0-based) line of `bytes[range]`, split at LF, CR LF and CR.
    static func line(_ index: Int, in bytes: [UInt8], range: Range<Int>) -> String? {
        guard index >= 0 else { return nil }
        var position = range.lowerBound
        var remaining = index
        while remaining > 0 {
            while position < range.upperBound, bytes[position] != lineFeed, bytes[position] != carriageReturn {
                position += 1
            }
            guard position < range.upperBound else { return nil }
            position +=
                bytes[position] == carriageReturn && position + 1 < range.upperBound
                    && bytes[position + 1] == lineFeed ? 2 : 1
            remaining -= 1
        }
        var end = position
        while end < range.upperBound, bytes[end] != lineFeed, bytes[end] != carriageReturn { end += 1 }
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    /// The line and column of a byte offset (a leading byte-order mark takes no column).
    public static func mark(at offset: Int, in bytes: [UInt8]) -> SourceMark {
        var line = 1
        var column = 1
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == lineFeed || byte == carriageReturn {
                index += byte == carriageReturn && index + 1 < end && bytes[index + 1] == lineFeed ? 2 : 1
                line += 1
                column = 1
                continue
            }
            if byte & 0xC0 != 0x80 { column += 1 }
            index += 1
        }
        // Columns count the scalars before the offset; the one the offset is in is the next.
        return SourceMark(line: line, column: max(1, column))
    }

    /// The text of the line a byte offset is on (split at LF, CR LF and CR), with any bytes
    /// that are not UTF-8 shown as U+FFFD.
    public static func lineText(containing offset: Int, in bytes: [UInt8]) -> String? {
        guard offset >= 0, offset <= bytes.count else { return nil }
        var start = min(offset, bytes.count)
        while start > 0, bytes[start - 1] != lineFeed, bytes[start - 1] != carriageReturn { start -= 1 }
        var end = start
        while end < bytes.count, bytes[end] != lineFeed, bytes[end] != carriageReturn { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Whether a character is a blank that unquoted cells may be padded with (space or tab).
    static func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" }

    static let comma = UInt8(ascii: ",")
    static let quoteMark = UInt8(ascii: "\"")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
}

extension String {
    /// Zeros in front up to `width` characters.
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
