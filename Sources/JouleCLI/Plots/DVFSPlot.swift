import JouleSearch
import JouleSpec

/// Energy against time over an accelerator's operating points, one curve per workload, each
/// point labelled with its clock and the lowest-energy and fastest points marked. One workload
/// is drawn in joules and seconds; several are drawn relative to their nominal point, so that
/// curves of very different size (prefill and decode) share the axes.
enum DVFSPlot {
    /// One workload's energy-time curve.
    struct Series {
        var label: String
        var analysis: DVFSAnalysis
    }

    static let minimumEnergyColor = "#2a9d3a"
    static let minimumTimeColor = "#d62728"

    static func chart(title: String, subtitle: String, series: [Series]) -> SVGChart {
        let relative = series.count > 1
        var chart = SVGChart(
            title: title, subtitle: subtitle,
            x: relative
                ? ChartAxis(title: "Time relative to the nominal clock", unit: "×", prefixable: false)
                : ChartAxis(title: "Latency", unit: "s"),
            y: relative
                ? ChartAxis(title: "Energy relative to the nominal clock", unit: "×", prefixable: false)
                : ChartAxis(title: "Energy", unit: "J"))
        for (index, entry) in series.enumerated() {
            let points = entry.analysis.points
            guard let nominal = points.first else { continue }
            let color = relative ? ChartPalette.color(index) : "#4e79a7"
            let shape: MarkerShape = index % 2 == 0 ? .circle : .square
            func x(_ point: DVFSPoint) -> Double { relative ? point.seconds / nominal.seconds : point.seconds }
            func y(_ point: DVFSPoint) -> Double { relative ? point.energy / nominal.energy : point.energy }
            let byFrequency = points.sorted { $0.point.frequency.si > $1.point.frequency.si }
            // Labels go on the side of the curve away from where it heads: below and to the right of a
            // curve that falls as time grows, above and to the left of one that rises.
            let rises = (byFrequency.last.map(y) ?? 0) > (byFrequency.first.map(y) ?? 0)
            chart.lines.append(
                ChartLine(points: byFrequency.map { (x($0), y($0)) }, color: color, width: 1.5, role: "dvfs-curve"))
            for point in points {
                let frequency = QuantityFormat.scaled(point.point.frequency.si, unit: "Hz", significant: 3)
                // With relative axes every curve starts at (1, 1): label that point once.
                let labelled = !(relative && index > 0 && point.index == nominal.index)
                chart.markers.append(
                    Marker(
                        x: x(point), y: y(point), shape: shape, color: color, size: 4.5, stroke: "#333333",
                        role: "operating-point", label: labelled ? frequency : nil,
                        labelOffset: rises ? (-9, -7) : (9, 4), labelAnchor: rises ? .end : .start,
                        tooltip:
                            "\(entry.label) at \(frequency), \(point.point.voltage): \(Time(si: point.seconds)), \(Energy(si: point.energy)), \(Power(si: point.averagePower)), bound: \(point.bound)",
                        data: [
                            ("series", entry.label), ("frequency", SVGElement.data(point.point.frequency.si)),
                            ("seconds", SVGElement.data(point.seconds)), ("energy", SVGElement.data(point.energy)),
                        ]))
            }
            if let best = entry.analysis.minimumEnergy {
                chart.markers.append(
                    Marker(
                        x: x(best), y: y(best), color: minimumEnergyColor, size: 9.5, filled: false,
                        role: "minimum-energy", data: [("series", entry.label)]))
            }
            if let fastest = entry.analysis.minimumTime {
                chart.markers.append(
                    Marker(
                        x: x(fastest), y: y(fastest), shape: .square, color: minimumTimeColor, size: 10,
                        filled: false, role: "minimum-time", data: [("series", entry.label)]))
            }
            let nominalText =
                relative ? "\n1× = \(Time(si: nominal.seconds)), \(Energy(si: nominal.energy))" : ""
            chart.legend.append(
                LegendEntry(label: entry.label + nominalText, color: color, symbol: .marker(shape, filled: true)))
        }
        chart.legend.append(
            LegendEntry(label: "minimum energy", color: minimumEnergyColor, symbol: .marker(.circle, filled: false)))
        chart.legend.append(
            LegendEntry(label: "minimum time", color: minimumTimeColor, symbol: .marker(.square, filled: false)))
        return chart
    }
}
