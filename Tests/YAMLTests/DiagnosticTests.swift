import Testing
import YAML

@Suite struct DiagnosticTests {
    @Test func headlineIsPathLineColumnErrorMessage() {
        let diagnostic = Diagnostic(path: "hw.yaml", mark: SourceMark(line: 3, column: 9), message: "bad size")
        #expect(diagnostic.headline == "hw.yaml:3:9: error: bad size")
    }

    @Test func headlineWithoutAMarkNamesOnlyThePath() {
        let diagnostic = Diagnostic(path: "hw.yaml", mark: nil, message: "cannot read the file")
        #expect(diagnostic.headline == "hw.yaml: error: cannot read the file")
        #expect(diagnostic.description == "hw.yaml: error: cannot read the file")
    }

    @Test func descriptionShowsTheLineACaretAndTheHint() {
        let diagnostic = Diagnostic(
            path: "hw.yaml", mark: SourceMark(line: 3, column: 9), message: "bad size", hint: "size: 64 KiB",
            sourceLine: "  size: 3 GB/s")
        // Four spaces of indent, then the line; the caret is under column 9 (8 spaces, then ^).
        let expected = """
            hw.yaml:3:9: error: bad size
                  size: 3 GB/s
                        ^
                note: size: 64 KiB
            """
        #expect(diagnostic.description == expected)
    }

    @Test func caretUnderColumnOne() {
        let diagnostic = Diagnostic(path: "a.yaml", mark: SourceMark(line: 1, column: 1), message: "m", sourceLine: "x")
        #expect(diagnostic.description == "a.yaml:1:1: error: m\n    x\n    ^")
    }

    @Test func tabsInTheSourceLineKeepTheCaretAligned() {
        let diagnostic = Diagnostic(
            path: "t.yaml", mark: SourceMark(line: 2, column: 2), message: "m", sourceLine: "\tarray: 1")
        #expect(diagnostic.description == "t.yaml:2:2: error: m\n     array: 1\n     ^")
    }

    @Test func parserDiagnosticPutsTheCaretUnderTheDuplicateKey() throws {
        do {
            _ = try YAMLParser().parse("level:\n  size: 1\n  size: 2\n", path: "dup.yaml")
            Issue.record("expected a duplicate-key error")
        } catch {
            let diagnostic = try #require(error.items.first)
            let lines = diagnostic.description.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0] == "dup.yaml:3:3: error: duplicate key 'size' (first at line 2)")
            #expect(lines[1] == "      size: 2")
            #expect(lines[2] == "      ^")
            #expect(lines[3] == "    note: each key may appear once in a mapping")
        }
    }

    @Test func diagnosticsAreSortedDeduplicatedAndCounted() {
        let late = Diagnostic(path: "a.yaml", mark: SourceMark(line: 9, column: 1), message: "late")
        let early = Diagnostic(path: "a.yaml", mark: SourceMark(line: 2, column: 5), message: "early")
        let other = Diagnostic(path: "b.yaml", mark: SourceMark(line: 1, column: 1), message: "other file")
        let all = Diagnostics([other, late, early, late])
        #expect(all.items.map(\.message) == ["early", "late", "other file"])
        #expect(all.description.hasSuffix("\n3 errors"))
        #expect(Diagnostics([early]).description == "a.yaml:2:5: error: early\n1 error")
    }

    @Test func flattenKeepsPositions() {
        let one = Diagnostic(path: "a.yaml", mark: SourceMark(line: 2, column: 3), message: "m")
        #expect(Diagnostics.flatten(one, path: "x") == [one])
        #expect(Diagnostics.flatten(Diagnostics([one, one]), path: "x") == [one])
        struct Other: Error {}
        let flattened = Diagnostics.flatten(Other(), path: "x.yaml")
        #expect(flattened.count == 1)
        #expect(flattened.first?.path == "x.yaml")
        #expect(flattened.first?.mark == nil)
    }
}
