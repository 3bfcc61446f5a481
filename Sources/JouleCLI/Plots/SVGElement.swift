import Foundation

/// One SVG element as text: a name, attributes in order, and either child markup or text.
struct SVGElement {
    var name: String
    var attributes: [(String, String)]
    var children: [SVGElement] = []
    /// Character data, escaped when rendered (used instead of children for `<text>` and `<title>`).
    var text: String?
    /// Markup inserted verbatim after the text (e.g. a superscript `<tspan>` already rendered).
    var rawTail: String?

    init(
        _ name: String, _ attributes: [(String, String)] = [], children: [SVGElement] = [], text: String? = nil,
        rawTail: String? = nil
    ) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
        self.rawTail = rawTail
    }

    /// The element and its children as indented markup.
    func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent)
        var head = pad + "<" + name
        for (key, value) in attributes { head += " \(key)=\"\(Self.escape(value))\"" }
        if children.isEmpty && text == nil && rawTail == nil { return head + "/>" }
        if children.isEmpty { return head + ">" + Self.escape(text ?? "") + (rawTail ?? "") + "</\(name)>" }
        var lines = [head + ">"]
        if let text { lines.append(pad + "  " + Self.escape(text)) }
        lines += children.map { $0.render(indent: indent + 1) }
        lines.append(pad + "</\(name)>")
        return lines.joined(separator: "\n")
    }

    /// Text with the five XML special characters escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A pixel coordinate with at most two decimals (`12.5`, `300`).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() && abs(rounded) < 1e15 { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// A data value written into a `data-` attribute, exact enough to read back (`9.175e+13`).
    static func data(_ value: Double) -> String { String(format: "%.10g", value) }
}
