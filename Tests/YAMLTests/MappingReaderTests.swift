import Testing
import YAML

/// A small type read with `MappingReader`, as the hardware types are.
private struct Level: Decodable, Equatable {
    var name: String
    var size: Int
    var bandwidth: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, size, bandwidth
    }

    init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let name = reader.required(.name, String.self, example: "name: L1")
        let size = reader.required(.size, Int.self, example: "size: 64")
        bandwidth = reader.optional(.bandwidth, Double.self)
        if let size, size < 1 { reader.error("size must be at least 1", at: .size) }
        try reader.finish()
        self.name = try reader.unwrap(name)
        self.size = try reader.unwrap(size)
    }
}

private struct Levels: Decodable {
    var levels: [Level]
}

private func decodeErrors<T: Decodable>(_ type: T.Type, _ text: String) -> [Diagnostic] {
    do {
        _ = try YAMLDecoder().decode(type, from: text, path: "levels.yaml")
        Issue.record("expected diagnostics")
        return []
    } catch {
        return error.items
    }
}

@Suite struct MappingReaderTests {
    @Test func readsAValidMapping() throws {
        let level = try YAMLDecoder().decode(Level.self, from: "name: L1\nsize: 64\nbandwidth: 2.5\n", path: "l.yaml")
        #expect(level.name == "L1")
        #expect(level.size == 64)
        #expect(level.bandwidth == 2.5)
    }

    @Test func optionalKeyMayBeAbsentOrEmpty() throws {
        let absent = try YAMLDecoder().decode(Level.self, from: "name: L1\nsize: 64\n", path: "l.yaml")
        let empty = try YAMLDecoder().decode(Level.self, from: "name: L1\nsize: 64\nbandwidth:\n", path: "l.yaml")
        #expect(absent.bandwidth == nil)
        #expect(empty.bandwidth == nil)
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let message: String
        let line: Int
        let column: Int
        var testDescription: String { "\(line):\(column) \(message)" }
    }

    @Test func collectsEveryErrorOfOneMappingInOnePass() throws {
        // Three independent faults: "name" missing (reported at the mapping, 1:1), "big" is not an
        // integer (1:7), and "bandwith" is not a key (2:1).
        let found = decodeErrors(Level.self, "size: big\nbandwith: 3\n")
        let expected = [
            ErrorCase(message: "missing required key 'name'", line: 1, column: 1),
            ErrorCase(message: "expected an integer, found 'big'", line: 1, column: 7),
            ErrorCase(message: "unknown key 'bandwith'", line: 2, column: 1),
        ]
        #expect(found.count == expected.count)
        for (diagnostic, want) in zip(found, expected) {
            #expect(diagnostic.message == want.message)
            #expect(diagnostic.mark == SourceMark(line: want.line, column: want.column))
            #expect(diagnostic.path == "levels.yaml")
        }
        #expect(found.first?.hint == "add it, for example: name: L1")
        #expect(found.last?.hint == "did you mean 'bandwidth'?")
    }

    @Test func unknownKeyFarFromEveryKeyListsTheKeys() {
        let found = decodeErrors(Level.self, "name: L1\nsize: 64\nxyzzy: 1\n")
        #expect(found.count == 1)
        #expect(found.first?.message == "unknown key 'xyzzy'")
        #expect(found.first?.hint == "expected one of: name, size, bandwidth")
        #expect(found.first?.mark == SourceMark(line: 3, column: 1))
    }

    @Test func errorsAtKeysPointAtTheirValues() {
        let found = decodeErrors(Level.self, "name: L1\nsize:   0\n")
        #expect(found.map(\.message) == ["size must be at least 1"])
        #expect(found.first?.mark == SourceMark(line: 2, column: 9))
    }

    @Test func errorsOfSeveralNestedMappingsAreAllReportedInFileOrder() {
        let found = decodeErrors(
            Levels.self,
            """
            levels:
              - name: A
                size: 0
              - size: 4
                bandwith: 1
            """)
        #expect(
            found.map(\.mark) == [
                SourceMark(line: 3, column: 11), SourceMark(line: 4, column: 5), SourceMark(line: 5, column: 5),
            ])
        #expect(
            found.map(\.message) == [
                "size must be at least 1", "missing required key 'name'", "unknown key 'bandwith'",
            ])
    }

    @Test func everyBadEntryOfADictionaryOrSetIsReported() {
        struct Table: Decodable {
            enum CodingKeys: String, CodingKey, CaseIterable { case counts, tags }
            init(from decoder: any Decoder) throws {
                var reader = try MappingReader(decoder, keys: CodingKeys.self)
                _ = reader.optional(.counts, [String: Int].self)
                _ = reader.optional(.tags, Set<Int>.self)
                try reader.finish()
            }
        }
        let found = decodeErrors(Table.self, "counts: { a: x, b: 2, c: y }\ntags: [1, two, 3, four]\n")
        #expect(
            found.map(\.message) == [
                "expected an integer, found 'x'", "expected an integer, found 'y'", "expected an integer, found 'two'",
                "expected an integer, found 'four'",
            ])
        #expect(
            found.map(\.mark) == [
                SourceMark(line: 1, column: 14), SourceMark(line: 1, column: 26), SourceMark(line: 2, column: 11),
                SourceMark(line: 2, column: 19),
            ])
    }

    @Test func aMappingIsRequired() {
        let found = decodeErrors(Level.self, "- name: L1\n")
        #expect(found.map(\.message) == ["expected a mapping, found a sequence"])
        #expect(found.first?.mark == SourceMark(line: 1, column: 1))
    }

    @Test func anEmptyDocumentIsAnErrorAtTheStartOfTheFile() {
        let found = decodeErrors(Level.self, "# nothing here\n")
        #expect(found.map(\.message) == ["the file is empty; expected a mapping"])
        #expect(found.first?.mark == SourceMark(line: 1, column: 1))
    }
}
