import Foundation
import JouleEval
import JouleSpec
import YAML

/// Tab completion for the REPL: the words that can complete `word`, given the text of the line
/// before it. Pure: a function of the line and the session.
enum SessionCompleter {
    /// Schema keys offered below each part of a hardware description (keys already in the
    /// file are offered too).
    static let hardwareKeys: [String: [String]] = [
        "": Session.hardwareTopKeys,
        "compute": [
            "kind", "array", "macs_per_pe_per_cycle", "precisions", "dataflows", "weight_preload", "vector",
        ],
        "compute.array": ["rows", "cols"],
        "compute.vector": ["lanes", "energy_per_op"],
        "compute.precisions": Precision.allCases.map(\.rawValue),
        "memory.*": [
            "name", "kind", "technology", "size", "instances", "holds", "bandwidth", "read_bandwidth",
            "write_bandwidth", "read_energy", "write_energy", "width", "leakage", "multiple_buffering",
        ],
        "operating_points.*": ["frequency", "voltage", "name"],
        "area": ["total", "compute", "memory"],
    ]

    /// Keys that hold a mapping or a sequence (completed with a trailing dot).
    static let containers: Set<String> = [
        "compute", "compute.array", "compute.vector", "compute.precisions", "memory", "operating_points", "area",
        "ffn", "norm", "moe", "vision", "classifier",
    ]

    static let modelKeys: [String: [String]] = [
        "": [
            "name", "source", "family", "hidden_size", "layers", "heads", "kv_heads", "head_dim", "ffn", "norm",
            "parallel_attention", "attention_bias", "qkv_bias_only", "vocab_size", "tied_embeddings", "lm_head",
            "lm_head_bias", "position_embedding", "max_positions", "position_offset", "sliding_window",
            "partial_rotary_factor", "moe", "token_types", "pooler", "vision", "classifier", "final_norm",
            "embedding_norm",
        ],
        "ffn": ["size", "kind", "bias", "activation"],
        "norm": ["kind", "bias"],
        "moe": ["experts", "top_k", "shared_experts", "router_bias"],
        "vision": ["image_size", "patch_size", "channels", "class_token", "patch_bias"],
        "classifier": ["classes", "bias"],
    ]

    /// Values offered after `set KEY`.
    static func values(for key: String, session: Session) -> [String] {
        switch key {
        case "phase": return ["prefill", "decode", "training"]
        case "precision": return PrecisionConfig.presets.keys.sorted() + ["int16", "fp32"]
        case "dataflow":
            return (session.hardware?.accelerator.compute.dataflows ?? Dataflow.allCases).map(\.rawValue) + ["any"]
        case "fusion": return GraphOptions.fusionNames
        case "attention": return GraphOptions.Attention.allCases.map(\.rawValue)
        case "logits": return GraphOptions.Logits.allCases.map(\.rawValue)
        case "roofline": return RooflineMode.allCases.map(\.rawValue)
        case "objective": return Objective.allCases.map(\.rawValue)
        case "sparsity": return ["dense", "2:4"]
        case "draft_tokens": return ["auto"]
        case "speculative": return session.catalog.names(on: .models)
        case "hardware": return session.catalog.names(on: .hardware)
        case "model": return session.catalog.names(on: .models)
        case "operating_point":
            return (session.hardware?.accelerator.operatingPoints.indices).map { $0.map(String.init) } ?? ["0"]
        default:
            if key.hasSuffix(".kind") && key.contains("memory.") { return ["dram", "sram", "register"] }
            if key.hasSuffix("compute.kind") { return ComputeArray.Kind.allCases.map(\.rawValue) }
            if key.hasSuffix("compute.weight_preload") {
                return ComputeArray.WeightPreload.allCases.map(\.rawValue)
            }
            return []
        }
    }

