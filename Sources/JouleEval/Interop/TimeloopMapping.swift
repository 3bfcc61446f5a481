import JouleSpec
import YAML

/// A Timeloop mapping read from its YAML: `mapping: [ {target, type, factors, permutation,
/// split, keep, bypass} ]`, turned into Joule's loop nest over the architecture's storage levels.
///
/// Facts of the format are from Timeloop's source (`src/mapping/parser.cpp`): factors are
/// `R=3 P=16` (also `R3`; 0 means the whole dimension; `K=4,3` gives a residual), a factor left
/// out is 1; a permutation lists dimensions innermost first, and the ones it leaves out come
/// after (outer); a spatial directive's first `split` dimensions of the permutation go along X,
/// the rest along Y (all X by default); `keep`/`bypass` name data spaces, and a data space a
/// directive does not name is kept; loops of bound 1 are dropped.
struct TimeloopMapping {
    /// The nest, one entry per storage level, outermost first.
    var levels: [LevelMapping]
    /// Where each level's directives are, for errors the analysis finds later.
    var levelMarks: [SourceMark?]
    /// Where the last factor of each dimension was written.
    var factorMarks: [Int: SourceMark] = [:]

    /// Reads `mapping:`; every fault is recorded in `source`.
    static func read(
        _ source: inout TimeloopSource, problem: TimeloopProblem, architecture: TimeloopArchitecture
    ) -> TimeloopMapping? {
        let root = source.root["mapping"] ?? source.root
        guard let directives = root.items else {
            source.error(
                "a Timeloop mapping file has 'mapping:' with a list of directives", at: root.mark,
                hint: "mapping: [ { target: Buffer, type: temporal, factors: R=3 P=16, permutation: RP } ]")
            return nil
        }
        let names = architecture.storages.map(\.name)
        let count = names.count
        var result = TimeloopMapping(
            levels: Array(repeating: LevelMapping(), count: count), levelMarks: Array(repeating: nil, count: count))
        var products = Array(repeating: 1, count: problem.dimensions.count)
        var seen: Set<String> = []
        for directive in directives {
            guard let targetNode = directive["target"], let target = targetNode.scalar else {
                source.error("a mapping directive needs a target", at: directive.mark, hint: "target: Buffer")
                continue
            }
            let type = directive["type"]?.scalar ?? "temporal"
            let level: Int
            if let storage = names.firstIndex(of: target) {
                level = storage
            } else if let above = architecture.containers[target], above >= 0 {
                // A container holds nothing: its spatial loops fan out from the level above;
                // temporal loops of bound 1 and bypasses (timeloopfe writes both) change nothing.
                guard type == "spatial" else {
                    let factors = result.factors(directive["factors"], problem: problem, source: &source)
                    if let (d, _) = factors.first(where: { $0.value > 1 }) {
                        source.error(
                            "\(target) holds no data, so it cannot run temporal loops over \(problem.dimensionNames[d])",
                            at: result.factorMarks[d] ?? directive.mark)
                    }
                    continue
                }
                level = above
            } else {
                source.error(
                    "target '\(target)' is not a storage level of the architecture", at: targetNode.mark,
                    hint: Suggestion.hint(for: target, among: names))
                continue
            }
            if result.levelMarks[level] == nil { result.levelMarks[level] = directive.mark }
            switch type {
            case "temporal", "spatial":
                if !seen.insert("\(type) \(level)").inserted {
                    source.error("a second \(type) directive for \(names[level])", at: directive.mark)
                    continue
                }
                let factors = result.factors(directive["factors"], problem: problem, source: &source)
                for (dimension, factor) in factors {
                    products[dimension] = TimeloopSource.product(products[dimension], factor)
                }
                let order = permutation(directive["permutation"], problem: problem, source: &source)
                // Innermost first in Timeloop; Joule lists loops outermost first.
                let loops = order.compactMap { d in factors[d].map { Loop(d, $0) } }.filter { $0.bound > 1 }
                if type == "temporal" {
                    result.levels[level].temporal = loops.reversed()
                } else {
                    var split = order.count
                    if let node = directive["split"] { split = source.integer(node, "split", minimum: 0) ?? split }
                    let along = order.enumerated().compactMap { position, d -> (Bool, Loop)? in
                        guard let bound = factors[d], bound > 1 else { return nil }
                        return (position < split, Loop(d, bound))
                    }
                    result.levels[level].spatialX = along.filter(\.0).map(\.1).reversed()
                    result.levels[level].spatialY = along.filter { !$0.0 }.map(\.1).reversed()
                }
            case "bypass", "dataspace", "datatype":
                for name in source.names(directive["bypass"] ?? YAMLNode(.sequence([]), at: directive.mark), "bypass") {
                    if let role = problem.role(of: name.value) {
                        result.levels[level].bypass.insert(role)
                    } else {
                        source.error(
                            "bypass names data space '\(name.value)', which the problem lacks", at: name.mark,
                            hint: Suggestion.hint(for: name.value, among: problem.dataSpaces.map(\.name)))
                    }
                }
                for name in source.names(directive["keep"] ?? YAMLNode(.sequence([]), at: directive.mark), "keep")
                where problem.role(of: name.value) == nil {
                    source.error(
                        "keep names data space '\(name.value)', which the problem lacks", at: name.mark,
                        hint: Suggestion.hint(for: name.value, among: problem.dataSpaces.map(\.name)))
                }
            default:
                source.error(
                    "unknown directive type '\(type)'", at: directive["type"]?.mark ?? directive.mark,
                    hint: Suggestion.hint(for: type, among: ["temporal", "spatial", "bypass"]))
            }
        }
        for (d, dimension) in problem.dimensions.enumerated() where products[d] != dimension.bound {
            source.error(
                "the factors of \(dimension.name) multiply to \(products[d]), not its bound \(dimension.bound)",
                at: result.factorMarks[d] ?? root.mark,
                hint: "Timeloop and Joule both need every dimension's factors to multiply to its bound")
        }
        return result
    }

