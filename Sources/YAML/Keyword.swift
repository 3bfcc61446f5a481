/// An enumeration written in files as one of a fixed set of words (`swiglu`, `rmsnorm`,
/// `weight_stationary`). Decoding an unknown word is a diagnostic with a suggestion.
public protocol Keyword: RawRepresentable, CaseIterable, Decodable, Sendable where RawValue == String {
    /// What the word names, for errors ("FFN kind", "precision").
    static var keywordNoun: String { get }
}

extension Keyword {
    /// Reads one of the allowed words.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw decoder.diagnostic(
                "unknown \(Self.keywordNoun) '\(text)'",
                hint: Suggestion.hint(for: text, among: Self.allCases.map(\.rawValue)))
        }
        self = value
    }
}
