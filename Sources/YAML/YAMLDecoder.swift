/// Decodes plain `Decodable` types from YAML (or JSON) text, with positions in every error.
public struct YAMLDecoder: Sendable {
    /// The parser used (its limits guard against hostile input).
    public var parser: YAMLParser

    /// A decoder with the default parser limits.
    public init(parser: YAMLParser = YAMLParser()) {
        self.parser = parser
    }

    /// Parses `text` and decodes a `T` from its first document.
    ///
    /// - Parameter path: the file name printed in diagnostics.
    /// - Throws: `Diagnostics` with every error found, each with its line and column.
    public func decode<T: Decodable>(_ type: T.Type, from text: String, path: String) throws(Diagnostics) -> T {
        guard let root = try parser.parse(text, path: path) else {
            throw Diagnostics([
                Diagnostic(
                    path: path, mark: SourceMark(line: 1, column: 1), message: "the file is empty; expected a mapping")
            ])
        }
        return try decode(type, from: root, path: path, lines: SourceLines(text))
    }

    /// Decodes a `T` from an already parsed node.
    public func decode<T: Decodable>(_ type: T.Type, from node: YAMLNode, path: String, lines: SourceLines)
        throws(Diagnostics) -> T
    {
        let context = DecodingContext(path: path, lines: lines)
        do {
            return try NodeDecoder(node: node, context: context, codingPath: []).decodeValue(T.self)
        } catch {
            throw Diagnostics(Diagnostics.flatten(error, path: path))
        }
    }
}

extension Decoder {
    /// The YAML node being decoded, when this decoder is Joule's YAML decoder.
    public var yamlNode: YAMLNode? { (self as? NodeDecoder)?.node }

    /// Where the value being decoded starts, when known.
    public var sourceMark: SourceMark? { (self as? NodeDecoder)?.node.mark }

    /// The file being decoded, as the user named it (nil when not decoding a Joule YAML file),
    /// so that a file a document names (a request trace) is found beside it.
    public var sourcePath: String? { (self as? NodeDecoder)?.context.path }

    /// A diagnostic located at the value being decoded.
    public func diagnostic(_ message: String, hint: String? = nil) -> Diagnostic {
        guard let decoder = self as? NodeDecoder else {
            return Diagnostic(
                path: codingPath.map(\.stringValue).joined(separator: "."), mark: nil, message: message, hint: hint)
        }
        return decoder.context.diagnostic(message, at: decoder.node.mark, hint: hint)
    }

    /// A diagnostic located at another mark of the same file.
    public func diagnostic(_ message: String, at mark: SourceMark?, hint: String? = nil) -> Diagnostic {
        guard let decoder = self as? NodeDecoder else { return diagnostic(message, hint: hint) }
        return decoder.context.diagnostic(message, at: mark, hint: hint)
    }
}

/// A decoded value with the position it came from, for checks that span several values.
public struct Located<Value> {
    /// The value.
    public var value: Value
    /// Where it was written (nil when not decoded from a file).
    public var mark: SourceMark?

    /// A value with an optional mark.
    public init(_ value: Value, at mark: SourceMark? = nil) {
        self.value = value
        self.mark = mark
    }
}

extension Located: Sendable where Value: Sendable {}
extension Located: Equatable where Value: Equatable {}

extension Located: Decodable where Value: Decodable {
    /// Decodes the value and remembers where it was.
    public init(from decoder: any Decoder) throws {
        value = try Value(from: decoder)
        mark = decoder.sourceMark
    }
}
