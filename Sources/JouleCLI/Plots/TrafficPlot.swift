import JouleEval
import JouleSpec

/// The least DRAM traffic against a level's capacity (`TrafficCurve`), log-log: one line run
/// one operator at a time, one fused, the way Orojenesis draws its ski slopes.
enum TrafficPlot {
    static let unfusedColor = "#4e79a7"
    static let fusedColor = "#e15759"

    static func chart(_ curve: TrafficCurve, title: String, level: String) -> SVGChart {
        var chart = SVGChart(
            title: "DRAM traffic as \(level) grows", subtitle: title,
            x: ChartAxis(title: "\(level) capacity", unit: "B", scale: .log),
            y: ChartAxis(title: "DRAM traffic", unit: "B", scale: .log))
        let series: [(String, String, MarkerShape, (TrafficCurve.Point) -> Double?)] = [
            ("one operator at a time", unfusedColor, .circle, { $0.unfused }),
            ("fused", fusedColor, .square, { $0.fused }),
        ]
        for (label, color, shape, value) in series {
            let points = curve.points.compactMap { point in value(point).map { (point.capacity, $0) } }
            guard !points.isEmpty else { continue }
            chart.lines.append(ChartLine(points: points, color: color, width: 1.5, role: "traffic"))
            for (capacity, bytes) in points {
                chart.markers.append(
                    Marker(
                        x: capacity, y: bytes, shape: shape, color: color, size: 4, role: "traffic-point",
                        tooltip: "\(label): \(Bytes(si: bytes)) at \(Bytes(si: capacity))",
                        data: [("capacity", SVGElement.data(capacity)), ("bytes", SVGElement.data(bytes))]))
            }
            chart.legend.append(LegendEntry(label: label, color: color, symbol: .marker(shape, filled: true)))
        }
        chart.note =
            "One operator at a time: the mapper's best mapping of each GEMM (for the objective) plus the vector operators' own traffic; fused: the tiling with the least DRAM traffic."
        return chart
    }
}
