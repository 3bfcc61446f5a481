/// Why a key path does not lead anywhere in a document.
public struct KeyPathError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// A near miss, when there is one.
    public var suggestion: String?

    /// An error with an optional near miss.
    public init(message: String, suggestion: String? = nil) {
        self.message = message
        self.suggestion = suggestion
    }
    public var description: String { suggestion.map { "\(message); did you mean '\($0)'?" } ?? message }
}

extension YAMLNode {
    /// A copy with the value at a dotted key path replaced (or added, when only the last key is
    /// missing). Mapping keys match by name; sequence items match by their `name` entry or by
    /// index, so `memory.GlobalBuffer.size` reaches the `size` of the level named GlobalBuffer.
    public func setting(_ path: [String], to value: YAMLNode) throws(KeyPathError) -> YAMLNode {
        guard let head = path.first else { return value }
        let rest = Array(path.dropFirst())
        var copy = self
        switch content {
        case .mapping(var entries):
            if let index = entries.firstIndex(where: { $0.key == head }) {
                entries[index].value = try entries[index].value.setting(rest, to: value)
            } else if rest.isEmpty {
                entries.append(YAMLEntry(key: head, keyMark: mark, value: value))
            } else {
                throw KeyPathError(
                    message: "no key '\(head)'", suggestion: Suggestion.closest(to: head, among: entries.map(\.key)))
            }
            copy.content = .mapping(entries)
        case .sequence(var items):
            let names = items.map { $0["name"]?.scalar ?? "" }
            if let index = names.firstIndex(of: head) ?? Int(head).flatMap({ $0 >= 0 && $0 < items.count ? $0 : nil }) {
                items[index] = try items[index].setting(rest, to: value)
            } else {
                throw KeyPathError(
                    message: "no item named '\(head)'", suggestion: Suggestion.closest(to: head, among: names))
            }
            copy.content = .sequence(items)
        case .scalar:
            throw KeyPathError(message: "'\(head)' is below a scalar value", suggestion: nil)
        }
        return copy
    }
}
