/// Several charts in one SVG document, one below another (the panels of the hierarchical
/// roofline). Each panel keeps its own clip path, renamed so that the ids stay unique.
enum SVGPanels {
    /// The charts stacked top to bottom in one standalone SVG; a single chart renders as itself.
    static func render(_ charts: [SVGChart]) -> String {
        guard charts.count > 1 else { return charts.first?.render() ?? SVGChart.emptyDocument }
        let width = charts.map(\.width).max() ?? 800
        let height = charts.reduce(0) { $0 + $1.height }
        var body = ""
        var top = 0.0
        for (index, chart) in charts.enumerated() {
            var svg = chart.render()
            if svg.hasPrefix("<?xml"), let end = svg.firstIndex(of: "\n") {
                svg = String(svg[svg.index(after: end)...])
            }
            let clip = "plot-clip-\(index + 1)"
            svg = svg.replacingOccurrences(of: "id=\"plot-clip\"", with: "id=\"\(clip)\"")
            svg = svg.replacingOccurrences(of: "url(#plot-clip)", with: "url(#\(clip))")
            if svg.hasPrefix("<svg ") {
                svg = "<svg class=\"panel\" x=\"0\" y=\"\(SVGElement.number(top))\" " + svg.dropFirst(5)
            }
            body += svg.hasSuffix("\n") ? svg : svg + "\n"
            top += chart.height
        }
        let n = SVGElement.number
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\">\n"
            + body + "</svg>\n"
    }
}
