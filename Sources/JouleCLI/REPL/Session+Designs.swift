import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import YAML

extension Session {
    // MARK: save and restore

    func save(_ name: String) -> String {
        snapshots.keep(Snapshot(hardware: hardware, model: model, workload: workload), as: name)
        let hw = hardware.map { $0.accelerator.name + (edited($0) ? "*" : "") } ?? "no hardware"
        return "saved \(name): \(hw), \(model?.config.name ?? "no model"), \(phaseSummary)"
    }

    mutating func restore(_ name: String) throws(SessionError) -> String {
        let snapshot = try self.snapshot(name)
        hardware = snapshot.hardware
        model = snapshot.model
        workload = snapshot.workload
        return "restored \(name)"
    }

    func snapshot(_ name: String) throws(SessionError) -> Snapshot {
        guard let snapshot = snapshots[name] else {
            if snapshotOrder.isEmpty {
                throw SessionError("no snapshot named '\(name)'; none saved yet (save NAME keeps one)")
            }
            throw SessionError("no snapshot named '\(name)'; \(Suggestion.hint(for: name, among: snapshotOrder))")
        }
        return snapshot
    }

    // MARK: compare

    /// The current design against a snapshot or a named hardware, side by side with ratios.
    func compare(_ name: String) throws(SessionError) -> String {
        let current = try evaluate()
        let other: GraphEvaluation
        if let snapshot = snapshots[name] {
            var session = self
            session.hardware = snapshot.hardware
            session.model = snapshot.model
            session.workload = snapshot.workload
            other = try session.evaluate()
        } else if catalog.resolve(name, shelf: .hardware) != nil {
            other = try evaluate(on: try Self.loadHardware(name, catalog: catalog).accelerator)
        } else {
            let hint =
                Suggestion.closest(to: name, among: snapshotOrder + catalog.names(on: .hardware)).map {
                    "did you mean '\($0)'?"
                }
                ?? (snapshotOrder.isEmpty
                    ? "save NAME keeps a snapshot" : "saved: \(snapshotOrder.joined(separator: ", "))")
            throw SessionError("no snapshot or hardware named '\(name)'; \(hint)")
        }
        typealias Row = (label: String, a: Double?, b: Double?, text: (Double) -> String)
        func rows(_ e: GraphEvaluation) -> [String: Double] {
            var values: [String: Double] = [
                "latency": e.seconds, "energy": e.energy.total, "energy per token": e.energyPerToken,
                "average power": e.averagePower, "area": e.hardware.area.total.value.si, "TDP": e.hardware.tdp.value.si,
                "MAC": e.energy.mac, "vector": e.energy.vector, "on-chip memory": e.energy.onChip,
                "DRAM": e.energy.dram,
                "static": e.energy.leakage,
            ]
            if case .decode(let batch, _) = e.graph.phase, e.seconds > 0 {
                values["tokens/s"] = Double(batch) / e.seconds
            }
            for (level, joules) in zip(e.energy.levelNames, e.energy.byLevel) { values["level " + level] = joules }
            return values
        }
        let a = rows(current)
        let b = rows(other)
        var levels: [String] = []
        for level in current.energy.levelNames + other.energy.levelNames where !levels.contains(level) {
            levels.append(level)
        }
        let time = { (v: Double) in Time(si: v).description }
        let joules = { (v: Double) in Energy(si: v).description }
        let watts = { (v: Double) in Power(si: v).description }
        let area = { (v: Double) in Area(si: v).description }
        let plain = { (v: Double) in QuantityFormat.number(v) }
        var table: [Row] = [
            ("latency", a["latency"], b["latency"], time), ("tokens/s", a["tokens/s"], b["tokens/s"], plain),
            ("energy", a["energy"], b["energy"], joules),
            ("energy per token", a["energy per token"], b["energy per token"], joules),
            ("average power", a["average power"], b["average power"], watts), ("area", a["area"], b["area"], area),
            ("TDP", a["TDP"], b["TDP"], watts),
        ]
        table = table.filter { $0.a != nil || $0.b != nil }
        for kind in ["MAC", "vector", "on-chip memory", "DRAM", "static"] {
            table.append(("energy: \(kind)", a[kind], b[kind], joules))
        }
        for level in levels { table.append(("energy at \(level)", a["level " + level], b["level " + level], joules)) }
        func ratio(_ x: Double?, _ y: Double?) -> Double? {
            guard let x, let y, y != 0 else { return nil }
            return x / y
        }
        if format == .json {
            return JSONOutput.render([
                "current": current.hardware.name, "other": name,
                "rows": table.map { row in
                    [
                        "metric": row.label, "current": JSONOutput.number(row.a), "other": JSONOutput.number(row.b),
                        "ratio": JSONOutput.number(ratio(row.a, row.b)),
                    ] as [String: Any]
                } + [["metric": "bound", "current": current.bound.description, "other": other.bound.description]],
            ])
        }
        var text = TextTable(["", "now", name, "now / \(name)"])
        text.add([
            "design", current.hardware.name + (hardware.map(edited) == true ? "*" : ""), other.hardware.name, "",
        ])
        text.add([
            "workload", "\(current.graph.phase) · \(current.graph.precision)",
            "\(other.graph.phase) · \(other.graph.precision)", "",
        ])
        for row in table {
            if format == .csv {
                text.add([
                    row.label, row.a.map { "\($0)" } ?? "", row.b.map { "\($0)" } ?? "",
                    ratio(row.a, row.b).map { "\($0)" } ?? "",
                ])
            } else {
                text.add([
                    row.label, row.a.map(row.text) ?? "-", row.b.map(row.text) ?? "-",
                    ratio(row.a, row.b).map { QuantityFormat.number($0, significant: 3) + "x" } ?? "-",
                ])
            }
        }
        text.add(["bound", current.bound.description, other.bound.description, ""])
        return format == .csv ? text.csv() : text.render()
    }

