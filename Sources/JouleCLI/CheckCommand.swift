import Foundation
import JouleSpec
import JouleSystem
import YAML

/// `joule check FILE...`: validates hardware and model files.
enum CheckCommand {
    static let usage = "usage: joule check FILE... [--quiet]"

    static let help = """
        \(usage)

        Validates Joule input files and prints every error with file:line:column, the offending
        line and a caret, as a compiler does. The kind of file is told from its keys (hardware
        files have `compute` and `memory`, model files `hidden_size`); `.json` files are read as
        Hugging Face configs. Exits 0 when every file is valid, 65 otherwise.

        example:
          joule check Hardware/*.yaml Models/*.yaml Models/hf/*/config.json
        """

    /// What a file describes, told from its top-level keys (or its folder).
    enum FileKind: String {
        case hardware, model, huggingFace
    }

    /// A `.json` file is a Hugging Face config; a YAML file with `hidden_size` or `layers` is a
    /// model; anything else is read as hardware (so a broken file still gets its errors).
    static func kind(of path: String) -> FileKind {
        if path.hasSuffix(".json") { return .huggingFace }
        let text = (try? Catalog.readText(path)) ?? ""
        if let root = try? YAMLParser().parse(text, path: path), let entries = root.entries {
            let keys = Set(entries.map(\.key))
            if keys.contains("compute") || keys.contains("memory") { return .hardware }
            if keys.contains("hidden_size") || keys.contains("layers") { return .model }
        }
        return path.split(separator: "/").contains("Models") ? .model : .hardware
    }

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: [], flags: ["quiet"], usage: usage)
        guard !arguments.positionals.isEmpty else { throw .usage("name at least one file to check", usage: usage) }
        var failures: [Diagnostic] = []
        var lines: [String] = []
        for path in arguments.positionals {
            do {
                if let text = try? Catalog.readText(path), let root = try? YAMLParser().parse(text, path: path),
                    ["input_tokens", "output_tokens", "requests", "trace"].contains(where: { root[$0] != nil })
                {
                    // Serving workload files (JouleSystem).
                    let workload = try ServingWorkload.load(path)
                    lines.append("\(path): ok (workload \(workload.name))")
                    continue
                }
                if let text = try? Catalog.readText(path), let root = try? YAMLParser().parse(text, path: path),
                    root["pools"] != nil
                {
                    // Serving fleet files (JouleSystem).
                    let fleet = try Fleet.load(path)
                    lines.append("\(path): ok (fleet \(fleet.name), \(fleet.pools.count) pools)")
                    continue
                }
                if Cluster.isCluster(path) {
                    // Cluster files (JouleSystem) carry their own loader.
                    let cluster = try Cluster.load(path)
                    lines.append("\(path): ok (cluster \(cluster.name), \(cluster.devices) x \(cluster.device.name))")
                    continue
                }
                switch kind(of: path) {
                case .hardware:
                    let accelerator = try Catalog.decode(Accelerator.self, path: path)
                    lines.append("\(path): ok (hardware \(accelerator.name))")
                case .model, .huggingFace:
                    let model = try ModelConfig.load(path)
                    lines.append(
                        "\(path): ok (model \(model.name), \(QuantityFormat.grouped(model.parameters.total)) parameters)"
                    )
                }
            } catch {
                failures += error.items
            }
        }
        if !failures.isEmpty {
            if !arguments.flags.contains("quiet") && !lines.isEmpty { print(lines.joined(separator: "\n")) }
            throw .data(Diagnostics(failures))
        }
        return arguments.flags.contains("quiet") ? "" : lines.joined(separator: "\n")
    }
}
