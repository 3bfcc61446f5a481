import Foundation
import JouleEval
import JouleSpec

/// The hierarchical roofline of an evaluated graph: every distinct operator at its arithmetic
/// intensity (operations per DRAM byte) and attained operations per second, under the MAC
/// array's peak, the vector unit's peak, and one bandwidth line per memory level.
enum RooflinePlot {
    /// Identical operators (equal GEMMs or vector operators) gathered into one point.
    struct Group {
        var kind: Operator.Kind
        var roles: [OperatorRole] = []
        var count = 0
        var flops: Double
        var dramBytes: Double
        var seconds: Double
        var bound: Bound

        var intensity: Double { flops / dramBytes }
        var attained: Double { flops / seconds }
        var label: String { roles.map(\.rawValue).joined(separator: ", ") }
        var isGEMM: Bool { if case .gemm = kind { true } else { false } }
    }

    /// Bytes an operator moves to and from DRAM: the DRAM level's accesses under its mapping,
    /// else its compulsory traffic (ideal rooflines, vector operators).
    static func dramBytes(_ op: Operator, cost: OperatorCost, dram: Int?) -> Double {
        guard let counts = cost.counts, let dram, dram < counts.accesses.count / max(1, counts.operandCount) else {
            return op.compulsoryBytes
        }
        var bits = 0.0
        for operand in 0..<counts.operandCount {
            if operand == 1 && op.gemm?.inputOnChip == true { continue }
            if operand == 2 && op.gemm?.outputOnChip == true { continue }
            bits += counts.access(level: dram, operand: operand).total * Double(counts.wordBits[operand])
        }
        return bits / 8
    }