    // MARK: sweep

    /// One axis: every value set on a copy of the session and evaluated. Where the values
    /// change the tokens a step handles (batch, sequence, phase), the best points are those
    /// with the least energy and time per token, not per step (a step of batch 1 does the
    /// least work, not the most efficient). Ctrl-C stops after the value being evaluated and
    /// prints the values done.
    func sweep(_ key: String, _ values: [String]) throws(SessionError) -> String {
        if workload.speculative != nil || ["speculative", "draft_tokens", "acceptance"].contains(key) {
            throw SessionError(
                "sweep evaluates plain steps; `eval` with speculative set prints every draft-token count, and joule sweep takes speculative, draft_tokens and acceptance axes (unset speculative to sweep here)"
            )
        }
        if Self.servingKeys.contains(key) { return try serveSweep(key, values) }
        var points: [(value: String, session: Session)] = []
        for value in values {
            var copy = self
            do {
                _ = try copy.set(key, to: value)
            } catch {
                throw SessionError("sweep \(key) = \(value): \(error.message)")
            }
            points.append((value, copy))
        }
        _ = try requireModel()
        var results: [(value: String, evaluation: GraphEvaluation?, error: String?)] = []
        for point in points {
            if Interrupt.requested { break }
            do {
                results.append((point.value, try point.session.evaluate(), nil))
            } catch {
                results.append((point.value, nil, error.message))
            }
        }
        let interrupted = results.count < points.count
        let evaluated = results.compactMap(\.evaluation)
        let perToken = Set(evaluated.map(\.graph.tokens)).count > 1
        let energyOf = { (e: GraphEvaluation) in perToken ? e.energyPerToken : e.energy.total }
        let timeOf = { (e: GraphEvaluation) in perToken ? e.timePerToken : e.seconds }
        let leastEnergy = evaluated.map(energyOf).min()
        let leastTime = evaluated.map(timeOf).min()
        let note =
            interrupted
            ? "interrupted (Ctrl-C) after \(results.count) of \(points.count) values; the rest were not evaluated" : nil
        switch format {
        case .json:
            return JSONOutput.render([
                "key": key, "interrupted": interrupted,
                "best_by": perToken ? ["energy_per_token_j", "time_per_token_s"] : ["energy_j", "latency_s"],
                "points": results.map { result -> [String: Any] in
                    guard let e = result.evaluation else {
                        return ["value": result.value, "error": result.error ?? ""]
                    }
                    return [
                        "value": result.value, "latency_s": e.seconds, "energy_j": e.energy.total,
                        "energy_per_token_j": e.energyPerToken, "time_per_token_s": e.timePerToken,
                        "tokens": e.graph.tokens, "average_power_w": e.averagePower,
                        "area_mm2": e.hardware.area.total.value.squareMillimetres, "bound": e.bound.description,
                    ]
                },
            ])
        case .csv:
            var table = TextTable([
                key, "latency_s", "energy_j", "energy_per_token_j", "time_per_token_s", "tokens", "average_power_w",
                "area_mm2", "bound", "error",
            ])
            for result in results {
                guard let e = result.evaluation else {
                    table.add([result.value, "", "", "", "", "", "", "", "", result.error ?? ""])
                    continue
                }
                table.add([
                    result.value, "\(e.seconds)", "\(e.energy.total)", "\(e.energyPerToken)", "\(e.timePerToken)",
                    "\(e.graph.tokens)", "\(e.averagePower)", "\(e.hardware.area.total.value.squareMillimetres)",
                    e.bound.description, "",
                ])
            }
            return table.csv()
        case .table:
            var table = TextTable(
                [key, "latency", "energy", "energy/token", "time/token", "power", "area", "bound", "best"],
                alignments: [.right, .right, .right, .right, .right, .right, .right, .left, .left])
            for result in results {
                guard let e = result.evaluation else {
                    table.add([result.value, "error: " + (result.error ?? ""), "", "", "", "", "", "", ""])
                    continue
                }
                var best: [String] = []
                if energyOf(e) == leastEnergy { best.append(perToken ? "energy/token" : "energy") }
                if timeOf(e) == leastTime { best.append(perToken ? "time/token" : "latency") }
                table.add([
                    result.value, Time(si: e.seconds).description, Energy(si: e.energy.total).description,
                    Energy(si: e.energyPerToken).description, Time(si: e.timePerToken).description,
                    Power(si: e.averagePower).description, e.hardware.area.total.value.description,
                    e.bound.description, best.joined(separator: ", "),
                ])
            }
            return ([table.render()] + (note.map { [$0] } ?? [])).joined(separator: "\n")
        }
    }

