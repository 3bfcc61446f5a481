import JouleSpec
import YAML

/// A Timeloop architecture read from its YAML: the chain of storage levels, outermost first,
/// and the compute unit at the bottom, with instance counts multiplied down the tree.
///
/// Both of Timeloop's forms are read: v0.4's flat `nodes:` list of `!Container` and
/// `!Component` (with `!Hierarchical` and `!Parallel` lists inlined), and the older `subtree:`/`local:` tree
/// whose names carry instance ranges (`PE[0..15]`). Facts of the format are from Timeloop's
/// source (NVlabs/timeloop, `src/model/buffer.cpp`, `include/model/topology.hpp`).
struct TimeloopArchitecture {
    /// One storage level (a component of a buffer class).
    struct Storage {
        var name: String
        var mark: SourceMark
        var className: String
        var kind: MemoryLevel.Kind
        /// Capacity in words after multiple buffering; nil when Timeloop leaves it unbounded (DRAM).
        var words: Int?
        /// How the capacity was derived, for the written file's comment.
        var sizeNote: String
        var wordBits: Int?
        var wordBitsMark: SourceMark?
        var blockSize: Int
        var instances: Int
        var readBandwidth: Double?
        var writeBandwidth: Double?
        var sharedBandwidth: Double?
        var dramType: Located<String>?
        var keep: [Located<String>]?
        var bypass: [Located<String>]
        /// A branch of a `!Parallel`: it holds only what it keeps (its siblings hold the rest).
        var exclusive = false
    }

    /// The compute unit (a component of a compute class).
    struct Compute {
        var name: String
        var mark: SourceMark
        var className: String
        var rows: Int
        var cols: Int
        var wordBits: Int?
    }

    /// The first container's name (the design's name), if any.
    var name: String?
    var technology: Located<String>?
    var cycleSeconds: Double?
    var storages: [Storage] = []
    var compute: Compute?
    /// Containers (and timeloopfe's dummy storage levels) by name, with the index of the storage
    /// level above them: a spatial directive that targets one fans out from that level.
    var containers: [String: Int] = [:]
    /// Components left out (network classes), named for the written file's comment.
    var ignored: [String] = []

    /// Timeloop's buffer classes, matched as substrings of `class` (`topology.hpp`, `bufferClasses`).
    static let bufferClasses = ["DRAM", "SRAM", "regfile", "smartbuffer", "storage"]
    /// Timeloop's compute classes, matched as substrings (`topology.hpp`, `computeClasses`).
    static let computeClasses = ["mac", "intmac", "fpmac", "compute"]
    /// Timeloop's network classes (`topology.hpp`, `networkClasses`); Joule charges no network energy.
    static let networkClasses = ["XY_NoC", "Legacy", "ReductionTree", "SimpleMulticast"]
    /// Timeloop's word size when a level gives none (`buffer.hpp`, `kDefaultWordBits`).
    static let defaultWordBits = 16

    /// Where the tree walk stands: the instance multipliers and inherited attributes above.
    private struct Scope {
        var meshX = 1
        var meshY = 1
    }

    /// Reads the `architecture:` of a Timeloop file; every fault is recorded in `source`.
    static func read(_ source: inout TimeloopSource) -> TimeloopArchitecture? {
        guard let architecture = source.root["architecture"] else {
            source.error(
                "a Timeloop architecture file has a top-level 'architecture:' key", at: source.root.mark,
                hint: "architecture: { version: 0.4, nodes: [ ... ] }")
            return nil
        }
        var result = TimeloopArchitecture()
        var scope = Scope()
        if let nodes = architecture["nodes"] {
            guard let items = nodes.items else {
                source.error("'nodes' must be a list of !Container and !Component", at: nodes.mark)
                return nil
            }
            result.walk(items, scope: &scope, source: &source)
        } else if let subtree = architecture["subtree"] {
            result.walkSubtree(subtree, scope: scope, source: &source)
        } else {
            source.error(
                "the architecture has neither 'nodes' (v0.4) nor 'subtree' (v0.2/v0.3)", at: architecture.mark,
                hint: "architecture: { version: 0.4, nodes: [ !Container {name: System}, !Component {...} ] }")
            return nil
        }
        if let variables = source.root["variables"] ?? architecture["variables"] {
            result.inherit(variables, source: &source)
        }
        if result.compute == nil {
            source.error(
                "the architecture has no compute component (class \(computeClasses.joined(separator: ", ")))",
                at: architecture.mark)
        }
        if result.storages.isEmpty {
            source.error("the architecture has no storage level", at: architecture.mark)
        }
        return result
    }

