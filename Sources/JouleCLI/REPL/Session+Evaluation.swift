import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import YAML

extension Session {
    /// The options of the `joule eval` command line that evaluates the same workload.
    func commandLineOptions() -> [String] {
        let w = workload
        var words = ["--phase", w.phase, "--batch", String(w.batch)]
        if w.phase == "decode" {
            if let context = w.context { words += ["--context", String(context)] }
        } else if let sequence = w.sequence {
            words += ["--sequence", String(sequence)]
        }
        if let precision = w.precision { words += ["--precision", precision] }
        if let dataflow = w.dataflow { words += ["--dataflow", dataflow] }
        if w.fusion != "auto" { words += ["--fusion", w.fusion] }
        if let attention = w.attention { words += ["--attention", attention] }
        if let logits = w.logits { words += ["--logits", logits] }
        if w.roofline != "mapped" { words += ["--roofline", w.roofline] }
        if w.objective != "energy" { words += ["--objective", w.objective] }
        if let point = w.operatingPoint { words += ["--operating-point", point] }
        if let sparsity = w.sparsity { words += ["--sparsity", sparsity] }
        if let density = w.activationDensity { words += ["--activation-density", density] }
        if let draft = w.speculative { words += ["--speculative", draft] }
        if let k = w.draftTokens { words += ["--draft-tokens", k] }
        if let a = w.acceptance { words += ["--acceptance", a] }
        return words
    }

    /// `joule eval MODEL HARDWARE …` for the current settings (the files as loaded; edits are
    /// not expressible on the command line, so an edited design is noted).
    var equivalentCommand: String {
        let modelName = model?.name ?? "MODEL"
        let hardwareName = hardware?.name ?? "HARDWARE"
        return (["joule", "eval", modelName, hardwareName] + commandLineOptions()).joined(separator: " ")
    }

    /// The parsed options, as `joule eval` parses them, with its default precision for the hardware.
    func arguments(hardware accelerator: Accelerator?) throws(SessionError) -> Arguments {
        var arguments: Arguments
        do {
            arguments = try Arguments(
                commandLineOptions(), valued: EvalCommand.valued, flags: ["per-op"], usage: EvalCommand.usage)
        } catch {
            throw SessionError(error)
        }
        if arguments.options["precision"] == nil, let accelerator {
            arguments.options["precision"] = PrecisionConfig.default(for: accelerator).description
        }
        return arguments
    }

    /// The graph of the current model and workload (built as `joule eval` builds it).
    func graph(for accelerator: Accelerator? = nil) throws(SessionError) -> Graph {
        let m = try requireModel()
        var arguments = try self.arguments(hardware: accelerator ?? hardware?.accelerator)
        arguments.options["fusion"] = GraphOptions.fusionInEffect(
            arguments.options["fusion"], ideal: arguments.options["roofline"] == "ideal")
        var graph: Graph
        do {
            graph = try GraphCommand.build(model: m.config, arguments, usage: EvalCommand.usage)
        } catch {
            throw SessionError(error)
        }
        if let hardware = accelerator ?? hardware?.accelerator {
            if let warning = graph.memoryFitWarning(on: hardware) { graph.warnings.append(warning) }
            graph.warnings += graph.sparsityWarnings(on: hardware)
        }
        return graph
    }

    /// The evaluator of `joule eval` for an accelerator, sharing the session's mapping cache.
    func evaluator(for accelerator: Accelerator) throws(SessionError) -> Evaluator {
        var evaluator: Evaluator
        do {
            evaluator = try EvalCommand.evaluator(try arguments(hardware: accelerator), hardware: accelerator)
        } catch let error as SessionError {
            throw error
        } catch let error as CommandLineError {
            throw SessionError(error)
        } catch {
            throw SessionError("\(error)")
        }
        evaluator.cache = cache
        return evaluator
    }

