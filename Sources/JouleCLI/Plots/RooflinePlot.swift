import Foundation
import JouleEval
import JouleSpec

/// The hierarchical roofline of an evaluated graph, one panel per memory level: every distinct
/// operator at its operational intensity at that level (operations per byte moved to or from
/// that level) and attained operations per second, under the MAC array's peak, the vector
/// unit's peak, and that level's bandwidth roof. Each operator carries a direct label; markers
/// that would coincide are drawn a few pixels apart.
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
            let access = counts.access(level: dram, operand: operand)
            bits += access.total * access.wordBits
        }
        return bits / 8
    }

    /// Bytes an operator moves to and from memory level `level` under its mapping (operands the
    /// graph keeps on chip do not reach DRAM); nil when the operator has no mapping (vector
    /// operators, ideal rooflines) and the level is not DRAM, whose traffic is then compulsory.
    static func levelBytes(_ op: Operator, cost: OperatorCost, level: Int, dram: Int?) -> Double? {
        if level == dram { return dramBytes(op, cost: cost, dram: dram) }
        guard let counts = cost.counts, level < counts.accesses.count / max(1, counts.operandCount) else {
            return nil
        }
        return counts.bits(level: level) / 8
    }

    /// The index of the DRAM level (the outermost level when none is DRAM).
    static func dramLevel(_ hardware: Accelerator) -> Int? {
        hardware.memory.firstIndex { $0.kind == .dram } ?? (hardware.memory.isEmpty ? nil : 0)
    }

    /// The operators gathered by identical computation, in graph order, with their bytes at
    /// memory level `level` (default: DRAM; 0 bytes where a level's traffic is unknown).
    static func groups(_ evaluation: GraphEvaluation, level: Int? = nil) -> [Group] {
        let dram = dramLevel(evaluation.hardware)
        let level = level ?? dram
        var order: [Operator.Kind] = []
        var byKind: [Operator.Kind: Group] = [:]
        for (op, cost) in zip(evaluation.graph.operators, evaluation.costs) {
            var group =
                byKind[op.kind]
                ?? Group(
                    kind: op.kind, flops: op.flops,
                    dramBytes: level.map { levelBytes(op, cost: cost, level: $0, dram: dram) ?? 0 }
                        ?? op.compulsoryBytes,
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

    /// Memory levels that get a roofline panel: those with a bandwidth that some operator moves
    /// bytes to or from, outermost first.
    static func panelLevels(_ evaluation: GraphEvaluation) -> [Int] {
        let levels = evaluation.hardware.memory.indices.filter { index in
            guard let bandwidth = evaluation.hardware.memory[index].totalReadBandwidth?.si, bandwidth > 0 else {
                return false
            }
            return groups(evaluation, level: index).contains { $0.dramBytes > 0 && $0.flops > 0 }
        }
        return levels.isEmpty ? (dramLevel(evaluation.hardware).map { [$0] } ?? []) : levels
    }

    /// One roofline panel per memory level (`panelLevels`).
    static func charts(_ evaluation: GraphEvaluation) -> [SVGChart] {
        panelLevels(evaluation).map { chart(evaluation, level: $0) }
    }

    /// Marker shapes taken in turn by the legend entries, so that entries differ in shape as
    /// well as colour.
    static let shapes: [MarkerShape] = [.circle, .square, .diamond, .triangle]

    /// The roofline panel of memory level `level` (default: DRAM).
    static func chart(_ evaluation: GraphEvaluation, level requested: Int? = nil) -> SVGChart {
        let hardware = evaluation.hardware
        let point = evaluation.operatingPoint
        let clockScale = point.frequency.si / hardware.clock.si
        let precision = macPrecision(evaluation.graph) ?? evaluation.graph.precision.weights
        let peak = hardware.peakOpsPerSecond(precision) * clockScale
        let vectorPeak = Double(hardware.compute.vector.lanes) * point.frequency.si
        let levelIndex = requested ?? dramLevel(hardware)
        let memoryLevel = levelIndex.flatMap { hardware.memory.indices.contains($0) ? hardware.memory[$0] : nil }
        let levelName = memoryLevel?.name ?? "DRAM"
        let bandwidth: Double? = memoryLevel.flatMap { level in
            guard let total = level.totalReadBandwidth?.si, total > 0 else { return nil }
            return total * (level.isOffChip ? 1 : clockScale)
        }

        let rate = precision.isFloatingPoint ? "FLOPS" : "OPS"
        let all = groups(evaluation, level: levelIndex)
        let shown = all.filter { $0.flops > 0 && $0.dramBytes > 0 && $0.seconds > 0 }
        let hidden = all.filter { !($0.flops > 0 && $0.dramBytes > 0 && $0.seconds > 0) }
        let totalSeconds = max(evaluation.seconds, 1e-300)

        // x in whole decades around every point and the ridge; y from below the lowest point to
        // a little above the peak (not a decade beyond it).
        let ridge = bandwidth.map { peak / $0 }
        let xs = shown.map(\.intensity) + (ridge.map { [$0] } ?? [])
        let xLow = floor(log10((xs.min() ?? 0.1) / 1.5))
        let xHigh = ceil(log10((xs.max() ?? 10) * 1.5))
        let ys = shown.map(\.attained)
        let yLow = floor(log10(((ys.filter { $0 > 0 }.min() ?? peak / 100) / 1.5)))
        let yHigh = log10(max(peak, ys.max() ?? peak) * 1.6)
        let xDomain = ChartAxis.decadeDomain(low: xLow, high: xHigh)
        let xMin = xDomain.lowerBound
        let xMax = xDomain.upperBound
        let yDomain = ChartAxis.decadeDomain(low: yLow, high: yHigh)

        var chart = SVGChart(
            title:
                "Roofline at \(levelName): \(evaluation.graph.model.name) \(evaluation.graph.phase.name) on \(hardware.name)",
            subtitle:
                "\(evaluation.graph.phase) · \(evaluation.graph.precision) · \(evaluation.mode.rawValue) traffic · \(point.frequency)",
            x: ChartAxis(
                title: "Operational intensity at \(levelName)", unit: "op/byte", prefixable: false, scale: .log,
                domain: xDomain),
            y: ChartAxis(
                title: "Attained performance", unit: "op/s", prefixable: false, scale: .log, domain: yDomain))
        chart.spreadRoles = ["operator"]

        // Ceilings and this level's bandwidth roof.
        let ridgeX = max(xMin, ridge ?? xMin)
        chart.lines.append(
            ChartLine(
                points: [(ridgeX, peak), (xMax, peak)], color: "#222222", width: 2, role: "ceiling",
                fitsDomain: false, data: [("value", SVGElement.data(peak)), ("precision", precision.rawValue)]))
        chart.texts.append(
            ChartText(
                x: xMax, y: peak, text: "\(precision) MAC peak \(QuantityFormat.scaled(peak, unit: rate))", dx: -6,
                dy: -6, anchor: .end, color: "#222222", role: "ceiling-label"))
        if vectorPeak > 0 && vectorPeak < peak && vectorPeak > yDomain.lowerBound {
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
        if let bandwidth, let ridge, ridge > xMin {
            let yMin = yDomain.lowerBound
            let start = max(xMin, yMin / bandwidth)
            let end = min(ridge, xMax)
            chart.lines.append(
                ChartLine(
                    points: [(xMin, bandwidth * xMin), (end, bandwidth * end)], color: "#222222", width: 2,
                    role: "bandwidth", fitsDomain: false,
                    data: [("level", levelName), ("value", SVGElement.data(bandwidth))]))
            let at = start * pow(end / start, 0.3)
            chart.texts.append(
                ChartText(
                    x: at, y: bandwidth * at,
                    text: "\(levelName) \(QuantityFormat.format(bandwidth, kind: .bandwidth))", dx: 0, dy: -5,
                    anchor: .start, color: "#222222",
                    rotation: .along(from: (start, bandwidth * start), to: (end, bandwidth * end)),
                    role: "bandwidth-label"))
        }

        // One point per distinct operator, each legend entry its own colour and shape, each point
        // labelled with its roles.
        // Styles follow every operator's place in the graph, so that a role keeps its colour and
        // shape in every panel.
        var styleOrder: [String] = []
        for group in all where !styleOrder.contains(group.label) { styleOrder.append(group.label) }
        var legendOrder: [String] = []
        for group in shown where !legendOrder.contains(group.label) { legendOrder.append(group.label) }
        func style(_ label: String) -> (color: String, shape: MarkerShape) {
            let index = styleOrder.firstIndex(of: label) ?? 0
            return (ChartPalette.color(index), shapes[index % shapes.count])
        }
        for group in shown {
            let (color, shape) = style(group.label)
            let share = 100 * group.seconds * Double(group.count) / totalSeconds
            chart.markers.append(
                Marker(
                    x: group.intensity, y: group.attained, shape: shape, color: color, size: 5.5,
                    stroke: "#333333", role: "operator", label: group.label, labelOffset: (9, 4),
                    tooltip:
                        "\(group.label) ×\(group.count) (\(group.isGEMM ? "GEMM" : "vector")): \(QuantityFormat.number(group.intensity, significant: 3)) op/B at \(levelName), \(QuantityFormat.scaled(group.attained, unit: "op/s", significant: 3)), \(QuantityFormat.number(share, significant: 3))% of time, bound: \(group.bound)",
                    data: [
                        ("roles", group.label), ("count", String(group.count)), ("gemm", String(group.isGEMM)),
                        ("level", levelName),
                    ]))
        }
        for label in legendOrder {
            let (color, shape) = style(label)
            chart.legend.append(LegendEntry(label: label, color: color, symbol: .marker(shape, filled: true)))
        }
        chart.legendTitle = "Operators"
        var notes = ["one point per distinct operator; x counts the bytes moved to or from \(levelName)"]
        if !hidden.isEmpty {
            let names = hidden.map(\.label).joined(separator: ", ")
            notes.append("not shown (no operations or no \(levelName) traffic): \(names)")
        }
        chart.note = notes.joined(separator: "; ")
        return chart
    }
}
