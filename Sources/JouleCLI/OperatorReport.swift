import JouleEval
import JouleSpec

/// One operator's cost: its bound, mapping and per-level accesses.
struct OperatorReport {
    let gemm: GEMM?
    let cost: OperatorCost
    let hardware: Accelerator
    /// An einsum read from a problem file (instead of a GEMM), with its name and MAC precision.
    var einsum: ProblemFile? = nil
    /// What the mapper did to find the mapping, when it searched.
    var effort: MapperResult? = nil

    static let operandNames = ["weights", "inputs", "outputs"]

    /// The problem the mapping loops over.
    var problem: Problem? { einsum?.problem ?? gemm.map(Problem.gemm) }

    /// The mapping as a loop nest, one level per line.
    var mappingText: String? {
        guard let mapping = cost.mapping, let problem else { return nil }
        return mapping.yaml(problem: problem, levelNames: hardware.memory.map(\.name))
    }

    /// `K=32 R=3 P=16 · weights[K, R] inputs[P + R] outputs[K, P]`.
    static func describe(_ problem: Problem) -> String {
        let bounds = zip(problem.dimensions, problem.bounds).map { "\($0)=\($1)" }.joined(separator: " ")
        let operands = problem.operands.map { operand in
            let axes = operand.indices.map { terms in
                terms.map { term in
                    problem.dimensions[term.dimension] + (term.stride == 1 ? "" : "*\(term.stride)")
                }.joined(separator: " + ")
            }
            return "\(operand.operand)[\(axes.joined(separator: ", "))]"
        }
        return bounds + " · " + operands.joined(separator: " ")
    }

    func table() -> String {
        var out: [String] = []
        if let einsum {
            out.append(
                "einsum \(einsum.name): \(Self.describe(einsum.problem)), \(einsum.macPrecision) MACs on \(hardware.name)"
            )
        } else if let gemm {
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
        if let effort {
            out.append(
                "mapper: \(QuantityFormat.grouped(effort.evaluated)) mappings evaluated over \(QuantityFormat.grouped(effort.validTilings)) valid tilings in \(Time(si: effort.searchSeconds)); \(effort.searchedPairs) of \(effort.pairs) spatial x keep/bypass choices searched"
                    + (effort.searchedPairs < effort.pairs ? ", the rest bounded out" : "")
                    + (effort.exhaustive ? " (the whole mapspace)" : " (budgeted: not the whole mapspace)")
            )
        }
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
        if let einsum {
            object["problem"] = einsum.name
            object["dims"] = Dictionary(uniqueKeysWithValues: zip(einsum.problem.dimensions, einsum.problem.bounds))
        } else if let gemm {
            object["dims"] = ["B": gemm.b, "M": gemm.m, "N": gemm.n, "K": gemm.k]
        }
        if let effort {
            object["mapper"] = [
                "evaluated": effort.evaluated, "valid_tilings": effort.validTilings, "search_s": effort.searchSeconds,
                "exhaustive": effort.exhaustive, "pairs": effort.pairs, "pairs_searched": effort.searchedPairs,
            ]
        }
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
