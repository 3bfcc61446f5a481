import Testing

@testable import YAML

/// Parses `text` and returns the root, failing the test on any diagnostic.
private func parse(_ text: String) throws -> YAMLNode {
    let root = try YAMLParser().parse(text, path: "test.yaml")
    return try #require(root)
}

/// Parses `text` expecting diagnostics, and returns them.
private func diagnostics(_ text: String, parser: YAMLParser = YAMLParser()) -> [Diagnostic] {
    do {
        _ = try parser.parse(text, path: "test.yaml")
        Issue.record("expected a diagnostic for \(text.prefix(60))")
        return []
    } catch {
        return error.items
    }
}

@Suite struct YAMLParserMarkTests {
    // Columns counted by hand; line 1 is "name: tpu".
    static let document = """
        name: tpu
        list:
          - a
          - b
        map: { x: 1, y: [2, 3] }
        """

    struct MarkCase: CustomTestStringConvertible, Sendable {
        let label: String
        let find: @Sendable (YAMLNode) -> SourceMark?
        let line: Int
        let column: Int
        var testDescription: String { label }
    }

    static let cases: [MarkCase] = [
        MarkCase(label: "root mapping", find: { $0.mark }, line: 1, column: 1),
        MarkCase(label: "key name", find: { $0.entries?.first { $0.key == "name" }?.keyMark }, line: 1, column: 1),
        MarkCase(label: "scalar tpu", find: { $0["name"]?.mark }, line: 1, column: 7),
        MarkCase(label: "key list", find: { $0.entries?.first { $0.key == "list" }?.keyMark }, line: 2, column: 1),
        MarkCase(label: "block sequence (its first dash)", find: { $0["list"]?.mark }, line: 3, column: 3),
        MarkCase(label: "sequence item a", find: { $0["list"]?.items?.first?.mark }, line: 3, column: 5),
        MarkCase(label: "sequence item b", find: { $0["list"]?.items?.last?.mark }, line: 4, column: 5),
        MarkCase(label: "key map", find: { $0.entries?.first { $0.key == "map" }?.keyMark }, line: 5, column: 1),
        MarkCase(label: "flow mapping", find: { $0["map"]?.mark }, line: 5, column: 6),
        MarkCase(label: "flow key x", find: { $0["map"]?.entries?.first?.keyMark }, line: 5, column: 8),
        MarkCase(label: "flow scalar 1", find: { $0["map"]?["x"]?.mark }, line: 5, column: 11),
        MarkCase(label: "flow key y", find: { $0["map"]?.entries?.last?.keyMark }, line: 5, column: 14),
        MarkCase(label: "flow sequence", find: { $0["map"]?["y"]?.mark }, line: 5, column: 17),
        MarkCase(label: "flow item 3", find: { $0["map"]?["y"]?.items?.last?.mark }, line: 5, column: 21),
    ]

    @Test("marks are 1-based line:column", arguments: cases)
    func marks(_ testCase: MarkCase) throws {
        let root = try parse(Self.document)
        let mark = try #require(testCase.find(root))
        #expect(mark == SourceMark(line: testCase.line, column: testCase.column))
    }

    @Test func scalarsKeepTheirTextAndStyle() throws {
        let root = try parse("a: plain\nb: \"quoted\"\nc: ~\nd:\n")
        #expect(root["a"]?.scalar == "plain")
        #expect(root["b"]?.scalar == "quoted")
        guard case .scalar(_, let quotedIsPlain)? = root["b"]?.content,
            case .scalar(_, let plainIsPlain)? = root["a"]?.content
        else {
            Issue.record("a and b should be scalars")
            return
        }
        #expect(!quotedIsPlain)
        #expect(plainIsPlain)
        #expect(root["c"]?.isNull == true)
        #expect(root["d"]?.isNull == true)
        #expect(root["a"]?.isNull == false)
        #expect(root["b"]?.isNull == false)
    }

