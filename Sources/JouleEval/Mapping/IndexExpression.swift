import Foundation

/// An operand index written as text: a sum of terms, each a dimension with an optional positive
/// integer coefficient, `P`, `P*2 + R` (stride 2), `Q + S*2` (dilation 2), `2*P + R`.
enum IndexExpression {
    /// Why an index could not be read, with an example of the right form.
    struct Problem: Error {
        var message: String
        var hint: String?
    }

    /// The largest coefficient (a stride or dilation).
    static let maximumCoefficient = 1 << 16

    /// The terms of `text` over the declared dimensions (names match case-insensitively).
    static func parse(_ text: String, dimensions: [String]) -> Result<[IndexTerm], Problem> {
        let hint =
            "an index sums dimensions with optional coefficients, e.g. \"P*2 + R\"; dimensions: "
            + dimensions.joined(separator: ", ")
        var terms: [IndexTerm] = []
        for part in text.split(separator: "+", omittingEmptySubsequences: false) {
            let term = part.trimmingCharacters(in: .whitespaces)
            let factors = part.split(separator: "*", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            var dimension: Int?
            var coefficient = 1
            for factor in factors {
                if let number = Int(factor) {
                    guard number >= 1, number <= maximumCoefficient else {
                        return .failure(
                            Problem(message: "coefficient \(number) in '\(text)' must be from 1 to 65536", hint: hint))
                    }
                    coefficient *= number
                } else if let d = dimensions.firstIndex(where: { $0.uppercased() == factor.uppercased() }) {
                    guard dimension == nil else {
                        return .failure(
                            Problem(
                                message: "'\(term)' multiplies two dimensions", hint: hint
                            ))
                    }
                    dimension = d
                } else if factor.isEmpty {
                    return .failure(Problem(message: "'\(text)' has an empty term", hint: hint))
                } else {
                    return .failure(
                        Problem(message: "'\(factor)' in '\(text)' is not a declared dimension", hint: hint))
                }
            }
            guard let dimension else {
                return .failure(
                    Problem(message: "'\(term)' names no dimension", hint: hint))
            }
            guard coefficient <= maximumCoefficient else {
                return .failure(Problem(message: "the coefficients in '\(text)' multiply past 65536", hint: hint))
            }
            terms.append(IndexTerm(dimension, stride: coefficient))
        }
        return .success(terms)
    }
}
