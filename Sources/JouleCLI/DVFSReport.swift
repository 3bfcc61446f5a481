import JouleSearch
import JouleSpec

/// `joule dvfs` and the REPL's `dvfs`: the energy-time table over operating points, each point
/// marked with the rules that choose it.
struct DVFSReport {
    let analysis: DVFSAnalysis
    let graph: Graph
    let hardwareName: String
    /// The weight of energy in Zeus's cost.
    var eta = 0.5
    /// The slowdown over the fastest point the "least energy within" rule allows.
    var maxSlowdown = 1.1
    /// Where each power cap asked for settles the clock.
    var caps: [PowerCap.Settled] = []

    /// The rules' choices, by point index.
    var marks: [Int: [String]] {
        var marks: [Int: [String]] = [:]
        func mark(_ point: DVFSPoint?, _ label: String) {
            if let point { marks[point.index, default: []].append(label) }
        }
        mark(analysis.minimumEnergy, "min energy")
        mark(analysis.minimumTime, "min time")
        mark(analysis.minimumCost(eta: eta), "min cost (eta \(QuantityFormat.number(eta)))")
        mark(
            analysis.lowestEnergy(maxSlowdown: maxSlowdown),
            "least energy within \(QuantityFormat.number(maxSlowdown))x")
        for cap in caps { mark(analysis.fastest(powerLimit: cap.limit), "fastest under \(Power(si: cap.limit))") }
        return marks
    }

    func json() -> String {
        let marks = self.marks
        let points: [[String: Any]] = analysis.points.map { p in
            [
                "frequency_hz": p.point.frequency.si, "voltage_v": p.point.voltage.si, "latency_s": p.seconds,
                "energy_j": p.energy, "average_power_w": p.averagePower, "bound": p.bound.description,
                "cost": p.cost(eta: eta, maxPower: analysis.maxPower), "choices": marks[p.index] ?? [],
            ]
        }
        let fastest = analysis.minimumTime?.seconds ?? 0
        let capRows: [[String: Any]] = caps.map { cap in
            [
                "limit_w": cap.limit, "frequency_hz": cap.point.frequency.si, "voltage_v": cap.point.voltage.si,
                "latency_s": cap.seconds, "energy_j": cap.energy, "average_power_w": cap.averagePower,
                "slowdown": fastest > 0 ? cap.seconds / fastest : 1, "throttled": cap.throttled,
            ]
        }
        return JSONOutput.render([
            "model": graph.model.name, "hardware": hardwareName, "phase": graph.phase.name,
            "tdp_w": analysis.maxPower, "max_power_w": analysis.maxPower, "points": points, "power_caps": capRows,
        ])
    }

    private func textTable() -> TextTable {
        let marks = self.marks
        let fastest = analysis.minimumTime?.seconds ?? 1
        let lowest = analysis.minimumEnergy?.energy ?? 1
        var table = TextTable(
            ["frequency", "voltage", "time", "slowdown", "energy", "vs min", "power", "bound", "choice"],
            alignments: [.right, .right, .right, .right, .right, .right, .right, .left, .left])
        for p in analysis.points {
            table.add([
                p.point.frequency.description, p.point.voltage.description, Time(si: p.seconds).description,
                QuantityFormat.number(p.seconds / fastest, significant: 3) + "x", Energy(si: p.energy).description,
                QuantityFormat.number(p.energy / lowest, significant: 3) + "x", Power(si: p.averagePower).description,
                p.bound.description, (marks[p.index] ?? []).joined(separator: "; "),
            ])
        }
        return table
    }

    /// One row per operating point, fastest first, in SI units as the JSON has them (the
    /// slowdown and energy relative to the fastest and the cheapest point, and the rules'
    /// choices joined by "; ").
    func csv() -> String {
        let marks = self.marks
        let fastest = analysis.minimumTime?.seconds ?? 1
        let lowest = analysis.minimumEnergy?.energy ?? 1
        var table = TextTable([
            "frequency_hz", "voltage_v", "latency_s", "slowdown", "energy_j", "energy_vs_min", "average_power_w",
            "bound", "cost", "choices",
        ])
        for p in analysis.points {
            table.add([
                "\(p.point.frequency.si)", "\(p.point.voltage.si)", "\(p.seconds)",
                "\(fastest > 0 ? p.seconds / fastest : 0)", "\(p.energy)", "\(lowest > 0 ? p.energy / lowest : 0)",
                "\(p.averagePower)", p.bound.description, "\(p.cost(eta: eta, maxPower: analysis.maxPower))",
                (marks[p.index] ?? []).joined(separator: "; "),
            ])
        }
        return table.csv()
    }

    /// One row per power cap: where the driver settles the clock and what the workload costs there.
    func capTable() -> TextTable {
        let fastest = analysis.minimumTime?.seconds ?? 1
        var table = TextTable(
            ["power limit", "settles at", "voltage", "time", "slowdown", "energy", "power"],
            alignments: [.right, .right, .right, .right, .right, .right, .right])
        for cap in caps {
            table.add([
                Power(si: cap.limit).description, cap.point.frequency.description, cap.point.voltage.description,
                Time(si: cap.seconds).description, QuantityFormat.number(cap.seconds / fastest, significant: 3) + "x",
                Energy(si: cap.energy).description, Power(si: cap.averagePower).description,
            ])
        }
        return table
    }

    func table() -> String {
        var text =
            "\(graph.model.name) on \(hardwareName) · \(graph.phase) · max power \(Power(si: analysis.maxPower))\n"
            + textTable().render()
        if !caps.isEmpty {
            text += "\n\npower caps (the clock lowered until the predicted power fits):\n" + capTable().render()
        }
        return text
    }
}