    /// Evaluates the model on the hardware (or on another accelerator) for the current workload.
    func evaluate(on accelerator: Accelerator? = nil) throws(SessionError) -> GraphEvaluation {
        let hw: Accelerator
        if let accelerator {
            hw = accelerator
        } else {
            hw = try requireHardware().accelerator
        }
        _ = try requireModel()
        let graph = try self.graph(for: hw)
        let evaluator = try self.evaluator(for: hw)
        do {
            return try evaluator.evaluate(graph)
        } catch {
            throw SessionError(error.message)
        }
    }

    // MARK: Reports

    func evalReport(_ evaluation: GraphEvaluation, perOperator: Bool) -> String {
        let report = EvalReport(evaluation: evaluation)
        switch format {
        case .json: return report.json()
        case .csv: return report.csv()
        case .table: return report.table(perOperator: perOperator)
        }
    }

    private func percent(_ part: Double, _ whole: Double) -> String {
        whole > 0 ? QuantityFormat.number(100 * part / whole, significant: 3) + "%" : "-"
    }

    /// Energy by one cut, as a table, JSON or CSV.
    func breakdown(_ cut: SessionCommand.Cut, _ evaluation: GraphEvaluation) -> String {
        let report = EvalReport(evaluation: evaluation)
        let total = evaluation.energy.total
        if cut == .role || cut == .layer {
            let roles = cut == .role ? report.byRole() : report.byLayer()
            switch format {
            case .json:
                return JSONOutput.render([
                    "cut": cut.rawValue, "total_j": total,
                    "entries": roles.map {
                        [
                            "name": $0.name, "count": $0.count, "energy_j": $0.energy, "latency_s": $0.seconds,
                            "share": total > 0 ? $0.energy / total : 0,
                        ] as [String: Any]
                    },
                ])
            case .csv, .table:
                var table = TextTable(["energy by \(cut.rawValue)", "count", "energy", "share", "time", "time share"])
                for role in roles {
                    table.add([
                        role.name, String(role.count),
                        format == .csv ? "\(role.energy)" : Energy(si: role.energy).description,
                        percent(role.energy, total),
                        format == .csv ? "\(role.seconds)" : Time(si: role.seconds).description,
                        percent(role.seconds, evaluation.seconds),
                    ])
                }
                return format == .csv ? table.csv() : table.render()
            }
        }
        let rows: [(String, Double)]
        switch cut {
        case .level: rows = report.levelRows
        case .operand: rows = report.operandRows
        default: rows = report.byKind
        }
        switch format {
        case .json:
            return JSONOutput.render([
                "cut": cut.rawValue, "total_j": total,
                "entries": rows.map {
                    ["name": $0.0, "energy_j": $0.1, "share": total > 0 ? $0.1 / total : 0] as [String: Any]
                },
            ])
        case .csv:
            var table = TextTable([cut.rawValue, "energy_j", "share"])
            for (name, joules) in rows { table.add([name, "\(joules)", "\(total > 0 ? joules / total : 0)"]) }
            return table.csv()
        case .table:
            var table = TextTable(["energy by \(cut.rawValue)", "energy", "share"])
            for (name, joules) in rows { table.add([name, Energy(si: joules).description, percent(joules, total)]) }
            table.add(["total", Energy(si: total).description, total > 0 ? "100%" : "-"])
            return table.render()
        }
    }

