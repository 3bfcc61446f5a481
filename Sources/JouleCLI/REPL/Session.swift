import Foundation
import JouleEval
import JouleSpec
import YAML

/// The REPL's state, as a value: the hardware as a YAML node tree with its decoded
/// `Accelerator`, the model, the workload settings, the output format and the snapshots.
/// A command runs on a copy and the copy replaces the session only when the command succeeds,
/// so a failed command leaves the state as it was.
struct Session {
    /// A hardware description: the file's node tree as loaded, the tree with the session's
    /// edits, and the accelerator decoded from the edited tree.
    struct Hardware {
        /// The name or path it was loaded by.
        var name: String
        var path: String
        var lines: SourceLines
        var original: YAMLNode
        var node: YAMLNode
        var accelerator: Accelerator
        /// The tree as `export` last wrote it (nil: never exported).
        var written: YAMLNode? = nil
    }

    /// A model: decoded, with its node trees (so `set model.…` works). A Hugging Face
    /// `config.json` gets the tree of the YAML model it reads as (`ModelTree`).
    struct Model {
        /// The name or path it was loaded by.
        var name: String
        var path: String
        var lines: SourceLines?
        var original: YAMLNode?
        var node: YAMLNode?
        var config: ModelConfig
        /// The tree as `export` last wrote it (nil: never exported).
        var written: YAMLNode? = nil
    }

    /// The workload and evaluation settings; nil means the command line's default.
    struct Workload: Equatable {
        var phase = "prefill"
        var batch = 1
        var sequence: Int?
        var context: Int?
        var precision: String?
        var dataflow: String?
        var fusion = "auto"
        var attention: String?
        var logits: String?
        var roofline = "mapped"
        var objective = "energy"
        var operatingPoint: String?
        /// N:M weight sparsity (`--sparsity`) and FFN activation density (`--activation-density`).
        var sparsity: String?
        var activationDensity: String?
        /// Speculative decoding: the draft model, draft tokens per verification, acceptance rate.
        var speculative: String?
        var draftTokens: String?
        var acceptance: String?
        /// Serving settings by key (`Session.servingKeys`): workload file, cluster, plan, batch and power caps.
        var serving: [String: String] = [:]
    }

    /// What `save` keeps.
    struct Snapshot {
        var hardware: Hardware?
        var model: Model?
        var workload: Workload
    }

    var hardware: Hardware?
    var model: Model?
    var workload = Workload()
    var format = SessionCommand.Format.table
    /// The snapshots `save` kept.
    let snapshots = SnapshotShelf()
    /// Snapshot names in the order they were saved.
    var snapshotOrder: [String] { snapshots.names }
    /// Where names are looked up.
    var catalog = Catalog.standard()
    /// Mapping results shared by every evaluation of the session (a memo: it never changes a result).
    let cache = MapperCache()

    // MARK: Loading

    /// Runs a load of `path`; a file's diagnostics become one line that points at `joule check`.
    private static func loading<T>(_ path: String, _ body: () throws -> T) throws(SessionError) -> T {
        do {
            return try body()
        } catch let error as SessionError {
            throw error
        } catch let error as Diagnostics {
            throw SessionError(SessionError.oneLine(error) + " (joule check \(path) lists every error)")
        } catch {
            throw SessionError("\(path): \(error)")
        }
    }

    /// Loads a hardware file by name or path, keeping its node tree.
    static func loadHardware(_ nameOrPath: String, catalog: Catalog) throws(SessionError) -> Hardware {
        guard let path = catalog.resolve(nameOrPath, shelf: .hardware) else {
            let names = catalog.names(on: .hardware)
            throw SessionError(
                "no hardware file or library entry named '\(nameOrPath)'; "
                    + (names.isEmpty ? "give a path to a .yaml file" : Suggestion.hint(for: nameOrPath, among: names)))
        }
        return try loading(path) {
            let text = try Catalog.readText(path)
            guard let node = try YAMLParser().parse(text, path: path) else {
                throw SessionError("\(path) is empty; expected a hardware description")
            }
            let lines = SourceLines(text)
            let accelerator = try YAMLDecoder().decode(Accelerator.self, from: node, path: path, lines: lines)
            return Hardware(
                name: nameOrPath, path: path, lines: lines, original: node, node: node, accelerator: accelerator)
        }
    }

