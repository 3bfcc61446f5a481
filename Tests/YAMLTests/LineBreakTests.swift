import Testing

@testable import YAML

/// Line numbers in diagnostics agree with libyaml's marks for every line break it counts, and
/// errors libyaml's reader finds (control characters) carry a position too.
struct LineBreakTests {
    struct BreakCase: CustomTestStringConvertible, Sendable {
        var name: String
        var separator: String
        var testDescription: String { name }
    }

    static let breaks = [
        BreakCase(name: "LF", separator: "\n"), BreakCase(name: "CRLF", separator: "\r\n"),
        BreakCase(name: "CR", separator: "\r"), BreakCase(name: "NEL", separator: "\u{85}"),
        BreakCase(name: "LINE SEPARATOR", separator: "\u{2028}"),
        BreakCase(name: "PARAGRAPH SEPARATOR", separator: "\u{2029}"),
    ]

    /// `c: a: b` puts a mapping where none may start: libyaml reports line 3, column 5 — the
    /// same line the shown source must come from, whichever break separates the lines.
    @Test(arguments: breaks)
    func diagnosticsShowTheLineLibyamlCounts(_ testCase: BreakCase) {
        let text = ["a: 1", "b: 2", "c: a: b", "d: 4"].joined(separator: testCase.separator)
        do {
            _ = try YAMLParser().parse(text, path: "f.yaml")
            Issue.record("expected a syntax error")
        } catch {
            let item = error.items.first
            #expect(item?.mark == SourceMark(line: 3, column: 5), "\(String(describing: item?.mark))")
            #expect(item?.sourceLine == "c: a: b")
        }
    }

    /// A comment split by U+2028 puts `design: x` on line 2 of libyaml's count; the source line
    /// shown for a key found there is that line.
    @Test func aLineSeparatorInACommentStartsALine() throws {
        let text = "# note\u{2028}design: x\nname: y\n"
        let root = try #require(try YAMLParser().parse(text, path: "f.yaml"))
        let entry = try #require(root.entries?.first { $0.key == "design" })
        #expect(entry.keyMark == SourceMark(line: 2, column: 1))
        #expect(SourceLines(text).line(2) == "design: x")
        #expect(SourceLines(text).line(3) == "name: y")
    }

    /// A control character is a reader error with a byte offset: it is reported at its own line
    /// and column (line 2, column 9: after `clock: 1`), not at 1:1.
    @Test func aControlCharacterIsReportedWhereItIs() {
        let text = "name: x\nclock: 1\u{01} GHz\n"
        do {
            _ = try YAMLParser().parse(text, path: "f.yaml")
            Issue.record("expected an error")
        } catch {
            let item = error.items.first
            #expect(item?.mark == SourceMark(line: 2, column: 9), "\(String(describing: item?.mark))")
            #expect(item?.message.hasPrefix("control characters are not allowed") == true)
        }
    }
}

/// What follows the first document must still parse, and a key written without a value is
/// reported at the key.
struct DocumentEndTests {
    /// `{"a": 1},` then more text: libyaml finds no document start at line 1, column 9 (the comma).
    @Test func junkAfterTheRootIsAnError() {
        do {
            _ = try YAMLParser().parse("{\"a\": 1},\nb\": 2", path: "f.json")
            Issue.record("expected an error")
        } catch {
            #expect(error.items.first?.mark == SourceMark(line: 1, column: 9), "\(error.items)")
        }
    }

    /// A second document after `---` is allowed and ignored (only the first is read).
    @Test func aSecondDocumentIsIgnored() throws {
        let root = try #require(try YAMLParser().parse("a: 1\n---\nb: 2\n", path: "f.yaml"))
        #expect(root["a"]?.scalar == "1" && root["b"] == nil)
    }

    struct Needs: Decodable {
        enum CodingKeys: String, CodingKey, CaseIterable { case name, size }
        init(from decoder: any Decoder) throws {
            var r = try MappingReader(decoder, keys: CodingKeys.self)
            _ = r.required(.name, String.self, example: "name: x")
            _ = r.required(.size, Int.self, example: "size: 4")
            try r.finish()
        }
    }

    /// `size:` on line 2 has no value: the error is at line 2, column 1; `name` is absent: the
    /// error is at the mapping (line 1, column 1).
    @Test func anEmptyRequiredKeyIsReportedAtTheKey() {
        do {
            _ = try YAMLDecoder().decode(Needs.self, from: "other: 1\nsize:\n", path: "f.yaml")
            Issue.record("expected errors")
        } catch {
            let found = error.items.map { ($0.message, $0.mark) }
            #expect(found.contains { $0.0 == "missing required key 'name'" && $0.1 == SourceMark(line: 1, column: 1) })
            #expect(found.contains { $0.0 == "'size' has no value" && $0.1 == SourceMark(line: 2, column: 1) })
        }
    }
}