    /// The operator roles with the most energy or time.
    func top(_ count: Int, by rank: SessionCommand.Rank, _ evaluation: GraphEvaluation) -> String {
        let roles = EvalReport(evaluation: evaluation).byRole()
        let sorted = roles.sorted { rank == .energy ? $0.energy > $1.energy : $0.seconds > $1.seconds }.prefix(count)
        let whole = rank == .energy ? evaluation.energy.total : evaluation.seconds
        switch format {
        case .json:
            return JSONOutput.render([
                "rank": rank.rawValue,
                "entries": sorted.map {
                    [
                        "name": $0.name, "count": $0.count, "energy_j": $0.energy, "latency_s": $0.seconds,
                        "share": whole > 0 ? (rank == .energy ? $0.energy : $0.seconds) / whole : 0,
                    ] as [String: Any]
                },
            ])
        case .csv:
            var table = TextTable(["name", "count", "energy_j", "latency_s"])
            for role in sorted { table.add([role.name, String(role.count), "\(role.energy)", "\(role.seconds)"]) }
            return table.csv()
        case .table:
            var table = TextTable(["top by \(rank.rawValue)", "count", rank == .energy ? "energy" : "time", "share"])
            for role in sorted {
                let value = rank == .energy ? role.energy : role.seconds
                table.add([
                    role.name, String(role.count),
                    rank == .energy ? Energy(si: value).description : Time(si: value).description,
                    percent(value, whole),
                ])
            }
            return table.render()
        }
    }

    /// Every distinct operator against the MAC peak and the DRAM bandwidth.
    func roofline(_ evaluation: GraphEvaluation) -> String {
        let hw = evaluation.hardware
        let point = evaluation.operatingPoint
        let clockScale = point.frequency.si / hw.clock.si
        let precision = RooflinePlot.macPrecision(evaluation.graph) ?? evaluation.graph.precision.weights
        let peak = hw.peakOpsPerSecond(precision) * clockScale
        let vectorPeak = Double(hw.compute.vector.lanes) * point.frequency.si
        let dram = hw.dram ?? hw.memory.first
        let bandwidth = dram?.totalReadBandwidth?.si
        let groups = RooflinePlot.groups(evaluation)
        func share(_ group: RooflinePlot.Group) -> Double {
            let ceiling = group.isGEMM ? peak : vectorPeak
            return ceiling > 0 && group.seconds > 0 ? group.attained / ceiling : 0
        }
        if format == .json {
            return JSONOutput.render([
                "precision": precision.rawValue, "peak_ops_per_s": peak, "vector_peak_ops_per_s": vectorPeak,
                "dram_bytes_per_s": JSONOutput.number(bandwidth),
                "ridge_ops_per_byte": JSONOutput.number(bandwidth.map { peak / $0 }),
                "operators": groups.map { group in
                    [
                        "roles": group.roles.map(\.rawValue), "count": group.count, "flops": group.flops,
                        "dram_bytes": group.dramBytes, "intensity": JSONOutput.number(group.intensity),
                        "attained_ops_per_s": JSONOutput.number(group.attained), "share_of_peak": share(group),
                        "bound": group.bound.description, "latency_s": group.seconds,
                    ] as [String: Any]
                },
            ])
        }
        var heading = [
            "roofline: \(evaluation.graph.model.name) on \(hw.name) · \(evaluation.graph.phase) · \(evaluation.mode.rawValue) traffic · \(point.frequency)",
            "peak \(QuantityFormat.scaled(peak, unit: precision.isFloatingPoint ? "FLOPS" : "OPS")) (\(precision) MACs) · vector \(QuantityFormat.scaled(vectorPeak, unit: "OPS"))",
        ]
        if let dram, let bandwidth {
            heading[1] +=
                " · \(dram.name) \(QuantityFormat.format(bandwidth, kind: .bandwidth)) · ridge \(QuantityFormat.number(peak / bandwidth)) op/B"
        }
        var table = TextTable(
            ["operator", "count", "ops", "DRAM bytes", "op/B", "attained", "of peak", "bound"],
            alignments: [.left, .right, .right, .right, .right, .right, .right, .left])
        for group in groups {
            if format == .csv {
                table.add([
                    group.label, String(group.count), "\(group.flops)", "\(group.dramBytes)", "\(group.intensity)",
                    "\(group.attained)", "\(share(group))", group.bound.description,
                ])
            } else {
                table.add([
                    group.label + (group.isGEMM ? "" : " (vector)"), String(group.count),
                    QuantityFormat.scaled(group.flops, unit: "op"),
                    QuantityFormat.format(group.dramBytes, kind: .bytes),
                    group.dramBytes > 0 ? QuantityFormat.number(group.intensity, significant: 3) : "-",
                    group.seconds > 0 ? QuantityFormat.scaled(group.attained, unit: "op/s", significant: 3) : "-",
                    percent(share(group), 1), group.bound.description,
                ])
            }
        }
        return format == .csv ? table.csv() : (heading + [table.render()]).joined(separator: "\n")
    }