    /// Explicit tags are kept as written, with the `!` primary handle (Timeloop v0.4 tells its
    /// `!Container` and `!Component` nodes apart by them); untagged nodes have none.
    @Test func explicitTagsAreKept() throws {
        let root = try parse(
            "nodes:\n  - !Container { name: S }\n  - !Component\n    name: B\n  - { name: C }\nx: !Int 3\n")
        let items = try #require(root["nodes"]?.items)
        #expect(items.map(\.tag) == ["!Container", "!Component", nil])
        #expect(items[1]["name"]?.scalar == "B")
        #expect(root["x"]?.tag == "!Int")
        #expect(root["x"]?.scalar == "3")
        #expect(root.tag == nil)
    }

    @Test func markDescriptionAndOrder() {
        #expect(SourceMark(line: 3, column: 14).description == "3:14")
        #expect(SourceMark(line: 2, column: 40) < SourceMark(line: 3, column: 1))
        #expect(SourceMark(line: 3, column: 1) < SourceMark(line: 3, column: 2))
    }

    @Test func emptyStreamHasNoDocument() throws {
        #expect(try YAMLParser().parse("", path: "e.yaml") == nil)
        #expect(try YAMLParser().parse("# only a comment\n", path: "e.yaml") == nil)
    }
}

@Suite struct YAMLParserAliasTests {
    @Test func aliasCopiesTheAnchoredNodeAtTheAliasPosition() throws {
        let root = try parse(
            """
            base: &b
              size: 1
              kind: sram
            ref: *b
            """)
        let ref = try #require(root["ref"])
        #expect(ref["size"]?.scalar == "1")
        #expect(ref["kind"]?.scalar == "sram")
        // "ref: *b": the alias starts at column 6 of line 4.
        #expect(ref.mark == SourceMark(line: 4, column: 6))
    }

    @Test func mergeKeyAddsMissingKeysAndExplicitKeysWin() throws {
        let root = try parse(
            """
            base: &b
              size: 1
              kind: sram
            before:
              size: 2
              <<: *b
            after:
              <<: *b
              size: 3
            """)
        let before = try #require(root["before"])
        let after = try #require(root["after"])
        #expect(before["size"]?.scalar == "2")
        #expect(before["kind"]?.scalar == "sram")
        #expect(after["size"]?.scalar == "3")
        #expect(after["kind"]?.scalar == "sram")
        // The merge key itself is gone and no key appears twice.
        #expect(after.entries?.map(\.key).sorted() == ["kind", "size"])
        #expect(before.entries?.map(\.key).sorted() == ["kind", "size"])
    }

    @Test func mergeOfASequenceLetsEarlierMappingsWin() throws {
        let root = try parse(
            """
            a: &a { x: 1, y: 1 }
            b: &b { y: 2, z: 2 }
            c:
              <<: [*a, *b]
            """)
        let c = try #require(root["c"])
        #expect(c["x"]?.scalar == "1")
        #expect(c["y"]?.scalar == "1")
        #expect(c["z"]?.scalar == "2")
    }

    @Test func mergeOfAScalarIsAnError() {
        let found = diagnostics("a:\n  <<: 3\n")
        #expect(found.count == 1)
        #expect(found.first?.message == "'<<' must merge a mapping or a sequence of mappings")
        #expect(found.first?.mark == SourceMark(line: 2, column: 7))
    }

    @Test func unknownAliasIsAnError() {
        let found = diagnostics("a: *nowhere\n")
        #expect(found.first?.message == "unknown alias '*nowhere'")
        #expect(found.first?.mark == SourceMark(line: 1, column: 4))
    }

    @Test func aliasBombIsStoppedByTheNodeLimit() {
        // Each level doubles the expanded size: 2^20 leaves after 20 levels, far above the limit of 1,000.
        var text = "l0: &l0 [x, x]\n"
        for level in 1...20 { text += "l\(level): &l\(level) [*l\(level - 1), *l\(level - 1)]\n" }
        let found = diagnostics(text, parser: YAMLParser(maximumNodes: 1000))
        #expect(found.count == 1)
        #expect(found.first?.message.contains("expands to more than 1000 nodes") == true)
    }
}

