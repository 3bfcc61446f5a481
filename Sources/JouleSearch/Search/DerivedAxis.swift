import JouleSpec
import YAML

/// A key whose value follows from other axes' values at every point, written in the `axes:`
/// list as `{ key: memory.PE.instances, derived: "rows * cols" }`. It adds no dimension to the
/// design space: each point's value is computed from that point's settings, and points.csv
/// gets a column for it after the axes' columns.
///
/// A name in the expression is an axis key (`compute.array.rows`), or its last part when no
/// other axis ends the same way (`rows`); an earlier derived key counts as an axis. Every value
/// of an axis the expression reads must be a plain number.
public struct DerivedAxis: Sendable, Hashable {
    /// The key it sets.
    public var key: String
    /// Where the key is written.
    public var mark: SourceMark?
    /// The expression as written.
    public var text: String
    /// The expression, with its names resolved to full keys.
    public var expression: AxisExpression

    /// The value at a point, as text a file would hold (a whole number without a decimal
    /// point); nil when a value it reads is not a number or it divides by zero.
    public func value(_ settings: [(key: String, value: String)]) -> String? {
        var values: [String: Double] = [:]
        for setting in settings {
            if let number = Double(setting.value.trimmingCharacters(in: .whitespaces)) {
                values[setting.key] = number
            }
        }
        guard let result = expression.value(values), result.isFinite else { return nil }
        return AxisEntry.RangeEntry.render(result, kind: nil)
    }
}

/// One `{ key, derived }` entry as written, before its names are resolved.
struct DerivedAxisEntry: Decodable {
    var key: Located<String>
    var text: String
    /// Where the expression's first character is (inside the quotes of a quoted scalar).
    var textMark: SourceMark?

    enum CodingKeys: String, CodingKey, CaseIterable { case key, derived }

    init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        let key = r.required(.key, Located<String>.self, example: "key: memory.PE.instances")
        let text = r.required(.derived, String.self, example: "derived: \"rows * cols\"")
        var mark = r.has(.derived) ? r.mark(of: .derived) : nil
        if let start = mark, case .scalar(_, let plain)? = decoder.yamlNode?["derived"]?.content, !plain {
            mark = SourceMark(line: start.line, column: start.column + 1)
        }
        textMark = mark
        try r.finish()
        self.key = try r.unwrap(key)
        self.text = try r.unwrap(text)
    }

    /// Resolves the names against the keys before it (`keys`), and checks that each axis it
    /// reads has numbers only (`numeric`: key to whether every value is a number); errors point
    /// at the offending character.
    func resolve(keys: [String], numeric: [String: Bool]) -> Result<DerivedAxis, Diagnostic> {
        let nameHint = "name an axis by its key or the key's last part, e.g. rows * cols"
        func resolve(_ name: String) -> Result<String, AxisExpression.ParseError> {
            if keys.contains(name) { return check(name, as: name) }
            let matches = keys.filter { $0.split(separator: ".").last.map(String.init) == name }
            if matches.count == 1, let only = matches.first { return check(only, as: name) }
            if matches.count > 1 {
                return .failure(
                    AxisExpression.ParseError(
                        message: "'\(name)' could be any of \(matches.joined(separator: ", "))", offset: 0,
                        hint: "write the whole key, e.g. \(matches[0])"))
            }
            let short = keys.compactMap { $0.split(separator: ".").last.map(String.init) }
            let hint =
                Suggestion.closest(to: name, among: short + keys).map { "did you mean '\($0)'?" }
                ?? (keys.isEmpty ? "list the axes it reads before it" : "axes: " + keys.joined(separator: ", "))
            return .failure(
                AxisExpression.ParseError(message: "no axis named '\(name)' before this one", offset: 0, hint: hint))
        }
        func check(_ key: String, as name: String) -> Result<String, AxisExpression.ParseError> {
            guard numeric[key] ?? true else {
                return .failure(
                    AxisExpression.ParseError(
                        message: "'\(name)' (\(key)) has values that are not plain numbers", offset: 0,
                        hint: "a derived axis reads numbers only; give the axis values such as 64, not 64 KiB"))
            }
            return .success(key)
        }
        do {
            let expression = try AxisExpression.parse(text, resolve: resolve)
            return .success(DerivedAxis(key: key.value, mark: key.mark, text: text, expression: expression))
        } catch {
            let mark = textMark.map { SourceMark(line: $0.line, column: $0.column + error.offset) }
            return .failure(
                Diagnostic(
                    path: "", mark: mark, message: "derived \(key.value): \(error.message)",
                    hint: error.hint ?? nameHint))
        }
    }
}
