import JouleSpec
import YAML

/// An einsum written in a file (`joule eval op HARDWARE --problem FILE`): named dimensions with
/// bounds, and one operand per role with an index expression per tensor axis.
///
/// ```yaml
/// name: conv1d
/// dimensions: { K: 32, R: 3, P: 16 }          # in loop order; bounds at least 1
/// operands:
///   - { name: Weights, role: weights, index: [K, R], precision: int8 }
///   - { name: Inputs, role: inputs, index: ["P*2 + R"], precision: int8 }   # stride 2
///   - { name: Outputs, role: outputs, index: [K, P], precision: int32 }
/// density: 1                                   # optional: the fraction computed
/// accumulator: int32                           # optional: partial sums' format (default: the output's)
/// ```
///
/// An index is a sum of terms, each a dimension with an optional positive integer coefficient
/// (`P*2 + R` is a stride, `Q + S*2` a dilation); dimension names match case-insensitively.
public struct ProblemFile: Sendable {
    /// The problem's name, for reports.
    public var name: String
    /// The einsum, with the operands in the order the cost model expects (weights, inputs, outputs).
    public var problem: Problem
    /// The MAC precision: the wider of the two operands read.
    public var macPrecision: Precision

    /// Loads and checks a problem file; every error carries its position.
    public static func load(_ path: String) throws(Diagnostics) -> ProblemFile {
        let file = try Catalog.decode(Description.self, path: path)
        return ProblemFile(name: file.name, problem: file.problem, macPrecision: file.macPrecision)
    }

    /// Reads a problem from text (`path` names it in diagnostics).
    public static func parse(_ text: String, path: String) throws(Diagnostics) -> ProblemFile {
        let file = try YAMLDecoder().decode(Description.self, from: text, path: path)
        return ProblemFile(name: file.name, problem: file.problem, macPrecision: file.macPrecision)
    }

    /// The most dimensions a problem may have (an operand's relevance is a 32-bit mask).
    public static let maximumDimensions = 16
    /// The largest bound of one dimension.
    public static let maximumBound = 1 << 31

    /// The file's contents, decoded and checked.
    struct Description: Decodable {
        var name: String
        var problem: Problem
        var macPrecision: Precision

        enum CodingKeys: String, CodingKey, CaseIterable { case name, dimensions, operands, density, accumulator }

        struct OperandEntry: Decodable {
            var name: Located<String>?
            var role: Located<Operand>
            var index: [Located<String>]
            var precision: Precision

            enum CodingKeys: String, CodingKey, CaseIterable { case name, role, index, precision }

            init(from decoder: any Decoder) throws {
                var r = try MappingReader(decoder, keys: CodingKeys.self)
                name = r.optional(.name, Located<String>.self)
                let role = r.required(.role, Located<Operand>.self, example: "role: weights")
                let index = r.required(.index, [Located<String>].self, example: "index: [K, \"P + R\"]")
                let precision = r.required(.precision, Precision.self, example: "precision: int8")
                if let index, index.isEmpty { r.error("an operand needs at least one index", at: .index) }
                try r.finish()
                self.role = try r.unwrap(role)
                self.index = try r.unwrap(index)
                self.precision = try r.unwrap(precision)
            }
        }

        init(from decoder: any Decoder) throws {
            var r = try MappingReader(decoder, keys: CodingKeys.self)
            let name = r.required(.name, String.self, example: "name: conv1d")
            let operands = r.required(
                .operands, [OperandEntry].self,
                example: "operands: [ { role: weights, index: [K, R], precision: int8 }, ... ]")
            let density = r.optional(.density, Double.self) ?? 1
            if !(density > 0 && density <= 1) { r.error("density must be in (0, 1], found \(density)", at: .density) }
            let accumulator = r.optional(.accumulator, Precision.self)
            var dimensions: [(name: String, bound: Int)] = []
            if let node = decoder.yamlNode?["dimensions"], !node.isNull {
                Self.readDimensions(node, into: &dimensions, reader: &r)
            } else {
                r.missing(.dimensions, example: "dimensions: { K: 32, R: 3, P: 16 }")
            }
            var ordered: [ProblemOperand?] = [nil, nil, nil]
            var precisions: [Operand: Precision] = [:]
            if let operands {
                Self.readOperands(operands, dimensions: dimensions, into: &ordered, precisions: &precisions, reader: &r)
            }
            try r.finish()
            self.name = try r.unwrap(name)
            problem = Problem(
                dimensions: dimensions.map(\.name), bounds: dimensions.map(\.bound),
                operands: try ordered.map { operand throws(Diagnostics) in try r.unwrap(operand) }, density: density,
                accumulatorBits: accumulator?.storageBits)
            let read = [precisions[.weights], precisions[.inputs]].compactMap { $0 }
            macPrecision = try r.unwrap(read.count == 2 ? PrecisionConfig.macPrecision(read[1], read[0]) : nil)
        }

