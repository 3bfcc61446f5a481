/// What every decoder of one document shares: the file's name and lines, for diagnostics.
final class DecodingContext {
    let path: String
    let lines: SourceLines

    init(path: String, lines: SourceLines) {
        self.path = path
        self.lines = lines
    }

    func diagnostic(_ message: String, at mark: SourceMark?, hint: String? = nil) -> Diagnostic {
        Diagnostic(
            path: path, mark: mark, message: message, hint: hint, sourceLine: mark.flatMap { lines.line($0.line) })
    }
}

/// A `Decoder` over one `YAMLNode`.
struct NodeDecoder: Decoder {
    let node: YAMLNode
    let context: DecodingContext
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard let entries = node.entries else {
            throw context.diagnostic("expected a mapping, found \(node.kindDescription)", at: node.mark)
        }
        return KeyedDecodingContainer(MappingContainer<Key>(decoder: self, entries: entries))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = node.items else {
            throw context.diagnostic(
                "expected a sequence, found \(node.kindDescription)", at: node.mark,
                hint: "write a list as [a, b] or as lines starting with '- '")
        }
        return SequenceContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        ScalarContainer(decoder: self)
    }

    func child(_ node: YAMLNode, key: any CodingKey) -> NodeDecoder {
        NodeDecoder(node: node, context: context, codingPath: codingPath + [key])
    }

    /// Decodes a `T` from this node. Arrays, sets and string-keyed dictionaries decode every
    /// element and report the errors of all of them (the standard library's `init(from:)` stops
    /// at the first), so a file's errors in several list items are reported at once.
    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if let collecting = T.self as? any ElementwiseDecodable.Type,
            let value = try collecting.init(elementwiseFrom: self) as? T
        {
            return value
        }
        return try T(from: self)
    }

    /// Decodes every item of a sequence, collecting the errors of all items.
    func decodeItems<Element: Decodable>(_ type: Element.Type) throws -> [Element] {
        _ = try unkeyedContainer()  // a diagnostic when the node is not a sequence
        var values: [Element] = []
        var errors: [Diagnostic] = []
        for (index, item) in (node.items ?? []).enumerated() {
            do {
                values.append(try child(item, key: IndexKey(intValue: index)).decodeValue(Element.self))
            } catch {
                errors += Diagnostics.flatten(error, path: context.path)
            }
        }
        if !errors.isEmpty { throw Diagnostics(errors) }
        return values
    }
}

/// Collections decoded element by element, with the errors of every element collected.
protocol ElementwiseDecodable {
    init(elementwiseFrom decoder: NodeDecoder) throws
}

extension Array: ElementwiseDecodable where Element: Decodable {
    init(elementwiseFrom decoder: NodeDecoder) throws {
        self = try decoder.decodeItems(Element.self)
    }
}

extension Set: ElementwiseDecodable where Element: Decodable {
    init(elementwiseFrom decoder: NodeDecoder) throws {
        self = Set(try decoder.decodeItems(Element.self))
    }
}

extension Dictionary: ElementwiseDecodable where Key == String, Value: Decodable {
    init(elementwiseFrom decoder: NodeDecoder) throws {
        _ = try decoder.container(keyedBy: IndexKey.self)  // a diagnostic when the node is not a mapping
        var values: [String: Value] = [:]
        var errors: [Diagnostic] = []
        for entry in decoder.node.entries ?? [] {
            do {
                values[entry.key] = try decoder.child(entry.value, key: IndexKey(stringValue: entry.key))
                    .decodeValue(Value.self)
            } catch {
                errors += Diagnostics.flatten(error, path: decoder.context.path)
            }
        }
        if !errors.isEmpty { throw Diagnostics(errors) }
        self = values
    }
}

/// A coding key for sequence positions and free-form keys.
struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) {
        self.stringValue = stringValue
        intValue = nil
    }
    init(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

struct MappingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: NodeDecoder
    let entries: [YAMLEntry]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { entries.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { entries.contains { $0.key == key.stringValue } }

    private func value(_ key: Key) throws -> NodeDecoder {
        guard let entry = entries.first(where: { $0.key == key.stringValue }) else {
            throw decoder.context.diagnostic("missing required key '\(key.stringValue)'", at: decoder.node.mark)
        }
        return decoder.child(entry.value, key: key)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key).node.isNull }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try value(key).decodeValue(T.self)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key) else { return nil }
        let child = try value(key)
        if child.node.isNull { return nil }
        return try child.decodeValue(T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try value(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try value(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try value(key) }
}

struct SequenceContainer: UnkeyedDecodingContainer {
    let decoder: NodeDecoder
    let items: [YAMLNode]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(decoder: NodeDecoder, items: [YAMLNode]) {
        self.decoder = decoder
        self.items = items
    }

    private mutating func next() throws -> NodeDecoder {
        guard !isAtEnd else {
            throw decoder.context.diagnostic("the sequence has too few items", at: decoder.node.mark)
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], key: IndexKey(intValue: currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decodeValue(T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct ScalarContainer: SingleValueDecodingContainer {
    let decoder: NodeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }

    func decodeNil() -> Bool { decoder.node.isNull }

    private func text(_ expected: String, example: String) throws -> (text: String, plain: Bool) {
        guard case .scalar(let text, let plain) = decoder.node.content, !decoder.node.isNull else {
            throw decoder.context.diagnostic(
                "expected \(expected), found \(decoder.node.kindDescription)", at: decoder.node.mark,
                hint: "for example: \(example)")
        }
        return (text, plain)
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        let (text, _) = try self.text("true or false", example: "true")
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            throw decoder.context.diagnostic(
                "expected true or false, found '\(text)'", at: decoder.node.mark, hint: "write true or false")
        }
    }

    func decode(_ type: String.Type) throws -> String {
        try text("text", example: "\"tpu-v1\"").text
    }

    func decode(_ type: Double.Type) throws -> Double {
        let (text, _) = try self.text("a number", example: "0.5")
        let cleaned = text.filter { $0 != "_" }
        switch cleaned {
        case ".inf", ".Inf", "+.inf": return .infinity
        case "-.inf", "-.Inf": return -.infinity
        default: break
        }
        guard let value = Double(cleaned), value.isFinite else {
            throw decoder.context.diagnostic(
                "expected a number, found '\(text)'", at: decoder.node.mark, hint: "for example: 0.5")
        }
        return value
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let (text, _) = try self.text("an integer", example: "256")
        let cleaned = text.filter { $0 != "_" && $0 != "," }
        if let value = T(cleaned) { return value }
        if let real = Double(cleaned), real.rounded() == real, let value = T(exactly: real) { return value }
        throw decoder.context.diagnostic(
            "expected an integer, found '\(text)'", at: decoder.node.mark, hint: "for example: 256")
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(UInt64.self) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.decodeValue(T.self) }
}
