import YAML

/// How a command ends when it cannot do its job; `main` maps these to sysexits codes.
enum CommandLineError: Error {
    /// The command line is wrong (exit 64): a message and the usage line to show.
    case usage(String, usage: String)
    /// An input file is wrong (exit 65): every diagnostic.
    case data(Diagnostics)
    /// Something outside Joule failed (exit 74, I/O): a message.
    case io(String)
    /// Another process holds what the command needs; try again later (exit 75): a message.
    case busy(String)
    /// Ctrl-C stopped the command, which kept what it had finished (exit 130): a message.
    case interrupted(String)
}

/// Parsed command-line words: positionals and `--option value` / `--flag` pairs.
struct Arguments {
    var positionals: [String] = []
    var options: [String: String] = [:]
    /// Every value of each valued option, in order (`options` keeps the last), for options
    /// that may be given more than once (`--slo`).
    var repeated: [String: [String]] = [:]
    var flags: Set<String> = []

    /// Splits `words`; `valued` names the options that take a value (`--format json` or `--format=json`).
    init(_ words: some Sequence<String>, valued: Set<String>, flags allowedFlags: Set<String>, usage: String)
        throws(CommandLineError)
    {
        var iterator = words.makeIterator()
        while let word = iterator.next() {
            guard word.hasPrefix("--"), word.count > 2 else {
                positionals.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if valued.contains(name) {
                guard let given = value ?? iterator.next() else {
                    throw .usage("--\(name) needs a value", usage: usage)
                }
                options[name] = given
                repeated[name, default: []].append(given)
            } else if allowedFlags.contains(name) && value == nil {
                flags.insert(name)
            } else {
                let known = (valued.union(allowedFlags)).map { "--" + $0 }.sorted()
                throw .usage(
                    "unknown option '--\(name)'; \(Suggestion.hint(for: "--" + name, among: known))", usage: usage)
            }
        }
    }

    /// The output format: table (default), json or csv.
    func format(allowed: [String] = ["table", "json"], usage: String) throws(CommandLineError) -> String {
        let format = options["format"] ?? "table"
        guard allowed.contains(format) else {
            throw .usage(
                "unknown format '\(format)'; expected one of: \(allowed.joined(separator: ", "))", usage: usage)
        }
        return format
    }
}