    /// The operators gathered by identical computation, in graph order.
    static func groups(_ evaluation: GraphEvaluation) -> [Group] {
        let dram =
            evaluation.hardware.memory.firstIndex { $0.kind == .dram }
            ?? (evaluation.hardware.memory.isEmpty
                ? nil : 0)
        var order: [Operator.Kind] = []
        var byKind: [Operator.Kind: Group] = [:]
        for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
            var group =
                byKind[op.kind]
                ?? Group(
                    kind: op.kind, flops: op.flops, dramBytes: dramBytes(op, cost: cost, dram: dram),
                    seconds: cost.seconds, bound: cost.bound)
            if byKind[op.kind] == nil { order.append(op.kind) }
            if !group.roles.contains(op.role) { group.roles.append(op.role) }
            group.count += 1
            byKind[op.kind] = group
        }
        return order.compactMap { kind in
            byKind[kind].map { group in
                var group = group
                group.roles.sort()
                return group
            }
        }
    }

    /// The MAC format doing most of the graph's operations.
    static func macPrecision(_ graph: Graph) -> Precision? {
        var flops: [Precision: Double] = [:]
        for op in graph.operators {
            if let gemm = op.gemm { flops[gemm.macPrecision, default: 0] += gemm.flops }
        }
        return flops.max { $0.value < $1.value }?.key
    }

    static func chart(_ evaluation: GraphEvaluation) -> SVGChart {
        let hardware = evaluation.hardware
        let point = evaluation.operatingPoint
        let clockScale = point.frequency.si / hardware.clock.si
        let precision = macPrecision(evaluation.graph) ?? evaluation.graph.precision.weights
        let peak = hardware.peakOpsPerSecond(precision) * clockScale
        let vectorPeak = Double(hardware.compute.vector.lanes) * point.frequency.si
        let bandwidths: [(name: String, bytesPerSecond: Double)] = hardware.memory.compactMap { level in
            guard let total = level.totalReadBandwidth?.si, total > 0 else { return nil }
            return (level.name, total * (level.isOffChip ? 1 : clockScale))
        }

        let rate = precision.isFloatingPoint ? "FLOPS" : "OPS"
        let all = groups(evaluation)
        let shown = all.filter { $0.flops > 0 && $0.dramBytes > 0 && $0.seconds > 0 }
        let hidden = all.filter { !($0.flops > 0 && $0.dramBytes > 0 && $0.seconds > 0) }
        let totalSeconds = max(evaluation.seconds, 1e-300)

        // Axis ranges in whole decades: every point, the DRAM ridge, and room above the peak.
        let ridges = bandwidths.map { peak / $0.bytesPerSecond }.filter { $0 > 0 }
        let xs = shown.map(\.intensity) + [ridges.max() ?? 1]
        let xLow = floor(log10((xs.min() ?? 0.1) / 1.5))
        let xHigh = ceil(log10((xs.max() ?? 10) * 1.5))
        let outer = bandwidths.first?.bytesPerSecond ?? peak
        let ys = shown.map(\.attained) + [peak, outer * pow(10, xLow + 0.3)]
        let yLow = floor(log10((ys.filter { $0 > 0 }.min() ?? 1) / 1.5))
        let yHigh = ceil(log10(peak * 2.5))
        let xDomain = ChartAxis.decadeDomain(low: xLow, high: xHigh)
        let xMin = xDomain.lowerBound
        let xMax = xDomain.upperBound

        var chart = SVGChart(
            title: "Roofline: \(evaluation.graph.model.name) \(evaluation.graph.phase.name) on \(hardware.name)",
            subtitle:
                "\(evaluation.graph.phase) · \(evaluation.graph.precision) · \(evaluation.mode.rawValue) traffic · \(point.frequency)",
            x: ChartAxis(
                title: "Arithmetic intensity", unit: "op/DRAM byte", prefixable: false, scale: .log,
                domain: xDomain),
            y: ChartAxis(
                title: "Attained performance", unit: "op/s", prefixable: false, scale: .log,
                domain: ChartAxis.decadeDomain(low: yLow, high: yHigh)))

        // Ceilings and bandwidth lines.
        let leftmostRidge = max(xMin, ridges.min() ?? xMin)
        chart.lines.append(
            ChartLine(
                points: [(leftmostRidge, peak), (xMax, peak)], color: "#222222", width: 2, role: "ceiling",
                fitsDomain: false, data: [("value", SVGElement.data(peak)), ("precision", precision.rawValue)]))
        chart.texts.append(
            ChartText(
                x: xMax, y: peak, text: "\(precision) MAC peak \(QuantityFormat.scaled(peak, unit: rate))", dx: -6,
                dy: -9, anchor: .end, color: "#222222", role: "ceiling-label"))
        if vectorPeak > 0 && vectorPeak < peak {
            chart.lines.append(
                ChartLine(
                    points: [(xMin, vectorPeak), (xMax, vectorPeak)], color: "#777777", width: 1.3, dash: "6 4",
                    role: "ceiling vector", fitsDomain: false, data: [("value", SVGElement.data(vectorPeak))]))
            chart.texts.append(
                ChartText(
                    x: xMax, y: vectorPeak,
                    text: "vector unit \(QuantityFormat.scaled(vectorPeak, unit: "OPS"))", dx: -6, dy: -6,
                    anchor: .end, color: "#555555", role: "ceiling-label"))
        }
        let yMin = pow(10, yLow)
        for (index, level) in bandwidths.enumerated() {
            let ridge = peak / level.bytesPerSecond
            guard ridge > xMin else { continue }
            let start = max(xMin, yMin / level.bytesPerSecond)
            let end = min(ridge, xMax)
            chart.lines.append(
                ChartLine(
                    points: [(xMin, level.bytesPerSecond * xMin), (end, level.bytesPerSecond * end)],
                    color: index == 0 ? "#222222" : "#777777", width: index == 0 ? 2 : 1.3,
                    dash: index == 0 ? nil : "2 3", role: "bandwidth", fitsDomain: false,
                    data: [("level", level.name), ("value", SVGElement.data(level.bytesPerSecond))]))
            // The label sits on the line towards its knee, clear of low-intensity operators.
            let at = start * pow(end / start, 0.45)
            chart.texts.append(
                ChartText(
                    x: at, y: level.bytesPerSecond * at,
                    text: "\(level.name) \(QuantityFormat.format(level.bytesPerSecond, kind: .bandwidth))", dx: 0,
                    dy: -5, anchor: .start, color: index == 0 ? "#222222" : "#555555",
                    rotation: .along(
                        from: (start, level.bytesPerSecond * start), to: (end, level.bytesPerSecond * end)),
                    role: "bandwidth-label"))
        }

        // One point per distinct operator, coloured by its roles.
        var legendOrder: [String] = []
        for group in shown where !legendOrder.contains(group.label) { legendOrder.append(group.label) }
        for group in shown {
            let color = ChartPalette.color(legendOrder.firstIndex(of: group.label) ?? 0)
            let share = 100 * group.seconds * Double(group.count) / totalSeconds
            chart.markers.append(
                Marker(
                    x: group.intensity, y: group.attained, shape: group.isGEMM ? .circle : .triangle, color: color,
                    size: 5.5, stroke: "#333333", role: "operator",
                    tooltip:
                        "\(group.label) ×\(group.count): \(QuantityFormat.number(group.intensity, significant: 3)) op/B, \(QuantityFormat.scaled(group.attained, unit: "op/s", significant: 3)), \(QuantityFormat.number(share, significant: 3))% of time, bound: \(group.bound)",
                    data: [("roles", group.label), ("count", String(group.count)), ("gemm", String(group.isGEMM))]))
        }
        for label in legendOrder {
            let isGEMM = shown.first { $0.label == label }?.isGEMM ?? true
            chart.legend.append(
                LegendEntry(
                    label: label, color: ChartPalette.color(legendOrder.firstIndex(of: label) ?? 0),
                    symbol: .marker(isGEMM ? .circle : .triangle, filled: true)))
        }
        chart.legendTitle = "Operators (● GEMM, ▲ vector)"
        var notes = ["one point per distinct operator"]
        if !hidden.isEmpty {
            let names = hidden.map(\.label).joined(separator: ", ")
            notes.append("not shown (no operations or no DRAM traffic): \(names)")
        }
        chart.note = notes.joined(separator: "; ")
        return chart
    }
}