    /// `factors: R=3 P=16` (or a list of such words): factor by dimension index.
    private mutating func factors(
        _ node: YAMLNode?, problem: TimeloopProblem, source: inout TimeloopSource
    ) -> [Int: Int] {
        guard let node else { return [:] }
        var words: [(Substring, YAMLNode)] = []
        for item in node.items ?? [node] {
            for word in Self.words(item.scalar ?? "") { words.append((word, item)) }
        }
        var result: [Int: Int] = [:]
        for (word, owner) in words {
            let mark = source.mark(of: word, in: owner)
            let letters = word.prefix { $0.isLetter }
            var rest = word.dropFirst(letters.count)
            if rest.first == "=" { rest = rest.dropFirst() }
            guard !letters.isEmpty else {
                source.error(
                    "factor '\(word)' does not name a dimension", at: mark, hint: "write DIMENSION=FACTOR, e.g. R=3")
                continue
            }
            guard let d = problem.dimensionNames.firstIndex(of: String(letters)) else {
                source.error(
                    "factor '\(word)' names dimension \(letters), which the problem lacks", at: mark,
                    hint: "the problem's dimensions are " + problem.dimensionNames.joined(separator: ", "))
                continue
            }
            if rest.contains(",") {
                source.error(
                    "factor '\(word)' has a residual; Joule pads imperfect tiles instead and cannot express it",
                    at: mark, hint: "give factors that divide the bound")
                continue
            }
            guard let value = Int(rest), value >= 0, value <= TimeloopSource.largestInteger else {
                source.error(
                    "factor '\(word)' must be a whole number", at: mark,
                    hint: "\(letters)=\(problem.dimensions[d].bound)")
                continue
            }
            // parser.cpp: a factor of 0 means the whole dimension.
            result[d] = value == 0 ? problem.dimensions[d].bound : value
            factorMarks[d] = mark
        }
        return result
    }

    /// The factor words of `R=3 P=16` or `R=1,P=1,K=16`: parser.cpp's pattern
    /// `([A-Za-z]+)\s*=*\s*([0-9]+)(,([0-9]+))?` reads a comma before a letter as a separator
    /// and a comma before digits as a residual, so words split at whitespace and at commas
    /// followed by a letter.
    static func words(_ text: String) -> [Substring] {
        var result: [Substring] = []
        for word in text.split(whereSeparator: \.isWhitespace) {
            var start = word.startIndex
            var index = word.startIndex
            while index < word.endIndex {
                let next = word.index(after: index)
                if word[index] == ",", next < word.endIndex, word[next].isLetter {
                    if start < index { result.append(word[start..<index]) }
                    start = next
                }
                index = next
            }
            if start < word.endIndex { result.append(word[start...]) }
        }
        return result
    }

    /// `permutation: RPK` (innermost first) or a list; left-out dimensions go outermost.
    private static func permutation(
        _ node: YAMLNode?, problem: TimeloopProblem, source: inout TimeloopSource
    ) -> [Int] {
        var order: [Int] = []
        var names: [(String, SourceMark)] = []
        if let node, let text = node.scalar {
            for character in text where !character.isWhitespace {
                names.append((String(character), source.mark(of: Substring(String(character)), in: node)))
            }
        } else if let items = node?.items {
            names = items.compactMap { item in item.scalar.map { ($0, item.mark) } }
        }
        for (name, mark) in names {
            guard let d = problem.dimensionNames.firstIndex(of: name) else {
                source.error(
                    "permutation names dimension \(name), which the problem lacks", at: mark,
                    hint: "the problem's dimensions are " + problem.dimensionNames.joined(separator: ", "))
                continue
            }
            if !order.contains(d) { order.append(d) }
        }
        for d in problem.dimensions.indices where !order.contains(d) { order.append(d) }
        return order
    }
}