    /// Loads a model by name or path, keeping its node tree: a YAML file's, or for a Hugging
    /// Face `config.json` the tree of the YAML model it reads as.
    static func loadModel(_ nameOrPath: String, catalog: Catalog) throws(SessionError) -> Model {
        guard let path = catalog.resolve(nameOrPath, shelf: .models) else {
            let names = catalog.names(on: .models)
            throw SessionError(
                "no model file or library entry named '\(nameOrPath)'; "
                    + (names.isEmpty
                        ? "give a path to a .yaml model or a config.json"
                        : Suggestion.hint(for: nameOrPath, among: names)))
        }
        return try loading(path) {
            if path.hasSuffix(".json") {
                let config = try ModelConfig.load(path, catalog: catalog)
                let (node, lines) = try ModelTree.tree(config, path: path)
                return Model(name: nameOrPath, path: path, lines: lines, original: node, node: node, config: config)
            }
            let text = try Catalog.readText(path)
            guard let node = try YAMLParser().parse(text, path: path) else {
                throw SessionError("\(path) is empty; expected a model description")
            }
            let lines = SourceLines(text)
            let config = try YAMLDecoder().decode(ModelConfig.self, from: node, path: path, lines: lines)
            return Model(name: nameOrPath, path: path, lines: lines, original: node, node: node, config: config)
        }
    }

    func requireHardware() throws(SessionError) -> Hardware {
        guard let hardware else {
            throw SessionError("no hardware loaded; load hardware NAME first, e.g. load hardware tpu-v1")
        }
        return hardware
    }

    func requireModel() throws(SessionError) -> Model {
        guard let model else {
            throw SessionError("no model loaded; load model NAME first, e.g. load model llama-2-7b")
        }
        return model
    }

    // MARK: The prompt

    /// The phase with its batch and sequence or context, e.g. `decode b=8 ctx=1024`.
    var phaseSummary: String { Self.phaseSummary(workload, model: model) }

    static func phaseSummary(_ workload: Workload, model: Model?) -> String {
        var text = "\(workload.phase) b=\(workload.batch)"
        let fallback = model.map { min(2048, $0.config.maxPositions) }
        if workload.phase == "decode" {
            if let context = workload.context ?? fallback { text += " ctx=\(context)" }
        } else if let sequence = workload.sequence ?? fallback {
            text += " seq=\(sequence)"
        }
        return text
    }

    /// `joule [tpu-v1* | llama-2-7b | decode b=8 ctx=1024]> `; `*` marks an edited description.
    var prompt: String {
        let hardwareName = hardware.map { $0.accelerator.name + (edited($0) ? "*" : "") } ?? "no hardware"
        let modelName =
            model.map { $0.config.name + ($0.node != nil && !Self.sameTree($0.node, $0.original) ? "*" : "") }
            ?? "no model"
        return "joule [\(hardwareName) | \(modelName) | \(phaseSummary)]> "
    }

    /// A path relative to the current folder when it lies below it (shorter transcripts).
    static func display(_ path: String) -> String {
        let folder = FileManager.default.currentDirectoryPath
        return path.hasPrefix(folder + "/") ? String(path.dropFirst(folder.count + 1)) : path
    }

    func edited(_ hardware: Hardware) -> Bool { !Self.sameTree(hardware.node, hardware.original) }

    /// The descriptions with edits that no `export` has written, e.g. `hardware tpu-v1 (1 edit)`:
    /// what leaving the session would lose.
    var unsavedEdits: [String] {
        var out: [String] = []
        if let hw = hardware, edited(hw), !Self.sameTree(hw.node, hw.written) {
            let count = Self.treeChanges(from: hw.original, to: hw.node).count
            out.append("hardware \(hw.accelerator.name) (\(count) edit\(count == 1 ? "" : "s"))")
        }
        if let m = model, let node = m.node, let original = m.original, !Self.sameTree(node, original),
            !Self.sameTree(node, m.written)
        {
            let count = Self.treeChanges(from: original, to: node).count
            out.append("model \(m.config.name) (\(count) edit\(count == 1 ? "" : "s"))")
        }
        return out
    }

    static func sameTree(_ a: YAMLNode?, _ b: YAMLNode?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        let x = a.leaves()
        let y = b.leaves()
        return x.count == y.count && zip(x, y).allSatisfy { $0.path == $1.path && $0.value == $1.value }
    }
}
