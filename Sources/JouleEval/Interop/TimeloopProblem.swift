import JouleSpec
import YAML

/// A Timeloop problem read from its YAML: `problem: { shape: { dimensions, coefficients,
/// data_spaces }, instance: { bounds and coefficient values } }`.
///
/// Facts of the format are from Timeloop's source (`src/workload/shape-models/problem-shape.cpp`,
/// `src/workload/workload.cpp`): a projection is a list of ranks, each a sum of terms `[dim]` or
/// `[dim, coefficient]` (a flat `[R, P]` is one dimension per rank); a coefficient's value is the
/// instance's, else its default; the data space with `read_write: True` is the output; the
/// bounds are under `instance:`, or beside `shape:` in older files.
struct TimeloopProblem {
    /// One data space, with the role Joule gives it.
    struct DataSpace {
        var name: String
        var mark: SourceMark
        var role: Operand
        /// Index expressions in Joule's form (`P*2 + R`), one per rank.
        var index: [String]
    }

    var name: String
    /// Dimensions in the shape's order, with their bounds.
    var dimensions: [(name: String, bound: Int)] = []
    /// Data spaces in Joule's order: weights, inputs, outputs.
    var dataSpaces: [DataSpace] = []

    /// Dimension names, for suggestions.
    var dimensionNames: [String] { dimensions.map(\.name) }

    /// The role of a data space named in a mapping or a keep/bypass list.
    func role(of name: String) -> Operand? {
        dataSpaces.first { $0.name == name }?.role
    }

    /// Reads the `problem:` of a Timeloop file; every fault is recorded in `source`.
    static func read(_ source: inout TimeloopSource) -> TimeloopProblem? {
        guard let problem = source.root["problem"] else {
            source.error(
                "a Timeloop problem file has a top-level 'problem:' key", at: source.root.mark,
                hint: "problem: { shape: { dimensions: [R, P], data_spaces: [...] }, instance: { R: 3, P: 16 } }")
            return nil
        }
        guard let shape = problem["shape"], shape.entries != nil else {
            source.error(
                "the problem needs a 'shape:' mapping (a named built-in shape cannot be imported)",
                at: (problem["shape"] ?? problem).mark, hint: "shape: { dimensions: [R, P], data_spaces: [...] }")
            return nil
        }
        let instance = problem["instance"] ?? problem
        var result = TimeloopProblem(name: shape["name"]?.scalar ?? "timeloop-problem")
        if let flatten = shape["flatten"] {
            source.error("flattened dimensions cannot be imported", at: flatten.mark)
        }
        // Dimensions and their bounds.
        guard let dimensions = shape["dimensions"] else {
            source.error("the shape has no 'dimensions'", at: shape.mark, hint: "dimensions: [ R, P ]")
            return nil
        }
        for located in source.names(dimensions, "dimensions") {
            let name = located.value
            guard !name.isEmpty, name.allSatisfy(\.isLetter) else {
                source.error("dimension '\(name)' must be letters only", at: located.mark)
                continue
            }
            guard let value = instance[name] else {
                source.error(
                    "dimension \(name) has no bound under 'instance:'", at: (problem["instance"] ?? problem).mark,
                    hint: "instance: { \(name): 16 }")
                continue
            }
            if let bound = source.integer(value, "the bound of \(name)", hint: "\(name): 16") {
                result.dimensions.append((name, bound))
            }
        }
        // Coefficients: defaults, overridden by the instance.
        var coefficients: [String: Int] = [:]
        for item in shape["coefficients"]?.items ?? [] {
            guard let name = item["name"]?.scalar else {
                source.error("a coefficient needs a name", at: item.mark, hint: "{ name: Wstride, default: 1 }")
                continue
            }
            let node = instance[name] ?? item["default"]
            guard let node else {
                source.error("coefficient \(name) has no default and no instance value", at: item.mark)
                continue
            }
            coefficients[name] = source.integer(node, "coefficient \(name)")
        }
        if let densities = instance["densities"] {
            source.error(
                "densities cannot be imported: Joule's problem files model dense tensors", at: densities.mark)
        }
        // Data spaces.
        guard let spaces = shape["data_spaces"]?.items else {
            source.error("the shape needs a list of 'data_spaces'", at: shape.mark)
            return nil
        }
        var outputs: [Int] = []
        var read: [(Int, String)] = []
        for (position, space) in spaces.enumerated() {
            let name = space["name"]?.scalar ?? "space\(position)"
            var index: [String] = []
            if let projection = space["projection"] {
                index = result.projection(projection, coefficients: coefficients, source: &source)
            } else {
                source.error("data space \(name) has no projection", at: space.mark, hint: "projection: [ [ [R] ] ]")
            }
            let readWrite = space["read_write"]?.scalar.map { ["true", "True", "TRUE", "1"].contains($0) } ?? false
            if readWrite { outputs.append(position) } else { read.append((position, name)) }
            result.dataSpaces.append(DataSpace(name: name, mark: space.mark, role: .outputs, index: index))
        }
        guard spaces.count == 3, outputs.count == 1 else {
            source.error(
                "Joule imports einsums of two read data spaces and one read_write output; this shape has "
                    + "\(spaces.count - outputs.count) read and \(outputs.count) read_write",
                at: shape["data_spaces"]?.mark)
            return result
        }
        // The weights are the read data space named like weights (weights, filter, kernel),
        // else the second one listed: for A x B = Z, B (K x N) is the operand held stationary.
        let named = read.first { entry in
            let lower = entry.1.lowercased()
            return lower.contains("weight") || lower.contains("filter") || lower.contains("kernel")
        }
        let weights = named?.0 ?? read[1].0
        for (position, _) in read {
            result.dataSpaces[position].role = position == weights ? .weights : .inputs
        }
        let order: [Operand: Int] = [.weights: 0, .inputs: 1, .outputs: 2]
        result.dataSpaces.sort { (order[$0.role] ?? 0) < (order[$1.role] ?? 0) }
        return result
    }

