/// Text made safe for an HTML page: element content, attribute values and inline JSON-free data.
enum HTMLText {
    /// Text with `&`, `<`, `>`, `"` and `'` escaped, safe in element content and in quoted attributes.
    static func escape(_ text: String) -> String { SVGElement.escape(text) }

    /// A number written into a `data-value` attribute, exact enough to sort by (`9.175e+13`).
    static func value(_ number: Double) -> String { number.isFinite ? SVGElement.data(number) : "" }

    /// A fragment identifier built from letters, digits, `-` and `_` only (others become `_`).
    static func identifier(_ text: String) -> String {
        String(
            text.map { character in
                character.isASCII && (character.isLetter || character.isNumber || character == "-" || character == "_")
                    ? character : "_"
            })
    }
}
