/// A node of a parsed YAML document: scalar, sequence or mapping, with where it starts.
///
/// Anchors and aliases are resolved (an alias is a copy of its anchored node) and `<<` merge
/// keys are applied, so consumers see plain trees.
public struct YAMLNode: Sendable {
    /// What the node holds.
    public enum Content: Sendable {
        /// A scalar's text; `plain` is false for quoted or block scalars (never null, bool or number).
        case scalar(String, plain: Bool)
        /// A sequence's items in order.
        case sequence([YAMLNode])
        /// A mapping's entries in file order (keys are unique after loading).
        case mapping([YAMLEntry])
    }

    /// The node's content.
    public var content: Content
    /// Where the node starts.
    public var mark: SourceMark
    /// The node's explicit tag as written (`!Container` gives "!Container"), or nil.
    public var tag: String?

    /// A node with content at a mark, and its explicit tag when it has one.
    public init(_ content: Content, at mark: SourceMark, tag: String? = nil) {
        self.content = content
        self.mark = mark
        self.tag = tag
    }

    /// The scalar text, if this is a scalar.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// True for a plain `~`, `null`, `Null`, `NULL` or empty scalar.
    public var isNull: Bool {
        if case .scalar(let text, let plain) = content, plain {
            return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
        }
        return false
    }

    /// The mapping entries, if this is a mapping.
    public var entries: [YAMLEntry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The items, if this is a sequence.
    public var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The value under a scalar key of a mapping.
    public subscript(key: String) -> YAMLNode? {
        entries?.first { $0.key == key }?.value
    }

    /// A word for the node's kind, for error messages.
    public var kindDescription: String {
        switch content {
        case .scalar: return isNull ? "an empty value" : "a scalar"
        case .sequence: return "a sequence"
        case .mapping: return "a mapping"
        }
    }
}

/// One `key: value` entry of a mapping.
public struct YAMLEntry: Sendable {
    /// The key's text.
    public var key: String
    /// Where the key starts.
    public var keyMark: SourceMark
    /// The value.
    public var value: YAMLNode
}
