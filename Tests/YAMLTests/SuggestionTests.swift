import Testing
import YAML

@Suite struct SuggestionTests {
    struct DistanceCase: Sendable, CustomTestStringConvertible {
        let a: String
        let b: String
        let distance: Int
        var testDescription: String { "\(a) / \(b) = \(distance)" }
    }

    // Textbook Levenshtein pairs, counted by hand.
    static let distances: [DistanceCase] = [
        DistanceCase(a: "kitten", b: "sitting", distance: 3),  // k->s, e->i, +g
        DistanceCase(a: "sitting", b: "kitten", distance: 3),  // symmetric
        DistanceCase(a: "flaw", b: "lawn", distance: 2),  // -f, +n
        DistanceCase(a: "saturday", b: "sunday", distance: 3),  // -a, -t, r->n
        DistanceCase(a: "", b: "abc", distance: 3),
        DistanceCase(a: "abc", b: "", distance: 3),
        DistanceCase(a: "", b: "", distance: 0),
        DistanceCase(a: "bandwidth", b: "bandwidth", distance: 0),
        DistanceCase(a: "bandwith", b: "bandwidth", distance: 1),  // one missing 'd'
        DistanceCase(a: "int7", b: "int8", distance: 1),
    ]

    @Test(arguments: distances)
    func editDistance(_ testCase: DistanceCase) {
        #expect(Suggestion.editDistance(Array(testCase.a), Array(testCase.b)) == testCase.distance)
    }

    struct ClosestCase: Sendable, CustomTestStringConvertible {
        let word: String
        let candidates: [String]
        let expected: String?
        var testDescription: String { "\(word) -> \(expected ?? "nil")" }
    }

    static let closest: [ClosestCase] = [
        ClosestCase(word: "bandwith", candidates: ["size", "bandwidth", "name"], expected: "bandwidth"),
        ClosestCase(word: "SIZE", candidates: ["size", "name"], expected: "size"),  // case-insensitive
        ClosestCase(word: "readenergy", candidates: ["read_energy", "write_energy"], expected: "read_energy"),
        // Too far from anything: "xyzzy" is 5 edits from "size" and "name" (limit max(2, 5/3) = 2).
        ClosestCase(word: "xyzzy", candidates: ["size", "name"], expected: nil),
        ClosestCase(word: "anything", candidates: [], expected: nil),
    ]

    @Test(arguments: closest)
    func closestCandidate(_ testCase: ClosestCase) {
        #expect(Suggestion.closest(to: testCase.word, among: testCase.candidates) == testCase.expected)
    }

    @Test func hintSuggestsOrLists() {
        #expect(Suggestion.hint(for: "bandwith", among: ["bandwidth", "size"]) == "did you mean 'bandwidth'?")
        #expect(Suggestion.hint(for: "qqqqqqq", among: ["bandwidth", "size"]) == "expected one of: bandwidth, size")
    }
}