    /// The workload over the hardware's operating points (or, when the file lists only its
    /// nominal point, six points by the alpha-power law, as `joule dvfs` does).
    func dvfsAnalysis() throws(SessionError) -> (
        analysis: DVFSAnalysis, graph: Graph, hardware: Accelerator, mode: RooflineMode, synthesised: Bool
    ) {
        let hw = try requireHardware().accelerator
        let graph = try self.graph(for: hw)
        let evaluator = try self.evaluator(for: hw)
        let synthesised = hw.operatingPoints.count < 2
        let points =
            synthesised ? hw.synthesisedOperatingPoints(count: 6) : hw.operatingPoints
        do {
            let analysis = try DVFSAnalysis.analyze(
                graph: graph, hardware: hw, points: points, mode: evaluator.mode, objective: evaluator.objective,
                cache: cache)
            return (analysis, graph, hw, evaluator.mode, synthesised)
        } catch {
            throw SessionError(error.message)
        }
    }

    /// Energy and time over the operating points, and the point each rule picks (as `joule dvfs`).
    func dvfs() throws(SessionError) -> String {
        let result = try dvfsAnalysis()
        let report = DVFSReport(analysis: result.analysis, graph: result.graph, hardwareName: result.hardware.name)
        switch format {
        case .json: return report.json()
        case .csv: return report.csv()
        case .table: return report.table()
        }
    }

    // MARK: show