    // MARK: export and plot

    /// Writes the edited description as YAML, after checking that it reads back; the written
    /// tree is remembered, so leaving the session does not warn about these edits.
    mutating func export(_ subject: SessionCommand.Subject, to file: String) throws(SessionError) -> String {
        let node: YAMLNode
        let original: YAMLNode
        let path: String
        let name: String
        switch subject {
        case .hardware:
            let hw = try requireHardware()
            (node, original, path, name) = (hw.node, hw.original, hw.path, hw.accelerator.name)
        case .model:
            let m = try requireModel()
            guard let current = m.node, let first = m.original else {
                throw SessionError("\(m.path) has no YAML tree to export; load the model again")
            }
            (node, original, path, name) = (current, first, m.path, m.config.name)
        }
        let changes = Self.treeChanges(from: original, to: node)
        var header = ["# \(name), exported by `joule repl` from \(Self.display(path))"]
        header.append(
            changes.isEmpty
                ? "# no edits: the values of the original file (its comments are not kept)"
                : "# edits in the session (the original file's comments are not kept):")
        header += changes.map { "#   " + $0.trimmingCharacters(in: .whitespaces) }
        let text = header.joined(separator: "\n") + "\n" + YAMLEmitter.document(node)
        do {
            switch subject {
            case .hardware: _ = try YAMLDecoder().decode(Accelerator.self, from: text, path: file)
            case .model: _ = try YAMLDecoder().decode(ModelConfig.self, from: text, path: file)
            }
        } catch {
            throw SessionError("the exported \(subject.rawValue) does not read back: \(SessionError.oneLine(error))")
        }
        try Self.write(text, to: file)
        switch subject {
        case .hardware: hardware?.written = node
        case .model: model?.written = node
        }
        return "wrote \(subject.rawValue) \(name) to \(file) (\(changes.count) edit\(changes.count == 1 ? "" : "s"))"
    }

    /// Writes a file, creating its folder.
    static func write(_ text: String, to file: String) throws(SessionError) {
        let folder = (file as NSString).deletingLastPathComponent
        do {
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try text.write(toFile: file, atomically: true, encoding: .utf8)
        } catch {
            throw SessionError("cannot write \(file): \(error.localizedDescription)")
        }
    }

    func plot(_ kind: SessionCommand.PlotKind, to file: String) throws(SessionError) -> (String, [String]) {
        let svg: String
        var warnings: [String] = []
        switch kind {
        case .roofline, .breakdown:
            let evaluation = try evaluate()
            warnings = evaluation.graph.warnings
            // The roofline is hierarchical, as `joule plot roofline`: one panel per memory level.
            svg =
                kind == .roofline
                ? SVGPanels.render(RooflinePlot.charts(evaluation)) : BreakdownPlot.chart(evaluation).render()
        case .dvfs:
            let (analysis, graph, hw, mode, synthesised) = try dvfsAnalysis()
            warnings = graph.warnings
            let points = analysis.points.map(\.point)
            let nominal = points[0]
            let origin =
                synthesised
                ? "\(points.count) operating points by the alpha-power law from \(nominal.frequency) at \(nominal.voltage)"
                : "\(points.count) operating points of \(hw.name)"
            svg = DVFSPlot.chart(
                title: "Energy vs time over DVFS points: \(graph.model.name) on \(hw.name)",
                subtitle:
                    "\(graph.phase.description) · \(graph.precision) · \(mode.rawValue) traffic · \(origin)",
                series: [DVFSPlot.Series(label: graph.phase.description, analysis: analysis)]
            ).render()
        }
        try Self.write(svg, to: file)
        return ("wrote \(kind.rawValue) plot to \(file)", warnings)
    }
}
