import JouleEval
import JouleSpec

/// The fusion part of an evaluation report: each chain's decision, identical layers together.
struct FusionReport {
    let evaluation: GraphEvaluation

    /// Decisions with equal outcomes, in graph order, with how many chains each stands for.
    var rows: [(names: [String], decision: FusionDecision)] {
        var rows: [(names: [String], decision: FusionDecision)] = []
        for decision in evaluation.fusion {
            if let i = rows.firstIndex(where: { Self.same($0.decision, decision) }) {
                rows[i].names.append(decision.name)
            } else {
                rows.append(([decision.name], decision))
            }
        }
        return rows
    }

    private static func same(_ a: FusionDecision, _ b: FusionDecision) -> Bool {
        a.kind == b.kind && a.fused == b.fused && a.reason == b.reason && a.best?.tiling == b.best?.tiling
            && a.unfusedEnergy == b.unfusedEnergy && a.fusedEnergy == b.fusedEnergy
    }

    /// The names of a row: one, or the first and last and a count.
    private static func label(_ names: [String]) -> String {
        guard let first = names.first, let last = names.last, names.count > 1 else { return names.first ?? "" }
        return "\(first) … \(last) (\(names.count))"
    }

    /// The text table, or nil when no chain was considered.
    func table() -> String? {
        guard !evaluation.fusion.isEmpty else { return nil }
        var table = TextTable(
            ["fusion", "fused", "holds at", "tile", "energy fused / unfused", "time fused / unfused", "why"],
            alignments: [.left, .left, .left, .left, .right, .right, .left])
        for row in rows {
            let d = row.decision
            let best = d.best
            table.add([
                Self.label(row.names), d.fused ? "yes" : "no", d.levelName(evaluation.hardware) ?? "-",
                best.map { $0.tiling.description } ?? "-",
                (d.fusedEnergy.map { Energy(si: $0).description } ?? "-") + " / "
                    + Energy(si: d.unfusedEnergy).description,
                (d.fusedSeconds.map { Time(si: $0).description } ?? "-") + " / "
                    + Time(si: d.unfusedSeconds).description,
                d.reason,
            ])
        }
        return table.render()
    }

    /// One JSON object per chain.
    func json() -> [[String: Any]] {
        evaluation.fusion.map { d in
            var object: [String: Any] = [
                "name": d.name, "kind": d.kind.rawValue, "members": d.members, "fused": d.fused,
                "unfused_energy_j": d.unfusedEnergy, "unfused_latency_s": d.unfusedSeconds, "reason": d.reason,
            ]
            if let energy = d.fusedEnergy, let seconds = d.fusedSeconds {
                object["fused_energy_j"] = energy
                object["fused_latency_s"] = seconds
            }
            if let best = d.best {
                object["level"] = evaluation.hardware.memory[best.tiling.level].name
                object["tile"] = [
                    "rows": best.tiling.rows, "shared": best.tiling.shared, "order": best.tiling.order.rawValue,
                ]
                object["dram_bytes"] = FusionReport.dramBytes(best, hardware: evaluation.hardware)
            }
            return object
        }
    }

    /// Bytes a fused chain moves to and from DRAM.
    static func dramBytes(_ cost: FusedChainCost, hardware: Accelerator) -> Double {
        guard let d = hardware.memory.firstIndex(where: { $0.kind == .dram }) else { return 0 }
        return cost.members.reduce(0) { $0 + ($1.counts?.bytes(level: d) ?? 0) }
    }
}