@Suite struct YAMLParserErrorTests {
    @Test func duplicateKeyIsReportedAtTheSecondKey() {
        let found = diagnostics(
            """
            a: 1
            b: 2
            a: 3
            """)
        #expect(found.count == 1)
        #expect(found.first?.message == "duplicate key 'a' (first at line 1)")
        #expect(found.first?.mark == SourceMark(line: 3, column: 1))
        #expect(found.first?.sourceLine == "a: 3")
    }

    @Test func duplicateKeysInANestedFlowMappingAreAllReported() {
        // Line 3 is "level: { size: 1, size: 2 }": the second "size" starts at column 19.
        let found = diagnostics("x: 0\n  \nlevel: { size: 1, size: 2 }\nx: 1\n")
        #expect(found.map(\.mark) == [SourceMark(line: 3, column: 19), SourceMark(line: 4, column: 1)])
    }

    @Test func tabIndentationHasAHintAboutTabs() {
        let found = diagnostics("compute:\n\tarray: 1\n")
        #expect(found.count == 1)
        #expect(found.first?.mark == SourceMark(line: 2, column: 1))
        #expect(found.first?.hint?.contains("tabs") == true)
    }

    @Test func unclosedBracketGivesAPositionAndNamesTheBracket() throws {
        // "holds: [weights, inputs" never closes; libyaml notices at the ':' of "size:" (line 2,
        // column 5) because "inputs size" reads as one multi-line plain scalar.
        let found = diagnostics("holds: [weights, inputs\nsize: 4\n")
        #expect(found.count == 1)
        let diagnostic = try #require(found.first)
        #expect(diagnostic.message.contains("did not find expected ',' or ']'"))
        #expect(diagnostic.mark == SourceMark(line: 2, column: 5))
        #expect(diagnostic.hint?.contains("the '[' at line 1, column 8 is never closed") == true)
    }

    @Test func unclosedBraceNamesTheBrace() throws {
        let found = diagnostics("a: 1\nb: { x: 1, y: 2\n")
        let diagnostic = try #require(found.first)
        #expect(diagnostic.message.contains("did not find expected ',' or '}'"))
        #expect(diagnostic.hint?.contains("the '{' at line 2, column 4 is never closed") == true)
    }

    @Test func nonScalarKeyIsAnError() {
        let found = diagnostics("? [a, b]\n: 1\n")
        #expect(found.first?.message == "a mapping key must be a plain scalar, not a sequence")
        #expect(found.first?.mark == SourceMark(line: 1, column: 3))
    }

    @Test(.timeLimit(.minutes(1)))
    func tenThousandDeepSequenceFailsAtTheDepthLimit() {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let found = diagnostics(text)
        #expect(found.count == 1)
        // The default limit is 256 open collections, so the 257th '[' (column 257) is refused.
        #expect(found.first?.message == "nesting deeper than 256 levels")
        #expect(found.first?.mark == SourceMark(line: 1, column: 257))
    }

    @Test func depthLimitIsConfigurable() throws {
        let text = "a: [[[1]]]\n"  // mapping + 3 sequences = 4 levels
        #expect(try YAMLParser(maximumDepth: 4).parse(text, path: "d.yaml") != nil)
        let found = diagnostics(text, parser: YAMLParser(maximumDepth: 3))
        #expect(found.first?.mark == SourceMark(line: 1, column: 6))
    }

    @Test func sourceLinesSplitLFAndCRLF() {
        let lines = SourceLines("one\r\ntwo\nthree\rfour")
        #expect(lines.line(1) == "one")
        #expect(lines.line(2) == "two")
        #expect(lines.line(3) == "three")
        #expect(lines.line(4) == "four")
        #expect(lines.line(0) == nil)
        #expect(lines.line(5) == nil)
    }

    @Test func crlfFileShowsTheRightSourceLine() {
        let found = diagnostics("a: 1\r\nb: 2\r\na: 3\r\n")
        #expect(found.first?.mark == SourceMark(line: 3, column: 1))
        #expect(found.first?.sourceLine == "a: 3")
    }
}
