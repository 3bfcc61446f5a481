import YAML

extension YAMLNode {
    /// A copy without the value at a dotted key path (mapping keys by name, sequence items by
    /// their `name` entry or index, as `setting` reaches them).
    func removing(_ path: [String]) throws(KeyPathError) -> YAMLNode {
        guard let head = path.first else { return self }
        let rest = Array(path.dropFirst())
        var copy = self
        switch content {
        case .mapping(var entries):
            guard let index = entries.firstIndex(where: { $0.key == head }) else {
                throw KeyPathError(
                    message: rest.isEmpty ? "'\(head)' is not set" : "no key '\(head)'",
                    suggestion: Suggestion.closest(to: head, among: entries.map(\.key)))
            }
            if rest.isEmpty {
                entries.remove(at: index)
            } else {
                entries[index].value = try entries[index].value.removing(rest)
            }
            copy.content = .mapping(entries)
        case .sequence(var items):
            let names = items.map { $0["name"]?.scalar ?? "" }
            guard
                let index = names.firstIndex(of: head) ?? Int(head).flatMap({ $0 >= 0 && $0 < items.count ? $0 : nil })
            else {
                throw KeyPathError(
                    message: "no item named '\(head)'", suggestion: Suggestion.closest(to: head, among: names))
            }
            if rest.isEmpty {
                items.remove(at: index)
            } else {
                items[index] = try items[index].removing(rest)
            }
            copy.content = .sequence(items)
        case .scalar:
            throw KeyPathError(message: "'\(head)' is below a scalar value", suggestion: nil)
        }
        return copy
    }

    /// The node at a dotted key path, if there is one.
    func node(at path: [String]) -> YAMLNode? {
        guard let head = path.first else { return self }
        let rest = Array(path.dropFirst())
        switch content {
        case .mapping(let entries):
            return entries.first { $0.key == head }?.value.node(at: rest)
        case .sequence(let items):
            if let item = items.first(where: { $0["name"]?.scalar == head }) { return item.node(at: rest) }
            guard let index = Int(head), index >= 0, index < items.count else { return nil }
            return items[index].node(at: rest)
        case .scalar:
            return nil
        }
    }

    /// The names a key path can take below this node: mapping keys, or sequence items by name
    /// (by index when an item has no name).
    var childNames: [String] {
        switch content {
        case .mapping(let entries): return entries.map(\.key)
        case .sequence(let items):
            return items.enumerated().map { index, item in item["name"]?.scalar ?? String(index) }
        case .scalar: return []
        }
    }

    /// Every leaf under this node as (dotted key path, value as YAML text); a sequence of
    /// scalars is one leaf, in flow form.
    func leaves(prefix: String = "") -> [(path: String, value: String)] {
        func join(_ key: String) -> String { prefix.isEmpty ? key : prefix + "." + key }
        switch content {
        case .scalar:
            return [(prefix, YAMLEmitter.flow(self))]
        case .mapping(let entries):
            if entries.isEmpty { return [(prefix, "{}")] }
            return entries.flatMap { $0.value.leaves(prefix: join($0.key)) }
        case .sequence(let items):
            if items.allSatisfy({ $0.scalar != nil }) { return [(prefix, YAMLEmitter.flow(self))] }
            return zip(childNames, items).flatMap { name, item in item.leaves(prefix: join(name)) }
        }
    }
}
