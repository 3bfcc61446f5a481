import JouleEval
import JouleSpec

/// `joule eval`: totals, top operators, and the energy cut by level, operand and kind.
struct EvalReport {
    let evaluation: GraphEvaluation

    /// Energy by operand class: the second operand of a GEMM is weights, KV cache or an activation.
    var byOperand: [(String, Double)] {
        var totals: [String: Double] = [:]
        for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
            let operands = cost.energy.byOperand
            let second: String
            switch op.gemm?.second {
            case .kvCache?: second = "kv_cache"
            case .activation?: second = "activations"
            default: second = "weights"
            }
            totals[second, default: 0] += operands[0]
            totals["inputs", default: 0] += operands[1]
            totals["outputs", default: 0] += operands[2]
        }
        return ["weights", "kv_cache", "activations", "inputs", "outputs"].compactMap { name in
            totals[name].flatMap { $0 > 0 ? (name, $0) : nil }
        }
    }

    /// The energy no memory level or operand holds (MAC and vector operations, static power), so a
    /// cut by level or operand sums to the total.
    private var unattributed: [(String, Double)] {
        let e = evaluation.energy
        return [("compute (MAC, vector)", e.mac + e.vector), ("static", e.leakage)].filter { $0.1 > 0 }
    }

    /// Energy by memory level, then the unattributed rest.
    var levelRows: [(String, Double)] {
        Array(zip(evaluation.energy.levelNames, evaluation.energy.byLevel)) + unattributed
    }

    /// Energy by operand class, then the unattributed rest.
    var operandRows: [(String, Double)] { byOperand + unattributed }

    var byKind: [(String, Double)] {
        let e = evaluation.energy
        return [
            ("MAC", e.mac), ("vector", e.vector), ("on-chip memory", e.onChip), ("DRAM", e.dram), ("static", e.leakage),
        ]
    }

    /// Energy and time per operator role (and pass), largest first.
    func byRole() -> [(name: String, energy: Double, seconds: Double, count: Int)] {
        var order: [String] = []
        var totals: [String: (Double, Double, Int)] = [:]
        for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
            let key = op.pass == .forward ? op.role.rawValue : "\(op.role.rawValue) (\(op.pass.rawValue))"
            if totals[key] == nil { order.append(key) }
            let current = totals[key] ?? (0, 0, 0)
            totals[key] = (current.0 + cost.energy.total, current.1 + cost.seconds, current.2 + 1)
        }
        return order.compactMap { key in totals[key].map { (key, $0.0, $0.1, $0.2) } }
    }

    /// Energy and time per transformer layer in layer order, then the operators outside every
    /// layer (embedding, final norm, head), when there are any.
    func byLayer() -> [(name: String, energy: Double, seconds: Double, count: Int)] {
        var totals: [Int: (Double, Double, Int)] = [:]
        var outside = (0.0, 0.0, 0)
        for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
            guard let layer = op.layer else {
                outside = (outside.0 + cost.energy.total, outside.1 + cost.seconds, outside.2 + 1)
                continue
            }
            let current = totals[layer] ?? (0, 0, 0)
            totals[layer] = (current.0 + cost.energy.total, current.1 + cost.seconds, current.2 + 1)
        }
        var rows = totals.keys.sorted().compactMap { layer in
            totals[layer].map { (name: "layer \(layer)", energy: $0.0, seconds: $0.1, count: $0.2) }
        }
        if outside.2 > 0 {
            rows.append((name: "outside the layers", energy: outside.0, seconds: outside.1, count: outside.2))
        }
        return rows
    }

    private var heading: String {
        let g = evaluation.graph
        let point = evaluation.operatingPoint
        return
            "\(g.model.name) on \(evaluation.hardware.name) · \(g.phase) · precision \(g.precision) · \(evaluation.mode.rawValue) roofline · \(point.frequency) @ \(point.voltage)"
            + (sparsity.map { " · \($0.pattern) weights \($0.handling.rawValue)" } ?? "")
            + (g.options.activationDensity < 1 ? " · activation density \(g.options.activationDensity)" : "")
    }

    /// The sparse-weight pattern the graph asks for and what the hardware does with it.
    var sparsity: (pattern: SparsityPattern, handling: SparsityHandling)? {
        for op in evaluation.graph.operators {
            if let g = op.gemm, let pattern = g.weightSparsity {
                return (pattern, g.sparsityHandling(on: evaluation.hardware.compute))
            }
        }
        return nil
    }

    private func percent(_ part: Double, _ whole: Double) -> String {
        whole > 0 ? QuantityFormat.number(100 * part / whole, significant: 3) + "%" : "-"
    }

    func table(perOperator: Bool) -> String {
        let e = evaluation
        let total = e.energy.total
        var out = [heading]
        var latency = "latency \(Time(si: e.seconds))"
        if case .decode = e.graph.phase, e.seconds > 0 {
            latency +=
                " per step (one token per sequence) · \(Time(si: e.timePerToken)) per token · \(QuantityFormat.number(Double(e.graph.tokens) / e.seconds)) tokens/s"
        }
        out.append(latency)
        out.append(
            "energy \(Energy(si: total)) · \(Energy(si: e.energyPerToken)) per token · average power \(Power(si: e.averagePower)) · bound: \(e.bound)"
        )
        if e.mode == .mapped {
            out.append(
                "mapper: \(e.mappedShapes) distinct GEMM shapes, \(QuantityFormat.grouped(e.mappingsEvaluated)) mappings evaluated"
            )
        }
        if let fusion = FusionReport(evaluation: e).table() {
            out.append("")
            out.append(fusion)
        }
        out.append("")
        let roles = byRole()
        var topEnergy = TextTable(["top by energy", "count", "energy", "share"])
        for role in roles.sorted(by: { $0.energy > $1.energy }).prefix(8) {
            topEnergy.add([
                role.name, "\(role.count)", Energy(si: role.energy).description, percent(role.energy, total),
            ])
        }
        out.append(topEnergy.render())
        out.append("")
        var topTime = TextTable(["top by time", "count", "time", "share"])
        for role in roles.sorted(by: { $0.seconds > $1.seconds }).prefix(8) {
            topTime.add([
                role.name, "\(role.count)", Time(si: role.seconds).description, percent(role.seconds, e.seconds),
            ])
        }
        out.append(topTime.render())
        out.append("")
        var levels = TextTable(["energy by level", "energy", "share"])
        for (name, joules) in levelRows {
            levels.add([name, Energy(si: joules).description, percent(joules, total)])
        }
        out.append(levels.render())
        out.append("")
        var operands = TextTable(["energy by operand", "energy", "share"])
        for (name, joules) in operandRows {
            operands.add([name, Energy(si: joules).description, percent(joules, total)])
        }
        out.append(operands.render())
        out.append("")
        var kinds = TextTable(["energy by kind", "energy", "share"])
        for (name, joules) in byKind { kinds.add([name, Energy(si: joules).description, percent(joules, total)]) }
        out.append(kinds.render())
        if perOperator {
            out.append("")
            var table = TextTable(
                ["operator", "shape", "time", "energy", "bound", "util", "mapping"],
                alignments: [.left, .right, .right, .right, .left, .right, .left])
            for (op, cost) in zip(e.graph.operators, e.costs) {
                let mapping = cost.mapping.map { mappingSummary($0, op: op) } ?? "-"
                table.add([
                    op.name, GraphReport.shape(op), Time(si: cost.seconds).description,
                    Energy(si: cost.energy.total).description,
                    cost.bound.description,
                    op.gemm != nil ? QuantityFormat.number(cost.utilization * 100, significant: 3) + "%" : "-",
                    mapping,
                ])
            }
            out.append(table.render())
        }
        return out.joined(separator: "\n")
    }

    private func mappingSummary(_ mapping: Mapping, op: Operator) -> String {
        guard let gemm = op.gemm else { return "-" }
        let text = mapping.description(
            problem: Problem.gemm(gemm.resolvingSparsity(on: evaluation.hardware.compute)),
            levelNames: evaluation.hardware.memory.map(\.name))
        return (mapping.dataflow.map { $0.abbreviation + " | " } ?? "")
            + text.split(separator: "\n").joined(separator: " | ")
    }

    func csv() -> String {
        var table = TextTable(["name", "role", "pass", "latency_s", "energy_j", "bound", "utilization"])
        for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
            table.add([
                op.name, op.role.rawValue, op.pass.rawValue, "\(cost.seconds)", "\(cost.energy.total)",
                cost.bound.description, "\(cost.utilization)",
            ])
        }
        return table.csv()
    }

    func json() -> String {
        let e = evaluation
        let energy = e.energy
        var object: [String: Any] = [
            "model": e.graph.model.name, "hardware": e.hardware.name, "phase": e.graph.phase.name,
            "batch": e.graph.phase.batch,
            "precision": e.graph.precision.description, "roofline": e.mode.rawValue, "latency_s": e.seconds,
            "energy_j": energy.total, "energy_per_token_j": e.energyPerToken, "average_power_w": e.averagePower,
            "bound": e.bound.description, "tokens": e.graph.tokens,
            "activation_density": e.graph.options.activationDensity,
            "operating_point": [
                "frequency_hz": e.operatingPoint.frequency.si, "voltage_v": e.operatingPoint.voltage.si,
            ],
            "breakdown": [
                "level": Dictionary(uniqueKeysWithValues: zip(energy.levelNames, energy.byLevel)),
                "operand": Dictionary(uniqueKeysWithValues: byOperand.map { ($0.0, $0.1) }),
                "kind": [
                    "mac": energy.mac, "vector": energy.vector, "on_chip": energy.onChip, "dram": energy.dram,
                    "static": energy.leakage,
                ],
            ] as [String: Any],
        ]
        // Per token as in a sweep's points.csv: the step's latency over the tokens it produces
        // or processes (1 / tokens_per_s).
        object["time_per_token_s"] = e.timePerToken
        object["tokens_per_s"] = e.seconds > 0 ? Double(e.graph.tokens) / e.seconds : 0
        if !e.fusion.isEmpty { object["fusion"] = FusionReport(evaluation: e).json() }
        if let sparsity {
            object["weight_sparsity"] = [
                "pattern": sparsity.pattern.description, "handling": sparsity.handling.rawValue,
            ]
        }
        object["operators"] = zip(e.graph.operators, e.costs).map { op, cost in
            OperatorReport(gemm: op.gemm, cost: cost, hardware: e.hardware).object(name: op.name)
        }
        return JSONOutput.render(object)
    }
}
