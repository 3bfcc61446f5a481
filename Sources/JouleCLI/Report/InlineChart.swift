import Foundation

/// An `SVGChart` placed inside an HTML page: the XML declaration dropped, its clip path given an
/// id of its own (several charts share a page), and a label for screen readers.
enum InlineChart {
    /// The chart's SVG markup wrapped in a `<figure>` with the given element id.
    static func figure(_ chart: SVGChart, id: String, caption: String? = nil) -> String {
        var svg = chart.render()
        if svg.hasPrefix("<?xml"), let end = svg.firstIndex(of: "\n") {
            svg = String(svg[svg.index(after: end)...])
        }
        let clip = HTMLText.identifier(id) + "-clip"
        svg = svg.replacingOccurrences(of: "id=\"plot-clip\"", with: "id=\"\(clip)\"")
        svg = svg.replacingOccurrences(of: "url(#plot-clip)", with: "url(#\(clip))")
        if svg.hasPrefix("<svg ") {
            svg = "<svg role=\"img\" aria-label=\"\(HTMLText.escape(chart.title))\" " + svg.dropFirst(5)
        }
        var out = "<figure class=\"chart\" id=\"\(HTMLText.escape(id))\">\n" + svg
        if let caption { out += "<figcaption>\(HTMLText.escape(caption))</figcaption>\n" }
        return out + "</figure>\n"
    }
}
