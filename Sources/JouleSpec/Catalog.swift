import Foundation
import YAML

/// Finds and reads Joule's input files: a path as given, or a bare name looked up in the
/// `Hardware/` or `Models/` library.
///
/// Library folders are searched in order: each folder in `$JOULE_PATH` (colon-separated),
/// the current directory, then the folders above the `joule` executable (so a build in
/// `.build/release` finds the repository's libraries).
public struct Catalog: Sendable {
    /// Which library a name is looked up in.
    public enum Shelf: String, Sendable {
        case hardware = "Hardware"
        case models = "Models"
        case sweeps = "Sweeps"
    }

    /// The folders searched for library subfolders, in order.
    public var roots: [String]

    /// A catalog over explicit roots.
    public init(roots: [String]) {
        self.roots = roots
    }

    /// The default search roots: `$JOULE_PATH`, the current directory, and the executable's ancestors.
    public static func standard() -> Catalog {
        var roots: [String] = []
        if let path = ProcessInfo.processInfo.environment["JOULE_PATH"] {
            roots += path.split(separator: ":").map(String.init)
        }
        roots.append(FileManager.default.currentDirectoryPath)
        var directory = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        for _ in 0..<6 {
            roots.append(directory.path)
            directory.deleteLastPathComponent()
        }
        return Catalog(roots: roots)
    }

    /// The path a name or path refers to: an existing path as is, else `NAME.yaml` in a shelf.
    public func resolve(_ nameOrPath: String, shelf: Shelf) -> String? {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return nameOrPath }
            let config = (nameOrPath as NSString).appendingPathComponent("config.json")
            if manager.fileExists(atPath: config) { return config }
            return nil
        }
        if nameOrPath.contains("/") { return nil }
        for root in roots {
            for candidate in [nameOrPath + ".yaml", nameOrPath + ".yml", nameOrPath] {
                let path = ((root as NSString).appendingPathComponent(shelf.rawValue) as NSString)
                    .appendingPathComponent(candidate)
                if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    return path
                }
            }
        }
        return nil
    }

    /// The names available on a shelf (file names without `.yaml`), from the first root that has it.
    public func names(on shelf: Shelf) -> [String] {
        for root in roots {
            let folder = (root as NSString).appendingPathComponent(shelf.rawValue)
            if let files = try? FileManager.default.contentsOfDirectory(atPath: folder) {
                let names = files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
                if !names.isEmpty { return names.sorted() }
            }
        }
        return []
    }

    /// Reads a text file, rejecting unreadable, oversized or non-UTF-8 files with a diagnostic.
    public static func readText(_ path: String, limit: Int = 64 << 20) throws(Diagnostics) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Diagnostics([Diagnostic(path: path, mark: nil, message: "cannot read the file")])
        }
        guard data.count <= limit else {
            throw Diagnostics([
                Diagnostic(
                    path: path, mark: nil,
                    message: "the file is \(data.count) bytes; Joule reads files up to \(limit) bytes")
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let valid = Self.validUTF8Prefix(data)
            let lines = valid.unicodeScalars.split(omittingEmptySubsequences: false) { $0 == "\n" }
            let mark = SourceMark(line: lines.count, column: (lines.last?.count ?? 0) + 1)
            throw Diagnostics([
                Diagnostic(
                    path: path, mark: mark, message: "the file is not UTF-8 text",
                    hint: "Joule reads YAML and JSON text files")
            ])
        }
        return text
    }

    private static func validUTF8Prefix(_ data: Data) -> String {
        var end = data.count
        while end > 0 {
            if let text = String(data: data.prefix(end), encoding: .utf8) { return text }
            end = end > 4096 ? end / 2 : end - 1
        }
        return ""
    }

    /// Loads and decodes a file as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, path: String) throws(Diagnostics) -> T {
        let text = try readText(path)
        return try YAMLDecoder().decode(type, from: text, path: path)
    }
}

extension Accelerator {
    /// Loads a hardware description from a path, or by name from the `Hardware/` library.
    public static func load(_ nameOrPath: String, catalog: Catalog = .standard()) throws(Diagnostics) -> Accelerator {
        guard let path = catalog.resolve(nameOrPath, shelf: .hardware) else {
            let names = catalog.names(on: .hardware)
            throw Diagnostics([
                Diagnostic(
                    path: nameOrPath, mark: nil, message: "no hardware file or library entry named '\(nameOrPath)'",
                    hint: names.isEmpty ? "give a path to a .yaml file" : Suggestion.hint(for: nameOrPath, among: names)
                )
            ])
        }
        return try Catalog.decode(Accelerator.self, path: path)
    }
}
