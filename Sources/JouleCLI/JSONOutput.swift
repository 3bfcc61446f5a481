import Foundation
import JouleSpec

/// Writes JSON objects with stable (sorted) keys for `--format json`, each with
/// `schema_version` (`JouleVersion.jsonSchema`) at the top, so every output says which shape
/// it has. Only objects are written: a list goes under a key.
///
/// Reports build `[String: Any]` trees; they are converted to `JSONValue` and written by
/// Foundation's `JSONEncoder`, which gives the same text as `JSONSerialization` (pretty, sorted
/// keys, unescaped slashes) about five times faster: an eval of a 256-layer training graph
/// prints 15 MB of JSON.
enum JSONOutput {
    /// The key every top-level object carries.
    static let schemaKey = "schema_version"

    static func render(_ object: [String: Any]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var versioned = object
        versioned[schemaKey] = JouleVersion.jsonSchema
        guard let data = try? encoder.encode(JSONValue(versioned)), let text = String(data: data, encoding: .utf8)
        else { return "{\"\(schemaKey)\": \(JouleVersion.jsonSchema)}" }
        return text
    }

    /// A finite number, or NSNull for infinities and NaN (JSON has neither).
    static func number(_ value: Double?) -> Any {
        guard let value, value.isFinite else { return NSNull() }
        return value
    }
}

/// A JSON value: what a report's `[String: Any]` tree holds, as a type the encoder writes.
enum JSONValue: Encodable {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value of a report tree's node: numbers, strings, booleans, arrays and string-keyed
    /// dictionaries of them; anything else, and a non-finite number, becomes null.
    init(_ value: Any) {
        switch value {
        case let flag as Bool where type(of: value) == Bool.self: self = .bool(flag)
        case let integer as Int: self = .integer(integer)
        case let number as Double: self = number.isFinite ? .number(number) : .null
        case let text as String: self = .string(text)
        case let items as [Any]: self = .array(items.map(JSONValue.init))
        case let entries as [String: Any]: self = .object(entries.mapValues(JSONValue.init))
        default: self = .null
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number): try container.encode(number)
        case .integer(let integer): try container.encode(integer)
        case .string(let text): try container.encode(text)
        case .bool(let flag): try container.encode(flag)
        case .null: try container.encodeNil()
        case .array(let items): try container.encode(items)
        case .object(let entries): try container.encode(entries)
        }
    }
}