    /// The ranks of a projection as Joule index expressions.
    private func projection(_ node: YAMLNode, coefficients: [String: Int], source: inout TimeloopSource) -> [String] {
        guard let ranks = node.items, !ranks.isEmpty else {
            source.error("a projection must be a list of ranks", at: node.mark, hint: "projection: [ [ [R], [P] ] ]")
            return []
        }
        var index: [String] = []
        for rank in ranks {
            // A flat projection `[R, P]` is one dimension per rank.
            let terms = rank.scalar != nil ? [YAMLNode(.sequence([rank]), at: rank.mark)] : rank.items ?? []
            var written: [String] = []
            for term in terms {
                guard let parts = term.items, (1...2).contains(parts.count), let dimension = parts[0].scalar else {
                    source.error(
                        "a projection term is [dimension] or [dimension, coefficient]", at: term.mark,
                        hint: "[ [R, Wdilation], [P, Wstride] ]")
                    continue
                }
                guard dimensions.contains(where: { $0.name == dimension }) else {
                    source.error(
                        "projection names dimension '\(dimension)', which the shape does not declare",
                        at: parts[0].mark, hint: Suggestion.hint(for: dimension, among: dimensionNames))
                    continue
                }
                var coefficient = 1
                if parts.count == 2, let name = parts[1].scalar {
                    if let value = coefficients[name] {
                        coefficient = value
                    } else if let literal = Int(name), literal >= 1 {
                        coefficient = literal
                    } else {
                        source.error(
                            "coefficient '\(name)' is not declared under shape.coefficients", at: parts[1].mark,
                            hint: coefficients.isEmpty
                                ? "declare it: coefficients: [ { name: \(name), default: 1 } ]"
                                : Suggestion.hint(for: name, among: Array(coefficients.keys).sorted()))
                        continue
                    }
                }
                written.append(coefficient == 1 ? dimension : "\(dimension)*\(coefficient)")
            }
            if !written.isEmpty { index.append(written.joined(separator: " + ")) }
        }
        return index
    }
}
