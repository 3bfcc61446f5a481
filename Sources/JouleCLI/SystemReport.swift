import Foundation
import JouleEval
import JouleSpec
import JouleSystem

/// `joule eval MODEL CLUSTER`: step time, energy, communication and memory per device.
struct SystemReport {
    let evaluation: SystemEvaluation
    let model: ModelConfig

    static func time(_ seconds: Double) -> String { QuantityFormat.format(seconds, kind: .time) }
    static func bytes(_ value: Double) -> String { QuantityFormat.format(value, kind: .bytes) }
    static func joules(_ value: Double) -> String { QuantityFormat.format(value, kind: .energy) }

    /// "weights 17.6 GB + KV cache ... = 30 GB of 80 GB (38 %)".
    static func footprintLine(_ footprint: MemoryFootprint) -> String {
        let parts = footprint.parts.map { "\($0.name) \(bytes($0.bytes))" }.joined(separator: " + ")
        guard let capacity = footprint.capacity else { return "\(parts) = \(bytes(footprint.total))" }
        let share = QuantityFormat.number(100 * footprint.total / capacity, significant: 3)
        return "\(parts) = \(bytes(footprint.total)) of \(bytes(capacity)) (\(share) %)"
    }

    static func footprintObject(_ footprint: MemoryFootprint) -> [String: Any] {
        var object: [String: Any] = [
            "weights_bytes": footprint.weights, "kv_cache_bytes": footprint.kvCache,
            "activations_bytes": footprint.activations, "gradients_bytes": footprint.gradients,
            "optimizer_bytes": footprint.optimizer, "total_bytes": footprint.total, "fits": footprint.fits,
            "overflow_bytes": footprint.overflow,
        ]
        if let capacity = footprint.capacity { object["capacity_bytes"] = capacity }
        return object
    }

    func table() -> String {
        let e = evaluation
        let cluster = e.cluster
        var lines: [String] = []
        let links = cluster.interconnects.map { "\($0.name) \($0.topology) \(Self.rate($0.bandwidth.si))" }
        lines.append(
            "\(model.name) on \(cluster.name) (\(cluster.nodes) x \(cluster.devicesPerNode) \(cluster.device.name)\(links.isEmpty ? "" : ", " + links.joined(separator: ", "))): \(e.phase), \(e.device.graph.precision)"
        )
        lines.append(
            "plan: \(e.plan) (\(e.plan.devices) of \(cluster.devices) devices), \(e.microbatches) microbatch\(e.microbatches == 1 ? "" : "es") of \(e.device.graph.phase.batch)\(e.plan.overlap ? ", overlap on" : "")"
        )
        lines.append("")
        var summary: [(String, String)] = []
        let isDecode: Bool
        if case .decode = e.phase { isDecode = true } else { isDecode = false }
        summary.append((isDecode ? "step (time per output token)" : "step", Self.time(e.seconds)))
        summary.append(("tokens/s", QuantityFormat.number(Double(e.tokens) / max(e.seconds, 1e-30))))
        summary.append(("energy per step", Self.joules(e.energy)))
        summary.append(("energy per token", Self.joules(e.energyPerToken)))
        summary.append(("average power", QuantityFormat.format(e.averagePower, kind: .power)))
        summary.append(("bound", e.bound))
        summary.append(("compute per microbatch (slowest stage)", Self.time(e.stageSeconds.max() ?? 0)))
        summary.append(("communication per step", Self.time(e.communicationSeconds)))
        if e.plan.pipeline > 1 {
            let formula = e.plan.virtualStages > 1 ? "(p-1)/(v·m+p-1)" : "(p-1)/(m+p-1)"
            summary.append(
                ("pipeline bubble \(formula)", QuantityFormat.number(100 * e.bubble, significant: 3) + " %"))
        }
        summary.append(("memory per device", Self.footprintLine(e.footprint)))
        let width = summary.map(\.0.count).max() ?? 0
        lines += summary.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
        if !e.communication.isEmpty {
            lines.append("")
            var table = TextTable([
                "communication", "runs/step", "bytes each", "algorithm", "time each", "time/step", "energy/step",
            ])
            for item in e.communication {
                table.add([
                    item.purpose, QuantityFormat.number(item.perStep), Self.bytes(item.cost.bytes), item.cost.algorithm,
                    Self.time(item.cost.seconds), Self.time(item.seconds), Self.joules(item.energy),
                ])
            }
            lines.append(table.render())
        }
        lines.append("")
        var energy = TextTable(["energy per step", "J", "share"])
        for (name, value) in energyRows {
            energy.add([
                name, QuantityFormat.number(value),
                QuantityFormat.number(100 * value / max(e.energy, 1e-30), significant: 3) + " %",
            ])
        }
        lines.append(energy.render())
        return lines.joined(separator: "\n")
    }

    var energyRows: [(String, Double)] {
        [
            ("devices computing", evaluation.computeEnergy), ("devices idle (static)", evaluation.idleEnergy),
            ("links", evaluation.linkEnergy), ("switches and NICs (static)", evaluation.interconnectStaticEnergy),
        ]
    }

    static func rate(_ bandwidth: Double) -> String { QuantityFormat.format(bandwidth, kind: .bandwidth) }

    func object() -> [String: Any] {
        let e = evaluation
        return [
            "model": model.name, "cluster": e.cluster.name, "device": e.cluster.device.name, "phase": e.phase.name,
            "batch": e.phase.batch,
            "plan": [
                "tp": e.plan.tensor, "pp": e.plan.pipeline, "dp": e.plan.data, "ep": e.plan.expert,
                "cp": e.plan.context, "virtual_stages": e.plan.virtualStages, "recompute": e.plan.recompute.rawValue,
                "sp": e.plan.sequence, "zero": e.plan.zero.rawValue, "microbatches": e.microbatches,
                "overlap": e.plan.overlap,
            ] as [String: Any],
            "seconds": e.seconds, "tokens": e.tokens, "energy_j": e.energy, "energy_per_token_j": e.energyPerToken,
            "average_power_w": e.averagePower, "bound": e.bound, "bubble": e.bubble,
            "stage_seconds": e.stageSeconds, "communication_seconds": e.communicationSeconds,
            "energy_parts_j": Dictionary(uniqueKeysWithValues: energyRows.map { ($0.0, $0.1) }),
            "communication": e.communication.map { item -> [String: Any] in
                [
                    "purpose": item.purpose, "collective": item.cost.collective.rawValue, "runs_per_step": item.perStep,
                    "bytes": item.cost.bytes, "group": item.cost.group, "algorithm": item.cost.algorithm,
                    "seconds_each": item.cost.seconds, "seconds_per_step": item.seconds,
                    "energy_per_step_j": item.energy,
                    "link_bytes": item.cost.linkBytes,
                ]
            },
            "footprint": Self.footprintObject(e.footprint),
        ]
    }
}