    /// v0.4: a flat list; a container's `spatial` multiplies every node after it.
    private mutating func walk(_ items: [YAMLNode], scope: inout Scope, source: inout TimeloopSource) {
        for node in items {
            guard node.entries != nil else {
                source.error(
                    "a node must be a !Container or a !Component mapping, found \(node.kindDescription)", at: node.mark,
                    hint: "- !Component { name: Buffer, class: regfile, attributes: { depth: 64, width: 8 } }")
                continue
            }
            let tag =
                node.tag
                ?? (node["class"] != nil ? "!Component" : node["nodes"] != nil ? "!Hierarchical" : "!Container")
            switch tag {
            case "!Container":
                if let name = node["name"]?.scalar {
                    if self.name == nil { self.name = name }
                    containers[name] = storages.count - 1
                }
                if let attributes = node["attributes"] { inherit(attributes, source: &source) }
                multiply(&scope, by: node["spatial"], source: &source)
            case "!Component":
                var local = scope
                multiply(&local, by: node["spatial"], source: &source)
                component(node, scope: local, source: &source)
                scope = local
            case "!Hierarchical":
                if let inner = node["nodes"]?.items { walk(inner, scope: &scope, source: &source) }
            case "!Parallel":
                // Timeloop's front end writes a !Parallel's branches as consecutive levels, in the
                // order listed (parsed-processed-input.yaml of the tutorial's simple_weight_stationary
                // design: weight_reg, input_activation_reg, output_activation_reg, then mac); each
                // branch keeps the data spaces its constraints name, and only those.
                let first = storages.count
                if let inner = node["nodes"]?.items { walk(inner, scope: &scope, source: &source) }
                for index in first..<storages.count { storages[index].exclusive = true }
            default:
                source.error(
                    "unknown node tag '\(tag)'", at: node.mark,
                    hint: Suggestion.hint(for: tag, among: ["!Container", "!Component", "!Hierarchical", "!Parallel"]))
            }
        }
    }

    /// v0.2/v0.3: `subtree:` nodes with `local:` components; a range in a name is an instance count.
    private mutating func walkSubtree(_ node: YAMLNode, scope: Scope, source: inout TimeloopSource) {
        let items = node.items ?? [node]
        for item in items {
            guard item.entries != nil else {
                source.error("a subtree node must be a mapping, found \(item.kindDescription)", at: item.mark)
                continue
            }
            var inner = scope
            if let name = item["name"]?.scalar {
                let (base, count) = Self.range(name)
                if self.name == nil { self.name = base }
                inner.meshX = TimeloopSource.product(inner.meshX, count)
                containers[base] = storages.count - 1
            }
            if let attributes = item["attributes"] { inherit(attributes, source: &source) }
            for component in item["local"]?.items ?? [] {
                guard component.entries != nil else {
                    source.error(
                        "a local component must be a mapping, found \(component.kindDescription)", at: component.mark)
                    continue
                }
                var local = inner
                if let name = component["name"]?.scalar {
                    local.meshX = TimeloopSource.product(local.meshX, Self.range(name).count)
                }
                self.component(component, scope: local, source: &source)
            }
            if let subtree = item["subtree"] { walkSubtree(subtree, scope: inner, source: &source) }
        }
    }

