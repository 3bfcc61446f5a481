import Foundation
import JouleSpec
import YAML

/// `joule check FILE...`: validates hardware (and, as they arrive, model and sweep) files.
enum CheckCommand {
    static let usage = "usage: joule check FILE... [--quiet]"

    static let help = """
        \(usage)

        Validates Joule input files and prints every error with file:line:column, the offending
        line and a caret, as a compiler does. The kind of file is told from its keys (hardware
        files have `compute` and `memory`). Exits 0 when every file is valid, 65 otherwise.

        example:
          joule check Hardware/*.yaml
        """

    /// What a file describes, told from its top-level keys (or its folder).
    enum FileKind: String {
        case hardware
    }

    static func kind(of path: String) -> FileKind {
        .hardware
    }

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: [], flags: ["quiet"], usage: usage)
        guard !arguments.positionals.isEmpty else { throw .usage("name at least one file to check", usage: usage) }
        var failures: [Diagnostic] = []
        var lines: [String] = []
        for path in arguments.positionals {
            do {
                switch kind(of: path) {
                case .hardware:
                    let accelerator = try Catalog.decode(Accelerator.self, path: path)
                    lines.append("\(path): ok (hardware \(accelerator.name))")
                }
            } catch {
                failures += error.items
            }
        }
        if !failures.isEmpty {
            if !arguments.flags.contains("quiet") { print(lines.joined(separator: "\n")) }
            throw .data(Diagnostics(failures))
        }
        return arguments.flags.contains("quiet") ? "" : lines.joined(separator: "\n")
    }
}
