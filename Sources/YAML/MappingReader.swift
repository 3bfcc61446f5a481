/// Reads the keys of one mapping while collecting every error instead of stopping at the first,
/// and rejects unknown keys with a "did you mean" suggestion.
///
/// Use it inside `init(from:)`:
/// ```swift
/// var reader = try MappingReader(decoder, keys: CodingKeys.self)
/// let name = reader.required(.name, String.self, example: "name: tpu-v1")
/// let size = reader.optional(.size, Bytes.self)
/// try reader.finish()
/// self.name = try reader.unwrap(name)
/// ```
public struct MappingReader<Key: CodingKey & CaseIterable> {
    private let decoder: any Decoder
    private let container: KeyedDecodingContainer<Key>
    /// The errors found so far in this mapping and the values below it.
    public private(set) var diagnostics: [Diagnostic] = []

    /// Opens the mapping `decoder` points at.
    ///
    /// - Throws: a diagnostic when the value is not a mapping.
    public init(_ decoder: any Decoder, keys: Key.Type = Key.self) throws {
        self.decoder = decoder
        self.container = try decoder.container(keyedBy: Key.self)
    }

    /// Where the mapping starts.
    public var mark: SourceMark? { decoder.sourceMark }

    /// Whether the key is present with a non-empty value.
    public func has(_ key: Key) -> Bool {
        container.contains(key) && ((try? container.decodeNil(forKey: key)) == false)
    }

    /// Where the value of `key` starts (the mapping's mark when the key is absent).
    public func mark(of key: Key) -> SourceMark? {
        decoder.yamlNode?[key.stringValue]?.mark ?? mark
    }

    /// The value of a key that must be present; records an error and returns nil otherwise.
    public mutating func required<T: Decodable>(_ key: Key, _ type: T.Type = T.self, example: String? = nil) -> T? {
        guard has(key) else {
            missing(key, example: example)
            return nil
        }
        return optional(key, type)
    }

    /// Records that a key the mapping needs has no value: at the key when it is written but
    /// empty (`vocab_size:`), at the mapping when it is absent.
    public mutating func missing(_ key: Key, example: String? = nil) {
        if let entry = decoder.yamlNode?.entries?.first(where: { $0.key == key.stringValue }) {
            let hint = example.map { "give it a value, for example: \($0)" }
            diagnostics.append(decoder.diagnostic("'\(key.stringValue)' has no value", at: entry.keyMark, hint: hint))
        } else {
            let hint = example.map { "add it, for example: \($0)" }
            diagnostics.append(decoder.diagnostic("missing required key '\(key.stringValue)'", hint: hint))
        }
    }

    /// The value of an optional key (nil when absent or empty); records an error if it is malformed.
    public mutating func optional<T: Decodable>(_ key: Key, _ type: T.Type = T.self) -> T? {
        do {
            return try container.decodeIfPresent(type, forKey: key)
        } catch {
            diagnostics += Diagnostics.flatten(error, path: "")
            return nil
        }
    }

    /// Records an error at the value of `key` (or at the mapping when `key` is nil).
    public mutating func error(_ message: String, at key: Key? = nil, hint: String? = nil) {
        let at = key.map { mark(of: $0) } ?? mark
        diagnostics.append(decoder.diagnostic(message, at: at, hint: hint))
    }

    /// Records an error at an explicit mark of the same file.
    public mutating func error(_ message: String, atMark at: SourceMark?, hint: String? = nil) {
        diagnostics.append(decoder.diagnostic(message, at: at ?? mark, hint: hint))
    }

    /// Records errors thrown by nested work (they keep their own positions).
    public mutating func absorb(_ error: any Error) {
        diagnostics += Diagnostics.flatten(error, path: "")
    }

    /// Checks for unknown keys, then throws every collected error, if any.
    public mutating func finish() throws(Diagnostics) {
        if let entries = decoder.yamlNode?.entries {
            let known = Key.allCases.map(\.stringValue)
            for entry in entries where !known.contains(entry.key) {
                diagnostics.append(
                    decoder.diagnostic(
                        "unknown key '\(entry.key)'", at: entry.keyMark,
                        hint: Suggestion.hint(for: entry.key, among: known)))
            }
        }
        if !diagnostics.isEmpty { throw Diagnostics(diagnostics) }
    }

    /// Unwraps a value that `finish()` has vouched for.
    public func unwrap<T>(_ value: T?) throws(Diagnostics) -> T {
        guard let value else {
            throw Diagnostics([decoder.diagnostic("internal: a required value is missing without an error")])
        }
        return value
    }
}
