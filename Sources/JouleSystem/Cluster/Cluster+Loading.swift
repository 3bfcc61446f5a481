import Foundation
import JouleSpec
import YAML

extension Cluster {
    /// The library folder cluster files are looked up in.
    public static let shelf = "Clusters"

    /// The path a cluster name or path refers to: an existing file as is, else `NAME.yaml` in
    /// a `Clusters/` folder under the catalog's roots.
    public static func resolve(_ nameOrPath: String, catalog: Catalog = .standard()) -> String? {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        if manager.fileExists(atPath: nameOrPath, isDirectory: &isDirectory) {
            return isDirectory.boolValue ? nil : nameOrPath
        }
        if nameOrPath.contains("/") { return nil }
        for root in catalog.roots {
            for candidate in [nameOrPath + ".yaml", nameOrPath + ".yml"] {
                let path = ((root as NSString).appendingPathComponent(shelf) as NSString)
                    .appendingPathComponent(candidate)
                if manager.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue { return path }
            }
        }
        return nil
    }

    /// The cluster names in the first `Clusters/` folder found.
    public static func names(catalog: Catalog = .standard()) -> [String] {
        for root in catalog.roots {
            let folder = (root as NSString).appendingPathComponent(shelf)
            if let files = try? FileManager.default.contentsOfDirectory(atPath: folder) {
                let names = files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }
                if !names.isEmpty { return names.sorted() }
            }
        }
        return []
    }

    /// The top-level keys only a cluster file has.
    public static let distinctiveKeys: Set<String> = ["device", "devices_per_node", "nodes", "interconnect"]

    /// Whether a name or path is a cluster file: a library name on the `Clusters/` shelf (and
    /// not on `Hardware/`), or a file with a key only cluster files have (so a misspelt
    /// cluster file still gets cluster errors).
    public static func isCluster(_ nameOrPath: String, catalog: Catalog = .standard()) -> Bool {
        guard let path = resolve(nameOrPath, catalog: catalog) else { return false }
        if !nameOrPath.contains("/"), FileManagerCheck.exists(nameOrPath) == false,
            catalog.resolve(nameOrPath, shelf: .hardware) == nil
        {
            return true
        }
        guard let text = try? Catalog.readText(path), let root = try? YAMLParser().parse(text, path: path),
            let keys = root.entries?.map(\.key)
        else { return false }
        return !distinctiveKeys.isDisjoint(with: keys)
    }

    /// Loads a cluster file and the hardware file its `device` names (an error in the
    /// hardware file is reported at the `device:` line as well as in that file).
    public static func load(_ nameOrPath: String, catalog: Catalog = .standard()) throws(Diagnostics) -> Cluster {
        guard let path = resolve(nameOrPath, catalog: catalog) else {
            let names = names(catalog: catalog)
            throw Diagnostics([
                Diagnostic(
                    path: nameOrPath, mark: nil, message: "no cluster file or library entry named '\(nameOrPath)'",
                    hint: names.isEmpty ? "give a path to a .yaml file" : Suggestion.hint(for: nameOrPath, among: names)
                )
            ])
        }
        let text = try Catalog.readText(path)
        let description = try YAMLDecoder().decode(ClusterDescription.self, from: text, path: path)
        let device: Accelerator
        do {
            // A device named relative to the cluster file is found beside it as well.
            let beside = ((path as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent(description.device.value)
            let name = FileManager.default.fileExists(atPath: beside) ? beside : description.device.value
            device = try Accelerator.load(name, catalog: catalog)
        } catch {
            let line = description.device.mark.flatMap { SourceLines(text).line($0.line) }
            let here = Diagnostic(
                path: path, mark: description.device.mark,
                message: "device '\(description.device.value)' could not be loaded", sourceLine: line)
            throw Diagnostics([here] + error.items)
        }
        return Cluster(
            name: description.name, source: description.source, device: device,
            devicesPerNode: description.devicesPerNode, nodes: description.nodes,
            nodeLink: description.devicesPerNode > 1 ? description.level(.node) : nil,
            clusterLink: description.nodes > 1 ? description.level(.cluster) : nil)
    }
}

/// Whether a path names an existing file (a bare name may also be a file in the current folder).
private enum FileManagerCheck {
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
