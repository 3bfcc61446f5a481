import Foundation
import JouleEval
import JouleSpec
import YAML

extension Session {
    /// The workload settings `set` and `unset` take by name.
    static let workloadKeys = [
        "phase", "batch", "sequence", "context", "precision", "dataflow", "fusion", "attention", "logits", "roofline",
        "objective", "operating_point", "sparsity", "activation_density", "speculative", "draft_tokens", "acceptance",
    ]

    /// The top-level keys of a hardware file, so `set memory.X.size …` works without `hardware.`.
    static let hardwareTopKeys = [
        "name", "source", "technology", "clock", "voltage", "operating_points", "static_power", "tdp", "compute",
        "memory", "area",
    ]

    /// Where a `set`/`unset` key points.
    enum Target {
        case workload(String)
        case hardware([String])
        case model([String])
        case load(SessionCommand.Subject)
    }

    /// Sorts a key into a workload setting, a hardware key path or a model key path.
    func target(of key: String) throws(SessionError) -> Target {
        var text = key
        if text.hasPrefix("workload.") { text.removeFirst("workload.".count) }
        if Self.workloadKeys.contains(text) || Self.servingKeys.contains(text) { return .workload(text) }
        if text == "operating-point" { return .workload("operating_point") }
        if text == "hardware" { return .load(.hardware) }
        if text == "model" { return .load(.model) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if parts.contains(where: \.isEmpty) {
            throw SessionError("'\(key)' is not a key path (an empty part between dots)")
        }
        if parts.first == "hardware" { return .hardware(Array(parts.dropFirst())) }
        if parts.first == "model" { return .model(Array(parts.dropFirst())) }
        if let first = parts.first,
            Self.hardwareTopKeys.contains(first) || hardware?.node[first] != nil
        {
            return .hardware(parts)
        }
        let known = Self.workloadKeys + Self.servingKeys + ["hardware.", "model."] + Self.hardwareTopKeys
        let hint =
            Suggestion.closest(to: text, among: known).map { "did you mean '\($0)'?" }
            ?? "a setting (\(Self.workloadKeys.joined(separator: ", "))), hardware.PATH or model.PATH"
        throw SessionError("unknown key '\(key)'; \(hint)")
    }

    // MARK: set

    mutating func set(_ key: String, to value: String) throws(SessionError) -> String {
        switch try target(of: key) {
        case .workload(let name):
            return try setWorkload(name, value)
        case .load(let subject):
            return try load(subject, value)
        case .hardware(let path):
            let edited = try editHardware(path, .set(value))
            return "\(edited.display) = \(edited.now ?? value)" + (edited.previous.map { " (was \($0))" } ?? " (added)")
                + edited.reestimated
        case .model(let path):
            let edited = try editModel(path, .set(value))
            return "\(edited.display) = \(edited.now ?? value)" + (edited.previous.map { " (was \($0))" } ?? " (added)")
        }
    }

    /// A change to one key of a description's YAML tree.
    enum KeyEdit {
        /// Set the key to a value written as YAML (`1 MiB`, `{ rows: 16, cols: 16 }`).
        case set(String)
        /// Remove the key.
        case remove

        /// The command, for diagnostics of the edited file.
        func command(_ display: String) -> String {
            switch self {
            case .set(let value): return "set \(display) \(value)"
            case .remove: return "unset \(display)"
            }
        }

        /// The tree with the edit made; `display` names the key in errors.
        func apply(to root: YAMLNode, _ path: [String], display: String) throws(SessionError) -> YAMLNode {
            switch self {
            case .set(let value):
                do {
                    return try root.setting(path, to: try Session.valueNode(value))
                } catch {
                    throw SessionError("unknown key path '\(display)': \(error)")
                }
            case .remove:
                do {
                    return try root.removing(path)
                } catch {
                    throw SessionError("cannot unset \(display): \(error)")
                }
            }
        }
    }

    /// Makes `edit` to the hardware's tree and decodes it again, so every number the file
    /// leaves out is re-estimated: the key as shown, its value before and after, and the
    /// derived figures that moved.
    mutating func editHardware(_ path: [String], _ edit: KeyEdit) throws(SessionError) -> (
        display: String, previous: String?, now: String?, reestimated: String
    ) {
        var hw = try requireHardware()
        let display = "hardware." + path.joined(separator: ".")
        try Self.checkPath(hw.node, path, prefix: "hardware")
        let previous = hw.node.node(at: path).map(YAMLEmitter.flow)
        let node = try edit.apply(to: hw.node, path, display: display)
        let before = hw.accelerator
        hw.accelerator = try Self.decodeHardware(node, hw, what: edit.command(display))
        hw.node = node
        hardware = hw
        return (
            display, previous, node.node(at: path).map(YAMLEmitter.flow),
            Self.reestimated(from: before, to: hw.accelerator)
        )
    }

    /// Makes `edit` to a YAML model's tree and decodes it again: the key as shown, and its
    /// value before and after.
    mutating func editModel(_ path: [String], _ edit: KeyEdit) throws(SessionError) -> (
        display: String, previous: String?, now: String?
    ) {
        var m = try requireModel()
        let display = "model." + path.joined(separator: ".")
        guard let current = m.node else {
            throw SessionError("\(m.path) has no YAML tree to edit; load the model again")
        }
        try Self.checkPath(current, path, prefix: "model")
        let previous = current.node(at: path).map(YAMLEmitter.flow)
        let node = try edit.apply(to: current, path, display: display)
        m.config = try Self.decodeModel(node, m, what: edit.command(display))
        m.node = node
        model = m
        return (display, previous, node.node(at: path).map(YAMLEmitter.flow))
    }

    /// `load hardware|model NAME` (also `set hardware NAME`, so sweeps can swap designs).
    mutating func load(_ subject: SessionCommand.Subject, _ name: String) throws(SessionError) -> String {
        switch subject {
        case .hardware:
            let loaded = try Self.loadHardware(name, catalog: catalog)
            hardware = loaded
            let hw = loaded.accelerator
            var text = "loaded hardware \(hw.name) from \(Self.display(loaded.path))"
            if let dataflow = workload.dataflow.flatMap(Dataflow.init(name:)), !hw.compute.dataflows.contains(dataflow)
            {
                text += "\nnote: \(hw.name) does not support the dataflow set (\(dataflow)); unset dataflow to use any"
            }
            return text
        case .model:
            let loaded = try Self.loadModel(name, catalog: catalog)
            model = loaded
            return
                "loaded model \(loaded.config.name) from \(Self.display(loaded.path)) (\(QuantityFormat.grouped(loaded.config.parameters.total)) parameters)"
        }
    }

    /// A value as typed, read as YAML (`1 MiB`, `[weights, inputs]`, `{ rows: 128, cols: 128 }`).
    static func valueNode(_ text: String) throws(SessionError) -> YAMLNode {
        do {
            if let node = try YAMLParser().parse(text, path: "value") { return node }
        } catch {
            throw SessionError("cannot read the value '\(text)': \(error.items.first?.message ?? "malformed YAML")")
        }
        return YAMLNode(.scalar(text, plain: true), at: SourceMark(line: 1, column: 1))
    }

    /// Checks that every part of a key path but the last leads somewhere, suggesting the
    /// whole corrected path when a part is misspelt.
    static func checkPath(_ root: YAMLNode, _ path: [String], prefix: String) throws(SessionError) {
        guard !path.isEmpty else {
            throw SessionError("name a key below \(prefix), e.g. \(prefix).\(root.childNames.first ?? "name")")
        }
        var node = root
        for (index, part) in path.enumerated() {
            let isLast = index == path.count - 1
            if node.scalar != nil {
                let above = ([prefix] + path[..<index]).joined(separator: ".")
                throw SessionError("\(above) is a value, not a mapping; it has no key '\(part)'")
            }
            guard let child = node.node(at: [part]) else {
                if isLast && node.entries != nil { return }
                let above = ([prefix] + path[..<index]).joined(separator: ".")
                let noun = node.items != nil ? "no item named" : "no key"
                var message =
                    "unknown key path '\(([prefix] + path).joined(separator: "."))': \(noun) '\(part)' in \(above)"
                if let near = Suggestion.closest(to: part, among: node.childNames) {
                    var fixed = path
                    fixed[index] = near
                    message += "; did you mean '\(([prefix] + fixed).joined(separator: "."))'?"
                } else if !node.childNames.isEmpty {
                    message += " (it has: \(node.childNames.joined(separator: ", ")))"
                }
                throw SessionError(message)
            }
            node = child
        }
    }

    /// Decodes an edited hardware tree; the first error in one line.
    static func decodeHardware(_ node: YAMLNode, _ hw: Hardware, what: String) throws(SessionError) -> Accelerator {
        do {
            return try YAMLDecoder().decode(Accelerator.self, from: node, path: hw.path, lines: hw.lines)
        } catch {
            throw SessionError("\(what): \(describe(error))")
        }
    }

    static func decodeModel(_ node: YAMLNode, _ m: Model, what: String) throws(SessionError) -> ModelConfig {
        do {
            return try YAMLDecoder().decode(
                ModelConfig.self, from: node, path: m.path, lines: m.lines ?? SourceLines(""))
        } catch {
            throw SessionError("\(what): \(describe(error))")
        }
    }

    /// Diagnostics about an edited tree, without positions (an edited value has none in the file).
    static func describe(_ diagnostics: Diagnostics) -> String {
        guard let first = diagnostics.items.first else { return "invalid description" }
        var text = first.message
        if let hint = first.hint { text += " (\(hint))" }
        let more = diagnostics.items.count - 1
        if more > 0 { text += "; and \(more) more error\(more == 1 ? "" : "s")" }
        return text
    }

    mutating func setWorkload(_ name: String, _ value: String) throws(SessionError) -> String {
        if Self.servingKeys.contains(name) { return try setServing(name, value) }
        var w = workload
        func positive(_ text: String, _ key: String) throws(SessionError) -> Int {
            guard let number = Int(text), number >= 1 else {
                throw SessionError("\(key) must be a whole number of at least 1, found '\(text)'")
            }
            return number
        }
        func choice(_ text: String, _ noun: String, _ names: [String]) throws(SessionError) -> String {
            guard names.contains(text) else {
                throw SessionError("unknown \(noun) '\(text)'; \(Suggestion.hint(for: text, among: names))")
            }
            return text
        }
        switch name {
        case "phase":
            let words = value.split(separator: " ").map(String.init)
            guard let phase = words.first else { throw SessionError("set phase needs a phase") }
            w.phase = try choice(phase, "phase", ["prefill", "decode", "training"])
            for pair in words.dropFirst() {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, ["batch", "sequence", "context"].contains(parts[0]) else {
                    throw SessionError(
                        "set phase takes batch=B, sequence=S or context=C after the phase, found '\(pair)'")
                }
                switch parts[0] {
                case "batch": w.batch = try positive(parts[1], "batch")
                case "sequence": w.sequence = try positive(parts[1], "sequence")
                default: w.context = try positive(parts[1], "context")
                }
            }
            if w.phase == "decode" && words.contains(where: { $0.hasPrefix("sequence=") }) {
                throw SessionError("decode takes context=C, not sequence (the context counts the new token)")
            }
            if w.phase != "decode" && words.contains(where: { $0.hasPrefix("context=") }) {
                throw SessionError("context applies to decode; \(w.phase) takes sequence=S")
            }
        case "batch": w.batch = try positive(value, name)
        case "sequence": w.sequence = try positive(value, name)
        case "context": w.context = try positive(value, name)
        case "precision":
            do {
                _ = try PrecisionConfig(parsing: value)
            } catch {
                throw SessionError(error.message)
            }
            w.precision = value.lowercased()
        case "dataflow":
            if value == "any" {
                w.dataflow = nil
            } else {
                guard let dataflow = Dataflow(name: value) else {
                    throw SessionError(
                        "unknown dataflow '\(value)'; \(Suggestion.hint(for: value, among: Dataflow.allCases.map(\.rawValue) + ["any"]))"
                    )
                }
                if let hw = hardware?.accelerator, !hw.compute.dataflows.contains(dataflow) {
                    throw SessionError(
                        "\(hw.name) does not support \(dataflow) (it supports \(hw.compute.dataflows.map(\.rawValue).joined(separator: ", ")))"
                    )
                }
                w.dataflow = dataflow.rawValue
            }
        case "fusion":
            if let problem = GraphOptions.fusionProblem(value) { throw SessionError(problem) }
            w.fusion = value
        case "attention": w.attention = try choice(value, "attention", GraphOptions.Attention.allCases.map(\.rawValue))
        case "logits": w.logits = try choice(value, "logits", GraphOptions.Logits.allCases.map(\.rawValue))
        case "roofline": w.roofline = try choice(value, "roofline mode", RooflineMode.allCases.map(\.rawValue))
        case "objective": w.objective = try choice(value, "objective", Objective.allCases.map(\.rawValue))
        case "sparsity":
            if value != "dense" {
                do {
                    _ = try SparsityPattern(parsing: value)
                } catch {
                    throw SessionError(error.message + ", or dense")
                }
            }
            w.sparsity = value == "dense" ? nil : value
        case "activation_density":
            guard let density = Double(value), density > 0, density <= 1 else {
                throw SessionError("activation_density takes a fraction in (0, 1] such as 0.3, found '\(value)'")
            }
            w.activationDensity = value
        case "speculative":
            do {
                _ = try ModelConfig.load(value, catalog: catalog)
            } catch {
                throw SessionError(error.items.first?.message ?? "cannot load the draft model '\(value)'")
            }
            w.speculative = value
        case "draft_tokens":
            let limit = SpeculativeDecoding.maximumDraftTokens
            guard value == "auto" || (Int(value).map { $0 >= 1 && $0 <= limit } ?? false) else {
                throw SessionError("draft_tokens takes a whole number in 1...\(limit) or auto, found '\(value)'")
            }
            w.draftTokens = value
        case "acceptance":
            guard let a = Double(value), a >= 0, a <= 1 else {
                throw SessionError("acceptance takes a probability in [0, 1] such as 0.8, found '\(value)'")
            }
            w.acceptance = value
        default:
            if let hw = hardware?.accelerator, hw.selectingOperatingPoint(value) == nil {
                throw SessionError(
                    "operating_point takes an index below \(hw.operatingPoints.count) or a share of the clock such as 80%, found '\(value)'"
                )
            }
            if hardware == nil, Int(value).map({ $0 < 0 }) ?? !value.hasSuffix("%") {
                throw SessionError(
                    "operating_point takes an index (0 is nominal) or a share of the clock such as 80%, found '\(value)'"
                )
            }
            w.operatingPoint = value
        }
        workload = w
        return name == "phase" ? "phase = \(phaseSummary)" : "\(name) = \(value)"
    }

    // MARK: unset

    mutating func unset(_ key: String) throws(SessionError) -> String {
        switch try target(of: key) {
        case .workload(let name):
            let defaults = Workload()
            if Self.servingKeys.contains(name) {
                workload.serving[name] = nil
                return "\(name) back to its default"
            }
            switch name {
            case "phase": workload.phase = defaults.phase
            case "batch": workload.batch = defaults.batch
            case "sequence": workload.sequence = nil
            case "context": workload.context = nil
            case "precision": workload.precision = nil
            case "dataflow": workload.dataflow = nil
            case "fusion": workload.fusion = defaults.fusion
            case "attention": workload.attention = nil
            case "logits": workload.logits = nil
            case "roofline": workload.roofline = defaults.roofline
            case "objective": workload.objective = defaults.objective
            case "sparsity": workload.sparsity = nil
            case "activation_density": workload.activationDensity = nil
            case "speculative": workload.speculative = nil
            case "draft_tokens": workload.draftTokens = nil
            case "acceptance": workload.acceptance = nil
            default: workload.operatingPoint = nil
            }
            return "\(name) back to its default"
        case .load(let subject):
            throw SessionError(
                "the \(subject.rawValue) cannot be unset; load another, e.g. load \(subject.rawValue) \(subject.example)"
            )
        case .hardware(let path):
            let edited = try editHardware(path, .remove)
            return "removed \(edited.display)" + edited.reestimated
        case .model(let path):
            return "removed \(try editModel(path, .remove).display)"
        }
    }

    // MARK: diff

    /// The figures of an accelerator that a left-out key is estimated for, by label.
    static func figures(_ hw: Accelerator) -> [(label: String, value: String)] {
        func mark<T>(_ figure: Figure<T>) -> String { figure.provenance.isEstimated ? " (est.)" : "" }
        var rows: [(String, String)] = [
            ("nominal voltage", "\(hw.nominalVoltage.value)\(mark(hw.nominalVoltage))"),
            ("static power", "\(hw.staticPower.value)\(mark(hw.staticPower))"),
            ("TDP", "\(hw.tdp.value)\(mark(hw.tdp))"),
            ("total area", "\(hw.area.total.value)\(mark(hw.area.total))"),
            ("compute area", "\(hw.area.compute.value)\(mark(hw.area.compute))"),
            ("on-chip memory area", "\(hw.area.memory.value)\(mark(hw.area.memory))"),
            ("vector energy per op", "\(hw.compute.vector.energyPerOp.value)\(mark(hw.compute.vector.energyPerOp))"),
        ]
        for precision in hw.compute.supportedPrecisions {
            if let support = hw.compute.precisions[precision] {
                rows.append(("\(precision) MAC energy", "\(support.macEnergy.value)\(mark(support.macEnergy))"))
            }
        }
        for level in hw.memory {
            rows.append(("\(level.name) read energy", "\(level.readEnergy.value)\(mark(level.readEnergy))"))
            rows.append(("\(level.name) write energy", "\(level.writeEnergy.value)\(mark(level.writeEnergy))"))
            if let area = level.area { rows.append(("\(level.name) area", "\(area.value)\(mark(area))")) }
        }
        return rows
    }

    /// The figures that changed between two decodings, as lines (empty when none did).
    static func figureChanges(from before: Accelerator, to after: Accelerator) -> [String] {
        let old = Dictionary(figures(before).map { ($0.label, $0.value) }, uniquingKeysWith: { a, _ in a })
        return figures(after).compactMap { label, value in
            guard let was = old[label] else { return "\(label): \(value) (new)" }
            return was == value ? nil : "\(label): \(was) -> \(value)"
        }
    }

    static func reestimated(from before: Accelerator, to after: Accelerator) -> String {
        let changes = figureChanges(from: before, to: after)
        return changes.isEmpty ? "" : "\n" + changes.map { "  " + $0 }.joined(separator: "\n")
    }

    /// Keys changed, added and removed between two trees.
    static func treeChanges(from original: YAMLNode, to current: YAMLNode) -> [String] {
        let before = original.leaves()
        let after = current.leaves()
        let old = Dictionary(before.map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(after.map { ($0.path, $0.value) }, uniquingKeysWith: { a, _ in a })
        var lines: [String] = []
        for (path, value) in after {
            if let was = old[path] {
                if was != value { lines.append("  \(path): \(was) -> \(value)") }
            } else {
                lines.append("+ \(path): \(value)")
            }
        }
        for (path, value) in before where new[path] == nil { lines.append("- \(path): \(value)") }
        return lines
    }

    func diff() -> String {
        var out: [String] = []
        if let hw = hardware {
            let changes = Self.treeChanges(from: hw.original, to: hw.node)
            if changes.isEmpty {
                out.append("hardware \(hw.accelerator.name): as in \(Self.display(hw.path))")
            } else {
                out.append("hardware \(hw.accelerator.name) (from \(Self.display(hw.path))):")
                out += changes
                if let original = try? YAMLDecoder().decode(
                    Accelerator.self, from: hw.original, path: hw.path, lines: hw.lines)
                {
                    let figures = Self.figureChanges(from: original, to: hw.accelerator)
                    if !figures.isEmpty {
                        out.append("derived figures that changed:")
                        out += figures.map { "  " + $0 }
                    }
                }
            }
        } else {
            out.append("no hardware loaded")
        }
        if let m = model {
            if let node = m.node, let original = m.original, !Self.sameTree(node, original) {
                out.append("model \(m.config.name) (from \(Self.display(m.path))):")
                out += Self.treeChanges(from: original, to: node)
            } else {
                out.append("model \(m.config.name): as in \(Self.display(m.path))")
            }
        } else {
            out.append("no model loaded")
        }
        let settings = settingLines(changedOnly: true)
        out.append(settings.isEmpty ? "workload: the command line's defaults" : "workload (not the defaults):")
        out += settings.map { "  " + $0 }
        return out.joined(separator: "\n")
    }

    /// The workload settings as `key = value` lines.
    func settingLines(changedOnly: Bool) -> [String] {
        let w = workload
        let d = Workload()
        var lines: [String] = []
        func add(_ key: String, _ value: String?, _ fallback: String?) {
            if changedOnly && value == fallback { return }
            lines.append("\(key) = \(value ?? "default")")
        }
        add("phase", w.phase, d.phase)
        add("batch", String(w.batch), String(d.batch))
        add("sequence", w.sequence.map(String.init), nil)
        add("context", w.context.map(String.init), nil)
        add("precision", w.precision, nil)
        add("dataflow", w.dataflow ?? (changedOnly ? nil : "any"), changedOnly ? nil : "")
        add("fusion", w.fusion, d.fusion)
        add("attention", w.attention, nil)
        add("logits", w.logits, nil)
        add("roofline", w.roofline, d.roofline)
        add("objective", w.objective, d.objective)
        add("operating_point", w.operatingPoint, nil)
        add("sparsity", w.sparsity ?? (changedOnly ? nil : "dense"), changedOnly ? nil : "")
        add("activation_density", w.activationDensity, nil)
        add("speculative", w.speculative, nil)
        add("draft_tokens", w.draftTokens, nil)
        add("acceptance", w.acceptance, nil)
        return lines
    }
}
