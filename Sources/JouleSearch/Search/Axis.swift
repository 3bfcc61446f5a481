import Foundation
import JouleSpec
import YAML

/// One axis of a design space: a key path and its values, or several key paths whose values
/// move together (`linked`, e.g. rows = cols).
public struct Axis: Sendable, Hashable {
    /// The key paths, one unless linked.
    public var keys: [String]
    /// Where each key is written in the sweep file.
    public var marks: [SourceMark?]
    /// `values[i][j]`: the i-th setting of key j, as text a file would hold (`1 MiB`, `128`).
    public var values: [[String]]

    /// Settings along the axis.
    public var count: Int { values.count }

    /// The most values one range may produce.
    public static let maximumValues = 10_000
}

/// One `{key, values | range}` entry as written.
struct AxisEntry: Decodable {
    var key: Located<String>
    var values: [String]

    enum CodingKeys: String, CodingKey, CaseIterable { case key, values, range }
    enum RangeKeys: String, CodingKey, CaseIterable { case from, to, factor, step }

    init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let key = r.required(.key, Located<String>.self, example: "key: memory.GlobalBuffer.size")
        let listed = r.optional(.values, [String].self)
        let range = r.optional(.range, RangeEntry.self)
        switch (listed, range) {
        case (let list?, nil):
            if list.isEmpty { r.error("values is empty: an axis needs at least one value", at: .values) }
            values = list
        case (nil, let range?):
            values = range.values
        case (.some, .some):
            r.error("give either values or range, not both", at: .range)
            values = []
        case (nil, nil):
            // A range that failed to read has reported why already.
            if !r.has(.values) && !r.has(.range) {
                r.error(
                    "an axis needs values or a range", at: nil,
                    hint: "values: [1, 8, 64]  or  range: { from: 64 KiB, to: 8 MiB, factor: 2 }")
            }
            values = []
        }
        try r.finish()
        self.key = try r.unwrap(key)
    }

    /// `{from, to, factor}` (geometric) or `{from, to, step}` (arithmetic), in any unit.
    struct RangeEntry: Decodable {
        var values: [String]

        init(from decoder: any Decoder) throws {
            var r = try MappingReader(decoder, keys: RangeKeys.self)
            let from = r.required(.from, String.self, example: "from: 64 KiB")
            let to = r.required(.to, String.self, example: "to: 8 MiB")
            let factor = r.optional(.factor, Double.self)
            let step = r.optional(.step, String.self)
            values = []
            guard let from, let to else {
                try r.finish()
                return
            }
            let start = Self.read(from)
            let end = Self.read(to)
            guard let start, let end, start.kind == end.kind else {
                r.error(
                    "from and to must be numbers or quantities of the same kind, found '\(from)' and '\(to)'", at: .to)
                try r.finish()
                return
            }
            var generated: [Double] = []
            switch (factor, step) {
            case (let factor?, nil):
                if factor <= 1 {
                    r.error("factor must be greater than 1, found \(factor)", at: .factor)
                } else {
                    var v = start.value
                    while v <= end.value * (1 + 1e-12) && generated.count <= Axis.maximumValues {
                        generated.append(v)
                        v *= factor
                    }
                }
            case (nil, let stepText?):
                if let increment = Self.read(stepText), increment.kind == start.kind, increment.value > 0 {
                    var v = start.value
                    while v <= end.value * (1 + 1e-12) + 1e-300 && generated.count <= Axis.maximumValues {
                        generated.append(v)
                        v += increment.value
                    }
                } else {
                    r.error("step must be a positive number (or quantity like from), found '\(stepText)'", at: .step)
                }
            case (.some, .some):
                r.error("give either factor or step, not both", at: .step)
            case (nil, nil):
                r.error("a range needs a factor or a step", at: nil, hint: "range: { from: 64, to: 256, factor: 2 }")
            }
            if generated.isEmpty && r.diagnostics.isEmpty {
                r.error("the range from \(from) to \(to) produces no value", at: .to)
            } else if generated.count > Axis.maximumValues {
                r.error("the range produces more than \(Axis.maximumValues) values", at: .to)
            }
            values = generated.map { Self.render($0, kind: start.kind) }
            try r.finish()
        }

        /// A number (kind nil) or a quantity.
        static func read(_ text: String) -> (value: Double, kind: QuantityKind?)? {
            if let number = Double(text.trimmingCharacters(in: .whitespaces)) { return (number, nil) }
            guard let parsed = try? UnitParser.parse(text) else { return nil }
            return (parsed.value, parsed.kind)
        }

        static func render(_ value: Double, kind: QuantityKind?) -> String {
            guard let kind else {
                return value.rounded() == value && abs(value) < 1e15
                    ? String(Int(value)) : QuantityFormat.number(value, significant: 12)
            }
            return QuantityFormat.exact(value, kind: kind)
        }
    }
}

extension Axis: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable { case key, values, range, linked }

    /// Reads `{key, values}`, `{key, range}` or `{linked: [...]}`.
    public init(from decoder: any Decoder) throws {
        if decoder.yamlNode?["linked"] != nil {
            var r = try MappingReader(decoder, keys: CodingKeys.self)
            let entries = r.required(.linked, [AxisEntry].self) ?? []
            if entries.count < 2 { r.error("linked needs at least two keys that move together", at: .linked) }
            if let first = entries.first, entries.contains(where: { $0.values.count != first.values.count }) {
                r.error(
                    "linked keys need the same number of values, found "
                        + entries.map { "\($0.values.count)" }.joined(separator: ", "),
                    at: .linked)
            }
            try r.finish()
            keys = entries.map(\.key.value)
            marks = entries.map(\.key.mark)
            values = (0..<(entries.first?.values.count ?? 0)).map { i in entries.map { $0.values[i] } }
        } else {
            let entry = try AxisEntry(from: decoder)
            keys = [entry.key.value]
            marks = [entry.key.mark]
            values = entry.values.map { [$0] }
        }
    }
}
