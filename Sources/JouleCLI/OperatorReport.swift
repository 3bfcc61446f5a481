import JouleEval
import JouleSpec

/// One operator's cost: its bound, mapping and per-level accesses.
struct OperatorReport {
    let gemm: GEMM?
    let cost: OperatorCost
    let hardware: Accelerator

    static let operandNames = ["weights", "inputs", "outputs"]

    /// The mapping as a loop nest, one level per line.
    var mappingText: String? {
        guard let mapping = cost.mapping, let gemm else { return nil }
        return mapping.yaml(problem: Problem.gemm(gemm), levelNames: hardware.memory.map(\.name))
    }

    func table() -> String {
        var out: [String] = []
        if let gemm {
            out.append(
                "GEMM B x M x N x K = \(gemm.b) x \(gemm.m) x \(gemm.n) x \(gemm.k), \(gemm.macPrecision) MACs on \(hardware.name)"
            )
        }
        out.append(
            "latency \(Time(si: cost.seconds)) (\(QuantityFormat.grouped(cost.cycles)) cycles) · energy \(Energy(si: cost.energy.total)) · bound: \(cost.bound) · utilization \(QuantityFormat.number(cost.utilization * 100, significant: 3))%"
        )
        if let text = mappingText {
            out.append("")
            out.append("mapping (outermost first; save it and pass --mapping FILE to evaluate it again):")
            out += text.split(separator: "\n").map { "  " + $0 }
        }
        if let counts = cost.counts {
            out.append("")
            var table = TextTable(["level", "operand", "tile", "reads", "fills", "updates", "energy"])
            for (i, level) in hardware.memory.enumerated() {
                for (o, access) in counts.levels[i].enumerated() where access.held {
                    table.add([
                        level.name, Self.operandNames[o], QuantityFormat.number(access.tile),
                        QuantityFormat.number(access.reads),
                        QuantityFormat.number(access.fills), QuantityFormat.number(access.updates),
                        Energy(si: cost.energy[i, o]).description,
                    ])
                }
            }
            out.append(table.render())
        }
        out.append("")
        out.append("MAC energy \(Energy(si: cost.energy.mac)) · static \(Energy(si: cost.energy.leakage))")
        return out.joined(separator: "\n")
    }

    /// The JSON object documented in the README (`operators[]` entries).
    func object(name: String? = nil) -> [String: Any] {
        var object: [String: Any] = [
            "cycles": cost.cycles, "latency_s": cost.seconds, "energy_j": cost.energy.total,
            "bound": cost.bound.description,
            "utilization": cost.utilization,
        ]
        if let name { object["name"] = name }
        if let gemm { object["dims"] = ["B": gemm.b, "M": gemm.m, "N": gemm.n, "K": gemm.k] }
        if let text = mappingText { object["mapping"] = text }
        var levels: [[String: Any]] = []
        for (i, level) in hardware.memory.enumerated() {
            var entry: [String: Any] = [
                "level": level.name, "energy_j": cost.energy.level(i), "transfer_s": cost.levelSeconds[i],
            ]
            if let counts = cost.counts {
                for (o, access) in counts.levels[i].enumerated() where access.held {
                    entry[Self.operandNames[o]] = [
                        "reads": access.reads, "fills": access.fills, "updates": access.updates, "tile": access.tile,
                    ]
                }
            }
            levels.append(entry)
        }
        object["levels"] = levels
        return object
    }
}