        /// The `dimensions` mapping, in file order: identifiers with bounds from 1 to 2^31.
        private static func readDimensions(
            _ node: YAMLNode, into dimensions: inout [(name: String, bound: Int)],
            reader r: inout MappingReader<CodingKeys>
        ) {
            guard let entries = node.entries, !entries.isEmpty else {
                r.error(
                    "dimensions must be a mapping of names to bounds", at: .dimensions,
                    hint: "dimensions: { K: 32, R: 3, P: 16 }")
                return
            }
            for entry in entries {
                let valid =
                    entry.key.first?.isLetter == true
                    && entry.key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
                if !valid {
                    r.error(
                        "dimension name '\(entry.key)' must be a letter followed by letters, digits or _",
                        atMark: entry.keyMark)
                } else if dimensions.contains(where: { $0.name.uppercased() == entry.key.uppercased() }) {
                    r.error("dimension '\(entry.key)' is declared twice", atMark: entry.keyMark)
                }
                guard let text = entry.value.scalar, let bound = Int(text), bound >= 1, bound <= maximumBound else {
                    r.error(
                        "the bound of '\(entry.key)' must be a whole number from 1 to 2^31, found '\(entry.value.scalar ?? entry.value.kindDescription)'",
                        atMark: entry.value.mark, hint: "\(entry.key): 16")
                    continue
                }
                dimensions.append((entry.key, bound))
            }
            if dimensions.count > maximumDimensions {
                r.error(
                    "a problem has at most \(maximumDimensions) dimensions, found \(dimensions.count)", at: .dimensions)
            }
        }

        /// One operand per role, indexed over declared dimensions; an output is not also read.
        private static func readOperands(
            _ operands: [OperandEntry], dimensions: [(name: String, bound: Int)],
            into ordered: inout [ProblemOperand?], precisions: inout [Operand: Precision],
            reader r: inout MappingReader<CodingKeys>
        ) {
            let slot: [Operand: Int] = [.weights: 0, .inputs: 1, .outputs: 2]
            var used = Set<Int>()
            for entry in operands {
                let role = entry.role.value
                guard let position = slot[role] else {
                    r.error(
                        "role '\(role)' is not an einsum operand", atMark: entry.role.mark,
                        hint: "roles are weights, inputs and outputs")
                    continue
                }
                if ordered[position] != nil {
                    r.error("a second operand with role \(role)", atMark: entry.role.mark, hint: "one operand per role")
                    continue
                }
                var indices: [[IndexTerm]] = []
                for expression in entry.index {
                    switch IndexExpression.parse(expression.value, dimensions: dimensions.map(\.name)) {
                    case .success(let terms):
                        indices.append(terms)
                        used.formUnion(terms.map(\.dimension))
                    case .failure(let problem):
                        r.error(problem.message, atMark: expression.mark, hint: problem.hint)
                    }
                }
                precisions[role] = entry.precision
                ordered[position] = ProblemOperand(role, indices: indices, wordBits: entry.precision.storageBits)
            }
            for (role, position) in slot.sorted(by: { $0.value < $1.value }) where ordered[position] == nil {
                r.error(
                    "no operand has role \(role)", at: .operands,
                    hint: "add one, e.g. { role: \(role), index: [K, N], precision: int8 }")
            }
            let output = operands.first { $0.role.value == .outputs }
            if let output, let name = output.name?.value,
                operands.contains(where: { $0.role.value != .outputs && $0.name?.value == name })
            {
                r.error(
                    "output '\(name)' is also read as an input; an einsum's output is only updated",
                    atMark: output.name?.mark, hint: "give the output its own tensor name")
            }
            for (d, dimension) in dimensions.enumerated() where !used.contains(d) {
                r.error(
                    "dimension '\(dimension.name)' indexes no operand", at: .dimensions,
                    hint: "use it in an index, or leave it out")
            }
        }
    }
}