    /// The completions of `word`, the word being typed after `before`.
    static func candidates(before: String, word: String, session: Session) -> [String] {
        let words = SessionToken.split(before).map(\.text)
        guard let command = words.first else {
            return SessionCommand.names.filter { $0.hasPrefix(word) }
        }
        let position = words.count
        let options: [String]
        switch (command, position) {
        case ("help", 1): options = SessionHelp.topics
        case ("load", 1), ("export", 1): options = SessionCommand.Subject.allCases.map(\.rawValue)
        case ("load", 2):
            let shelf: Catalog.Shelf = words[1] == "model" ? .models : .hardware
            options = session.catalog.names(on: shelf) + paths(word)
        case ("export", 2), ("plot", 2): options = paths(word)
        case ("sweep", 1): options = word.contains("/") ? paths(word) : keys(word, session: session) + paths(word)
        case ("show", 1): options = SessionCommand.ShowTarget.allCases.map(\.rawValue)
        case ("show", 2) where words[1] == "graph" || words[1] == "mapping":
            options = roles(session)
        case ("set", 1), ("unset", 1): options = keys(word, session: session)
        case ("set", 2): options = values(for: words[1], session: session)
        case ("sweep", 2): options = ["in"]
        case ("eval", 1): options = ["--per-op"]
        case ("breakdown", 1): options = ["by"]
        case ("breakdown", 2): options = SessionCommand.Cut.allCases.map(\.rawValue)
        case ("top", 1): options = ["10", "energy", "time"]
        case ("top", 2): options = SessionCommand.Rank.allCases.map(\.rawValue)
        case ("compare", 1): options = session.snapshotOrder + session.catalog.names(on: .hardware)
        case ("restore", 1): options = session.snapshotOrder
        case ("plot", 1): options = SessionCommand.PlotKind.allCases.map(\.rawValue)
        case ("format", 1): options = SessionCommand.Format.allCases.map(\.rawValue)
        default: options = []
        }
        var seen = Set<String>()
        return options.filter { $0.hasPrefix(word) && seen.insert($0).inserted }
    }

    /// Operator roles of the current model's graph, for `show graph|mapping OP`.
    static func roles(_ session: Session) -> [String] {
        guard let graph = try? session.graph() else { return [] }
        var roles: [String] = []
        for op in graph.operators where !roles.contains(op.role.rawValue) { roles.append(op.role.rawValue) }
        return roles
    }

    /// Key paths: settings, `hardware.` and `model.` paths through the node trees and the schema.
    static func keys(_ word: String, session: Session) -> [String] {
        guard let dot = word.lastIndex(of: ".") else {
            return Session.workloadKeys + Session.servingKeys + ["hardware.", "model."]
        }
        let parent = String(word[..<dot])
        var parts = parent.split(separator: ".").map(String.init)
        guard let root = parts.first, root == "hardware" || root == "model" else { return [] }
        parts.removeFirst()
        let node = root == "hardware" ? session.hardware?.node : session.model?.node
        let schema = root == "hardware" ? hardwareKeys : modelKeys
        let here = node?.node(at: parts)
        // The schema path with sequence items generalised: memory.GlobalBuffer -> memory.*.
        var general: [String] = []
        var walker = node
        for part in parts {
            general.append(walker?.items != nil ? "*" : part)
            walker = walker?.node(at: [part])
        }
        let schemaPath = general.joined(separator: ".")
        var children = here?.childNames ?? []
        if here?.items == nil {
            for key in schema[schemaPath] ?? [] where !children.contains(key) { children.append(key) }
        }
        return children.map { child in
            let childNode = here?.node(at: [child])
            let path = schemaPath.isEmpty ? child : schemaPath + "." + child
            let isContainer =
                childNode.map { $0.entries != nil || $0.items != nil } ?? containers.contains(path)
            return parent + "." + child + (isContainer ? "." : "")
        }
    }

    /// Files and folders starting with `word` (folders end with '/').
    static func paths(_ word: String) -> [String] {
        let expanded = (word as NSString).expandingTildeInPath
        let folder: String
        let stem: String
        if word.hasSuffix("/") {
            folder = expanded
            stem = ""
        } else {
            folder = (expanded as NSString).deletingLastPathComponent
            stem = (expanded as NSString).lastPathComponent
        }
        let listed = folder.isEmpty ? "." : folder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: listed) else { return [] }
        let typedFolder = word.hasSuffix("/") ? word : String(word.dropLast(stem.count))
        return names.filter { $0.hasPrefix(stem) && ($0.hasPrefix(".") == stem.hasPrefix(".")) }.sorted().map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(
                atPath: (listed as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
            return typedFolder + name + (isDirectory.boolValue ? "/" : "")
        }
    }

    /// The longest prefix the candidates share.
    static func commonPrefix(_ candidates: [String]) -> String {
        guard var prefix = candidates.first else { return "" }
        for candidate in candidates.dropFirst() {
            while !candidate.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
