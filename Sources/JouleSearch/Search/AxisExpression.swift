import JouleSpec

/// The arithmetic of a derived axis: numbers, other axes' keys, `+ - * /`, unary minus and
/// parentheses, with the usual precedence (`rows * cols`, `(rows + 2) * cols / 4`).
public indirect enum AxisExpression: Sendable, Hashable {
    case number(Double)
    /// Another axis's value, by its full key.
    case key(String)
    case negate(AxisExpression)
    case add(AxisExpression, AxisExpression)
    case subtract(AxisExpression, AxisExpression)
    case multiply(AxisExpression, AxisExpression)
    case divide(AxisExpression, AxisExpression)

    /// Why a text is not an expression: a message, where (a 0-based offset in characters into
    /// the text) and how to write it right.
    public struct ParseError: Error, Sendable, Equatable {
        public var message: String
        public var offset: Int
        public var hint: String?
    }

    /// The form every parse error shows.
    public static let example = "rows * cols, or (rows + 2) * cols / 4"

    /// The keys the expression reads.
    public var references: [String] {
        switch self {
        case .number: return []
        case .key(let key): return [key]
        case .negate(let inner): return inner.references
        case .add(let a, let b), .subtract(let a, let b), .multiply(let a, let b), .divide(let a, let b):
            return a.references + b.references
        }
    }

    /// The value for some keys' values; nil when a key has none or a division is by zero.
    public func value(_ values: [String: Double]) -> Double? {
        switch self {
        case .number(let number): return number
        case .key(let key): return values[key]
        case .negate(let inner): return inner.value(values).map { -$0 }
        case .add(let a, let b): return Self.combine(a, b, values, +)
        case .subtract(let a, let b): return Self.combine(a, b, values, -)
        case .multiply(let a, let b): return Self.combine(a, b, values, *)
        case .divide(let a, let b):
            guard let y = b.value(values), y != 0, let x = a.value(values) else { return nil }
            return x / y
        }
    }

    private static func combine(
        _ a: AxisExpression, _ b: AxisExpression, _ values: [String: Double], _ op: (Double, Double) -> Double
    ) -> Double? {
        guard let x = a.value(values), let y = b.value(values) else { return nil }
        return op(x, y)
    }

    /// Parses `text`. `resolve` turns a name as written into the full key it stands for, or
    /// says why it cannot (an unknown or ambiguous name).
    public static func parse(_ text: String, resolve: (String) -> Result<String, ParseError>) throws(ParseError)
        -> AxisExpression
    {
        let result = withoutActuallyEscaping(resolve) { resolve -> Result<AxisExpression, ParseError> in
            var parser = Parser(characters: Array(text), resolve: resolve)
            return Result { () throws(ParseError) -> AxisExpression in try parser.whole() }
        }
        return try result.get()
    }

    /// A recursive-descent parser: sum := product (('+'|'-') product)*, product := factor
    /// (('*'|'/') factor)*, factor := '-' factor | number | name | '(' sum ')'.
    private struct Parser {
        let characters: [Character]
        let resolve: (String) -> Result<String, ParseError>
        var position = 0
        var depth = 0

        init(characters: [Character], resolve: @escaping (String) -> Result<String, ParseError>) {
            self.characters = characters
            self.resolve = resolve
        }

        var atEnd: Bool { position >= characters.count }

        /// The whole text as one expression.
        mutating func whole() throws(ParseError) -> AxisExpression {
            skipSpaces()
            guard !atEnd else {
                throw ParseError(message: "the expression is empty", offset: 0, hint: "e.g. \(AxisExpression.example)")
            }
            let expression = try sum()
            skipSpaces()
            if !atEnd {
                let found = characters[position]
                throw ParseError(
                    message: found == ")"
                        ? "')' without a matching '('" : "expected an operator (+ - * /), found '\(found)'",
                    offset: position, hint: "e.g. \(AxisExpression.example)")
            }
            return expression
        }

        mutating func skipSpaces() {
            while !atEnd && characters[position].isWhitespace { position += 1 }
        }

        mutating func sum() throws(ParseError) -> AxisExpression {
            var result = try product()
            while true {
                skipSpaces()
                guard !atEnd, characters[position] == "+" || characters[position] == "-" else { return result }
                let op = characters[position]
                position += 1
                let right = try product()
                result = op == "+" ? .add(result, right) : .subtract(result, right)
            }
        }

        mutating func product() throws(ParseError) -> AxisExpression {
            var result = try factor()
            while true {
                skipSpaces()
                guard !atEnd, characters[position] == "*" || characters[position] == "/" else { return result }
                let op = characters[position]
                position += 1
                let right = try factor()
                result = op == "*" ? .multiply(result, right) : .divide(result, right)
            }
        }

        mutating func factor() throws(ParseError) -> AxisExpression {
            skipSpaces()
            guard !atEnd else {
                throw ParseError(
                    message: "the expression ends where a number, an axis or '(' was expected", offset: position,
                    hint: "e.g. \(AxisExpression.example)")
            }
            let start = position
            let c = characters[position]
            // Nesting is bounded, so a hostile file cannot exhaust the stack.
            if (c == "-" || c == "(") && depth >= 64 {
                throw ParseError(message: "the expression nests deeper than 64", offset: position, hint: nil)
            }
            if c == "-" {
                position += 1
                depth += 1
                let inner = try factor()
                depth -= 1
                return .negate(inner)
            }
            if c == "(" {
                position += 1
                depth += 1
                let inner = try sum()
                depth -= 1
                skipSpaces()
                guard !atEnd, characters[position] == ")" else {
                    throw ParseError(
                        message: "'(' is not closed", offset: start, hint: "close it: e.g. (rows + 2) * cols")
                }
                position += 1
                return inner
            }
            if c.isNumber || c == "." {
                while !atEnd && (characters[position].isNumber || characters[position] == ".") { position += 1 }
                // An exponent: 1e3, 2.5E-2.
                if !atEnd, characters[position] == "e" || characters[position] == "E" {
                    var end = position + 1
                    if end < characters.count, characters[end] == "+" || characters[end] == "-" { end += 1 }
                    if end < characters.count, characters[end].isNumber {
                        position = end
                        while !atEnd && characters[position].isNumber { position += 1 }
                    }
                }
                let text = String(characters[start..<position])
                guard let number = Double(text), number.isFinite else {
                    throw ParseError(message: "'\(text)' is not a number", offset: start, hint: "e.g. 2, 0.5 or 1e3")
                }
                return .number(number)
            }
            if c.isLetter || c == "_" {
                while !atEnd
                    && (characters[position].isLetter || characters[position].isNumber || characters[position] == "_"
                        || characters[position] == ".")
                {
                    position += 1
                }
                let name = String(characters[start..<position])
                switch resolve(name) {
                case .success(let key): return .key(key)
                case .failure(var error):
                    error.offset = start
                    throw error
                }
            }
            throw ParseError(
                message: "expected a number, an axis or '(', found '\(c)'", offset: start,
                hint: "e.g. \(AxisExpression.example)")
        }
    }
}
