/// One word of a REPL command line, with the 1-based column it starts at.
struct SessionToken: Equatable {
    var text: String
    var column: Int
    /// The character offset just past the word in the line (for "the rest of the line").
    var end: Int

    /// Splits a line at spaces and tabs; '...' and "..." group words (the quotes are dropped).
    static func split(_ line: String) -> [SessionToken] {
        var tokens: [SessionToken] = []
        var current = ""
        var start: Int?
        var quote: Character?
        for (offset, character) in line.enumerated() {
            if let open = quote {
                if character == open {
                    quote = nil
                } else {
                    current.append(character)
                }
                continue
            }
            if character == " " || character == "\t" {
                if let begin = start {
                    tokens.append(SessionToken(text: current, column: begin + 1, end: offset))
                    current = ""
                    start = nil
                }
                continue
            }
            if start == nil { start = offset }
            if character == "'" || character == "\"" {
                quote = character
            } else {
                current.append(character)
            }
        }
        if let begin = start { tokens.append(SessionToken(text: current, column: begin + 1, end: line.count)) }
        return tokens
    }
}
