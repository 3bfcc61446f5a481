import Foundation
import Testing
import YAML

@testable import JouleSpec

/// One expected diagnostic: a substring of its message, where it points, and optionally a
/// substring of its hint. Positions are counted by hand from the corpus file.
struct ExpectedDiagnostic: Sendable, CustomStringConvertible {
    let message: String
    let line: Int
    let column: Int
    var hint: String?

    var description: String { "\(line):\(column) \(message)" }
}

/// A file of `Tests/Corpus/hardware/` and every diagnostic it must produce (nothing more).
struct BrokenFile: Sendable, CustomTestStringConvertible {
    let name: String
    let expected: [ExpectedDiagnostic]

    init(_ name: String, _ expected: ExpectedDiagnostic...) {
        self.name = name
        self.expected = expected
    }

    var testDescription: String { name }
    var path: String { hardwareCorpusFolder.appendingPathComponent(name + ".yaml").path }
}

private func loadErrors(_ path: String) -> [Diagnostic] {
    do {
        let accelerator = try Catalog.decode(Accelerator.self, path: path)
        Issue.record("\(path) decoded as \(accelerator.name)")
        return []
    } catch {
        return error.items
    }
}

@Suite struct BrokenHardwareTests {
    static let corpus: [BrokenFile] = [
        BrokenFile("empty", ExpectedDiagnostic(message: "the file is empty; expected a mapping", line: 1, column: 1)),
        BrokenFile(
            "array-too-large",
            ExpectedDiagnostic(message: "rows must be from 1 to 65536, found 4294967296", line: 6, column: 18),
            ExpectedDiagnostic(message: "cols must be from 1 to 65536, found 4294967296", line: 6, column: 36),
            ExpectedDiagnostic(
                message: "macs_per_pe_per_cycle must be from 1 to 65536, found 4294967296", line: 7, column: 26)),
        BrokenFile(
            "not-a-mapping", ExpectedDiagnostic(message: "expected a mapping, found a sequence", line: 2, column: 1)),
        BrokenFile(
            "tab-indentation",
            ExpectedDiagnostic(
                message: "found character that cannot start any token", line: 6, column: 1,
                hint: "YAML indents with spaces, never tabs")),
        // libyaml notices at the ':' of "bandwidth:" on the next line; the hint points back at the '['.
        BrokenFile(
            "unclosed-bracket",
            ExpectedDiagnostic(
                message: "did not find expected ',' or ']' while parsing a flow sequence", line: 17, column: 14,
                hint: "the '[' at line 16, column 12 is never closed")),
        BrokenFile(
            "unknown-key",
            ExpectedDiagnostic(
                message: "unknown key 'bandwith'", line: 13, column: 5, hint: "did you mean 'bandwidth'?")),
        // A missing key is reported at the mapping it belongs in: the top level starts at line 2.
        BrokenFile(
            "missing-clock",
            ExpectedDiagnostic(
                message: "missing required key 'clock'", line: 2, column: 1, hint: "add it, for example: clock: 700 MHz"
            )
        ),
        BrokenFile(
            "bare-number-energy",
            ExpectedDiagnostic(
                message: "expected an energy with a unit, found the bare number 0.3", line: 8, column: 11,
                hint: "for example: '0.2 pJ'")),
        BrokenFile(
            "wrong-unit-kind",
            ExpectedDiagnostic(
                message: "expected a bandwidth, but '3 GB' is a size in bytes", line: 13, column: 16,
                hint: "for example: '34 GB/s'")),
        BrokenFile(
            "negative-size", ExpectedDiagnostic(message: "size must be positive, found -1 MiB", line: 15, column: 11)),
        BrokenFile("zero-size", ExpectedDiagnostic(message: "size must be positive, found 0 B", line: 15, column: 11)),
        BrokenFile(
            "non-integer-instances",
            ExpectedDiagnostic(message: "expected an integer, found '2.5'", line: 18, column: 16)),
        BrokenFile(
            "instances-not-dividing",
            ExpectedDiagnostic(
                message: "4 instances of 'PE' do not divide evenly among the 3 instances of 'Buffer' above it",
                line: 19, column: 16, hint: "use a multiple of 3")),
        BrokenFile(
            "duplicate-level-names",
            ExpectedDiagnostic(
                message: "duplicate memory level name 'Buffer' (first at line 14)", line: 17, column: 11)),
        // Reported at the memory list (its first '-').
        BrokenFile(
            "operand-not-held",
            ExpectedDiagnostic(message: "no memory level holds outputs", line: 10, column: 3, hint: "holds:")),
        BrokenFile("unknown-precision", ExpectedDiagnostic(message: "unknown precision 'int7'", line: 8, column: 5)),
        BrokenFile(
            "unknown-node",
            ExpectedDiagnostic(
                message: "unknown technology node '3 nm'", line: 3, column: 13, hint: "supported nodes: 5 nm, 7 nm")),
        BrokenFile(
            "unknown-weight-preload",
            ExpectedDiagnostic(
                message: "unknown weight preload 'overlaped'", line: 7, column: 19,
                hint: "did you mean 'overlapped'?")),
        BrokenFile(
            "weight-preload-on-parallel",
            ExpectedDiagnostic(
                message: "weight_preload applies only to a systolic array; this array is parallel", line: 7,
                column: 19, hint: "add kind: systolic")),
        BrokenFile(
            "weight-preload-default-parallel",
            ExpectedDiagnostic(
                message: "weight_preload applies only to a systolic array; this array is parallel", line: 8,
                column: 19, hint: "add kind: systolic")),
        // Three independent faults in three places (top level, first and last memory level), all at once.
        BrokenFile(
            "three-errors",
            ExpectedDiagnostic(message: "missing required key 'clock'", line: 2, column: 1),
            ExpectedDiagnostic(message: "expected a bandwidth, but '3 GB' is a size in bytes", line: 12, column: 16),
            ExpectedDiagnostic(message: "expected an integer, found '2.5'", line: 17, column: 16)),
    ]