    func show(_ target: SessionCommand.ShowTarget, _ name: String?) throws(SessionError) -> (String, [String]) {
        switch target {
        case .hardware:
            let report = HardwareReport(accelerator: try requireHardware().accelerator)
            return (format == .json ? report.json() : report.table(), [])
        case .model:
            let report = ModelReport(model: try requireModel().config)
            return (format == .json ? report.json() : report.table(), [])
        case .graph:
            let graph = try self.graph()
            let report = GraphReport(graph: graph)
            guard let name else {
                switch format {
                case .json: return (report.json(), graph.warnings)
                case .csv: return (report.csv(perOperator: false), graph.warnings)
                case .table: return (report.table(perOperator: false), graph.warnings)
                }
            }
            let ops = try operators(named: name, in: graph)
            var table = TextTable(
                ["operator", "pass", "shape (B x M x N x K)", "FLOPs", "bytes"],
                alignments: [.left, .left, .right, .right, .right])
            for op in ops {
                table.add([
                    op.name, op.pass.rawValue, GraphReport.shape(op), QuantityFormat.scaled(op.flops, unit: "FLOP"),
                    QuantityFormat.format(op.compulsoryBytes, kind: .bytes),
                ])
            }
            return (format == .csv ? table.csv() : table.render(), graph.warnings)
        case .mapping:
            let evaluation = try evaluate()
            let names = evaluation.hardware.memory.map(\.name)
            if let name {
                let ops = try operators(named: name, in: evaluation.graph)
                guard let op = ops.first(where: { $0.gemm != nil }) ?? ops.first,
                    let index = evaluation.graph.operators.firstIndex(where: { $0.name == op.name })
                else { throw SessionError("no operator '\(name)'") }
                let report = OperatorReport(gemm: op.gemm, cost: evaluation.costs[index], hardware: evaluation.hardware)
                if format == .json {
                    return (JSONOutput.render(report.object(name: op.name)), evaluation.graph.warnings)
                }
                return (op.name + ": " + report.table(), evaluation.graph.warnings)
            }
            var seen = Set<String>()
            var table = TextTable(
                ["operator", "shape", "bound", "util", "mapping"], alignments: [.left, .right, .left, .right, .left])
            for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
                guard let gemm = op.gemm, seen.insert(op.role.rawValue + op.pass.rawValue).inserted else { continue }
                let mapping =
                    cost.mapping.map { m in
                        (m.dataflow.map { $0.abbreviation + " | " } ?? "")
                            + m.description(
                                problem: Problem.gemm(gemm.resolvingSparsity(on: evaluation.hardware.compute)),
                                levelNames: names
                            ).split(separator: "\n")
                            .joined(separator: " | ")
                    } ?? "- (ideal roofline: no mapping)"
                table.add([
                    op.name, GraphReport.shape(op), cost.bound.description,
                    QuantityFormat.number(cost.utilization * 100, significant: 3) + "%", mapping,
                ])
            }
            return (format == .csv ? table.csv() : table.render(), evaluation.graph.warnings)
        case .settings:
            var lines = [
                "hardware = "
                    + (hardware.map {
                        "\($0.accelerator.name) (\(Self.display($0.path)))" + (edited($0) ? ", edited" : "")
                    }
                        ?? "none"),
                "model = " + (model.map { "\($0.config.name) (\(Self.display($0.path)))" } ?? "none"),
            ]
            lines += settingLines(changedOnly: false)
            lines += Self.servingKeys.compactMap { key in workload.serving[key].map { "\(key) = \($0)" } }
            lines.append("format = \(format.rawValue)")
            lines.append("")
            lines.append(
                "the same evaluation from the shell"
                    + (hardware.map(edited) == true ? " (with the files as loaded, without the edits)" : "") + ":")
            lines.append("  " + equivalentCommand)
            if let words = try? serveWords() {
                lines.append("  joule serve " + words.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " "))
            }
            return (lines.joined(separator: "\n"), [])
        case .saved:
            guard !snapshotOrder.isEmpty else { return ("no snapshots; save NAME keeps one", []) }
            let lines = snapshotOrder.compactMap { name -> String? in
                guard let snapshot = snapshots[name] else { return nil }
                let hw = snapshot.hardware.map { $0.accelerator.name + (edited($0) ? "*" : "") } ?? "no hardware"
                let m = snapshot.model?.config.name ?? "no model"
                return "\(name): \(hw), \(m), \(Self.phaseSummary(snapshot.workload, model: snapshot.model))"
            }
            return (lines.joined(separator: "\n"), [])
        }
    }

    /// Operators by exact name (L0.q_proj) or by role (q_proj: every operator of the role).
    func operators(named name: String, in graph: Graph) throws(SessionError) -> [Operator] {
        if let op = graph.operators.first(where: { $0.name == name }) { return [op] }
        let byRole = graph.operators.filter { $0.role.rawValue == name }
        if !byRole.isEmpty { return byRole }
        var roles: [String] = []
        for op in graph.operators where !roles.contains(op.role.rawValue) { roles.append(op.role.rawValue) }
        let hint =
            Suggestion.closest(to: name, among: roles + graph.operators.prefix(64).map(\.name)).map {
                "did you mean '\($0)'?"
            }
            ?? "a role (\(roles.joined(separator: ", "))) or a name such as \(graph.operators.first?.name ?? "L0.q_proj")"
        throw SessionError("no operator '\(name)' in the graph; \(hint)")
    }
}

extension Session {
    /// `eval` with `speculative` set: the speculative-decoding report of `joule eval --speculative`.
    func speculative() throws(SessionError) -> String {
        let m = try requireModel()
        let hw = try requireHardware().accelerator
        let arguments = try self.arguments(hardware: hw)
        do {
            return try EvalCommand.runSpeculative(arguments, model: m.config, hardware: hw, format: "table")
        } catch {
            throw SessionError(error)
        }
    }
}