    /// `name[0..15]` is 16 instances of `name`.
    static func range(_ name: String) -> (base: String, count: Int) {
        guard let open = name.firstIndex(of: "["), name.hasSuffix("]") else { return (name, 1) }
        let inside = name[name.index(after: open)..<name.index(before: name.endIndex)]
        let bounds = inside.split(separator: ".", omittingEmptySubsequences: true)
        guard bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), high >= low else {
            return (String(name[..<open]), 1)
        }
        return (String(name[..<open]), high - low + 1)
    }

    /// Attributes inherited by everything below: the technology and the cycle time.
    private mutating func inherit(_ attributes: YAMLNode, source: inout TimeloopSource) {
        if technology == nil, let node = attributes["technology"], let text = node.scalar {
            technology = Located(text, at: node.mark)
        }
        if cycleSeconds == nil, let node = attributes["global_cycle_seconds"] {
            cycleSeconds = source.positive(node, "global_cycle_seconds")
        }
    }

    /// `spatial: {meshX: 16, meshY: 2}`.
    private func multiply(_ scope: inout Scope, by spatial: YAMLNode?, source: inout TimeloopSource) {
        guard let spatial else { return }
        if let x = spatial["meshX"], let value = source.integer(x, "meshX") {
            scope.meshX = TimeloopSource.product(scope.meshX, value)
        }
        if let y = spatial["meshY"], let value = source.integer(y, "meshY") {
            scope.meshY = TimeloopSource.product(scope.meshY, value)
        }
    }

    /// One component: a storage level, the compute unit, or a network (left out).
    private mutating func component(_ node: YAMLNode, scope: Scope, source: inout TimeloopSource) {
        let name = Self.range(node["name"]?.scalar ?? "").base
        guard let classNode = node["class"], let className = classNode.scalar, !classNode.isNull else {
            source.error("component '\(name)' has no class", at: node.mark, hint: "class: SRAM")
            return
        }
        guard !name.isEmpty else {
            source.error("a component needs a name", at: node.mark, hint: "name: GlobalBuffer")
            return
        }
        let attributes = node["attributes"]
        if let attributes, technology == nil, attributes["technology"] != nil,
            !className.contains("DRAM")
        {
            inherit(attributes, source: &source)
        }
        // timeloopfe writes a container's fanout as a `dummy_storage` level (`inter_PE_spatial`)
        // that holds nothing; Joule puts that fanout on the storage level above it.
        if className.contains("dummy") {
            containers[name] = storages.count - 1
            return
        }
        if Self.networkClasses.contains(where: { className.contains($0) }) {
            ignored.append("\(name) (class \(className))")
            return
        }
        if Self.bufferClasses.contains(where: { className.contains($0) }) {
            if compute != nil {
                source.error(
                    "storage '\(name)' comes after the compute unit; Timeloop's levels end at the compute",
                    at: node.mark)
            }
            storage(node, name: name, className: className, scope: scope, source: &source)
            return
        }
        if Self.computeClasses.contains(where: { className.contains($0) }) {
            if let existing = compute {
                source.error(
                    "a second compute component '\(name)'; Joule models one MAC array ('\(existing.name)')",
                    at: node.mark)
                return
            }
            var bits: Int?
            for key in ["datawidth", "word_bits", "width", "multiplier_width"] {
                if let value = attributes?[key] {
                    bits = source.integer(value, key) ?? bits
                    break
                }
            }
            compute = Compute(
                name: name, mark: node.mark, className: className, rows: scope.meshX, cols: scope.meshY, wordBits: bits)
            return
        }
        source.error(
            "unknown class '\(className)' of component '\(name)'", at: classNode.mark,
            hint: "Timeloop's storage classes are \(Self.bufferClasses.joined(separator: ", ")); compute classes "
                + Self.computeClasses.joined(separator: ", "))
    }

    /// A storage level's capacity, word size, block size, bandwidths and kept data spaces.
    private mutating func storage(
        _ node: YAMLNode, name: String, className: String, scope: Scope, source: inout TimeloopSource
    ) {
        let attributes = node["attributes"] ?? YAMLNode(.mapping([]), at: node.mark)
        func first(_ keys: [String]) -> (String, YAMLNode)? {
            for key in keys { if let value = attributes[key], !value.isNull { return (key, value) } }
            return nil
        }
        // buffer.cpp: word bits from word_bits | word_width | datawidth.
        var wordBits: Int?
        var wordBitsMark: SourceMark?
        if let (key, value) = first(["word_bits", "word_width", "datawidth"]) {
            wordBits = source.integer(value, key)
            wordBitsMark = value.mark
        }
        let bits = wordBits ?? Self.defaultWordBits
        // buffer.cpp: block size from block_size | n_words, else width / word bits.
        var blockSize = 1
        var width: Int?
        if let (key, value) = first(["block_size", "n_words"]) {
            blockSize = source.integer(value, key) ?? 1
        } else if let (key, value) = first(["width", "memory_width", "data_storage_width"]) {
            width = source.integer(value, key)
            if let width {
                if width % bits != 0 {
                    source.error(
                        "\(key) \(width) is not a whole number of \(bits)-bit words", at: value.mark,
                        hint: "Timeloop requires width to be a multiple of datawidth x block_size")
                } else {
                    blockSize = width / bits
                }
            }
        }
        // buffer.cpp: size in words from entries | depth x block | sizeKB; then / multiple_buffering.
        var words: Int?
        var sizeNote = ""
        if let (key, value) = first(["entries"]), let entries = source.integer(value, key) {
            words = entries
            sizeNote = "\(entries) entries"
        } else if let (key, value) = first(["depth", "memory_depth", "data_storage_depth"]),
            let depth = source.integer(value, key)
        {
            words = depth * blockSize
            sizeNote = "depth \(depth) x block \(blockSize) word\(blockSize == 1 ? "" : "s")"
        } else if let (key, value) = first(["sizeKB"]), let kilobytes = source.integer(value, key) {
            words = kilobytes * 1024 * 8 / bits
            sizeNote = "sizeKB \(kilobytes)"
        }
        // A register file (class regfile, smartbuffer_RF, or a storage of subclass
        // aladdin_register) gets Joule's register estimates; DRAM by Timeloop's own test
        // (buffer.cpp: the class contains "DRAM"); anything else is SRAM.
        let subclass = node["subclass"]?.scalar ?? ""
        let kind: MemoryLevel.Kind =
            className.contains("DRAM")
            ? .dram
            : className.contains("regfile") || className.hasSuffix("_RF") || subclass.contains("register")
                ? .register : .sram
        if words == nil && kind != .dram
            && first(["depth", "memory_depth", "data_storage_depth", "entries", "sizeKB"]) == nil
        {
            source.error(
                "storage '\(name)' has no depth; Joule needs the size of every level but DRAM", at: node.mark,
                hint: "attributes: { depth: 64, width: 8, datawidth: 8 }")
        }
        if let (key, value) = first(["multiple_buffering"]), let factor = source.positive(value, key),
            let counted = words
        {
            // Below 1 it would enlarge the level; Timeloop's examples use 1 (none) and 2 (double).
            guard factor >= 1 else {
                source.error("multiple_buffering must be at least 1, found \(factor)", at: value.mark)
                return
            }
            words = Int((Double(counted) / factor).rounded(.down))
            sizeNote += ", / multiple_buffering \(factor)"
        }
        var level = Storage(
            name: name, mark: node.mark, className: className, kind: kind, words: words, sizeNote: sizeNote,
            wordBits: wordBits, wordBitsMark: wordBitsMark, blockSize: blockSize,
            instances: TimeloopSource.product(scope.meshX, scope.meshY), bypass: [])
        if let (key, value) = first(["bandwidth"]), let total = source.positive(value, key) {
            // buffer.cpp: `bandwidth` is deprecated and read as read = write = bandwidth / 2.
            level.readBandwidth = total / 2
            level.writeBandwidth = total / 2
        }
        if let (key, value) = first(["shared_bandwidth"]) { level.sharedBandwidth = source.positive(value, key) }
        if let (key, value) = first(["read_bandwidth"]) { level.readBandwidth = source.positive(value, key) }
        if let (key, value) = first(["write_bandwidth"]) { level.writeBandwidth = source.positive(value, key) }
        if let type = attributes["type"]?.scalar, kind == .dram, let mark = attributes["type"]?.mark {
            level.dramType = Located(type, at: mark)
        }
        if let dataspace = node["constraints"]?["dataspace"] {
            if let keep = dataspace["keep"] { level.keep = source.names(keep, "keep") }
            if let bypass = dataspace["bypass"] { level.bypass = source.names(bypass, "bypass") }
        }
        storages.append(level)
    }
}