    @Test(arguments: corpus)
    func brokenFileGivesItsDiagnostics(_ file: BrokenFile) throws {
        let found = loadErrors(file.path)
        #expect(
            found.count == file.expected.count,
            "\(file.name): \(found.map { "\($0.mark?.description ?? "-") \($0.message)" })")
        for (diagnostic, expected) in zip(found, file.expected) {
            #expect(diagnostic.path == file.path)
            #expect(diagnostic.message.contains(expected.message), "\(diagnostic.message)")
            #expect(diagnostic.mark == SourceMark(line: expected.line, column: expected.column), "\(expected)")
            if let hint = expected.hint {
                #expect(diagnostic.hint?.contains(hint) == true, "\(diagnostic.hint ?? "no hint")")
            }
            // The rendered form is a compiler-style headline followed by the line and a caret.
            #expect(diagnostic.headline.hasPrefix("\(file.path):\(expected.line):\(expected.column): error: "))
        }
    }

    @Test func everyCorpusFileIsInTheTable() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: hardwareCorpusFolder.path)
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
        #expect(Set(files) == Set(Self.corpus.map(\.name)))
    }

    @Test func caretSitsUnderTheFault() throws {
        // "    bandwidth: 3 GB": the value starts at column 16, so 15 spaces precede the caret.
        let found = loadErrors(hardwareCorpusFolder.appendingPathComponent("wrong-unit-kind.yaml").path)
        let lines = try #require(found.first).description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count >= 3)
        #expect(lines[1] == "        bandwidth: 3 GB")
        #expect(lines[2] == "    " + String(repeating: " ", count: 15) + "^")
    }
}

/// SplitMix64: a small seeded generator, so the random file is the same on every run.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct HostileHardwareInputTests {
    private static func randomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(state: seed)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let word = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < count {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }

    private static func temporaryFile(_ name: String, _ data: Data) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joule-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    /// Where the first byte that is not valid UTF-8 sits, as 1-based line and column.
    private static func firstInvalidUTF8(_ bytes: [UInt8]) -> SourceMark? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar):
                offset += scalar.count
            case .emptyInput:
                return nil
            case .error:
                let prefix = String(decoding: bytes[..<offset], as: UTF8.self)
                let lines = prefix.split(separator: "\n", omittingEmptySubsequences: false)
                return SourceMark(line: lines.count, column: (lines.last?.count ?? 0) + 1)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func tenMegabytesOfRandomBytesGiveADiagnostic() throws {
        let bytes = Self.randomBytes(count: 10 << 20, seed: 2024)
        let url = try Self.temporaryFile("random.yaml", Data(bytes))
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let found = loadErrors(url.path)
        #expect(found.count == 1)
        #expect(found.first?.message == "the file is not UTF-8 text")
        let expected = try #require(Self.firstInvalidUTF8(bytes))
        #expect(found.first?.mark == expected)
    }

    @Test(.timeLimit(.minutes(2)))
    func tenMegabytesOfRandomTextGiveADiagnostic() {
        // The same bytes with invalid UTF-8 replaced: valid text, but full of control characters.
        let text = String(decoding: Self.randomBytes(count: 10 << 20, seed: 2024), as: UTF8.self)
        do {
            _ = try YAMLDecoder().decode(Accelerator.self, from: text, path: "random.yaml")
            Issue.record("random text decoded")
        } catch {
            #expect(!error.items.isEmpty)
            #expect(error.items.allSatisfy { $0.mark != nil })
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func tenThousandDeepNestedSequenceGivesADiagnostic() throws {
        let depth = 10_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n"
        let url = try Self.temporaryFile("deep.yaml", Data(text.utf8))
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        let found = loadErrors(url.path)
        #expect(found.count == 1)
        #expect(found.first?.message == "nesting deeper than 256 levels")
        // The 257th '[' is refused.
        #expect(found.first?.mark == SourceMark(line: 1, column: 257))
    }

    @Test(.timeLimit(.minutes(1)))
    func tenThousandDeepNestedMappingUnderAKeyGivesADiagnostic() {
        let depth = 10_000
        let text =
            "name: deep\nmemory: " + String(repeating: "{a: ", count: depth) + "1"
            + String(repeating: "}", count: depth)
        do {
            _ = try YAMLDecoder().decode(Accelerator.self, from: text, path: "deep.yaml")
            Issue.record("deep mapping decoded")
        } catch {
            #expect(error.items.map(\.message) == ["nesting deeper than 256 levels"])
            // The top-level mapping is level 1; "{a: " is 4 characters from column 9 of line 2,
            // so the 256th brace (level 257) is at 9 + 255 x 4 = 1029.
            #expect(error.items.first?.mark == SourceMark(line: 2, column: 1029))
        }
    }
}
