/// The shape of a scatter marker.
enum MarkerShape: String {
    case circle, square, triangle, diamond, cross
}

/// A scatter point in data coordinates.
struct Marker {
    var x: Double
    var y: Double
    var shape: MarkerShape = .circle
    var color: String
    /// Radius (half the width) in pixels.
    var size: Double = 5
    /// Filled, or drawn as an outline only.
    var filled = true
    /// The outline colour of a filled marker (nil: none).
    var stroke: String?
    /// The CSS class, so that a reader (or a test) can tell kinds of points apart.
    var role: String = "point"
    /// A text beside the marker.
    var label: String?
    /// Where the label goes, in pixels from the marker's centre.
    var labelOffset: (dx: Double, dy: Double) = (8, -8)
    /// Which end of the label sits at the offset.
    var labelAnchor: ChartText.Anchor = .start
    /// Shown when the pointer rests on the marker.
    var tooltip: String?
    /// Extra `data-` attributes (names without the prefix).
    var data: [(String, String)] = []
}

/// A polyline through points in data coordinates.
struct ChartLine {
    var points: [(x: Double, y: Double)]
    var color: String
    var width: Double = 1.5
    /// An SVG dash pattern (`6 4`), or nil for a solid line.
    var dash: String?
    var role: String = "line"
    /// Whether the line's points widen the fitted axis ranges.
    var fitsDomain = true
    var data: [(String, String)] = []
}

/// A text placed at a data position.
struct ChartText {
    /// How the text is turned.
    enum Rotation {
        case none
        /// Parallel to the segment between two data points, as drawn on the chart.
        case along(from: (x: Double, y: Double), to: (x: Double, y: Double))
    }

    enum Anchor: String {
        case start, middle, end
    }

    var x: Double
    var y: Double
    var text: String
    /// Pixel offsets from the position.
    var dx: Double = 0
    var dy: Double = 0
    var anchor: Anchor = .start
    var color = "#333333"
    var size: Double = 12
    var rotation: Rotation = .none
    var role: String = "annotation"
}

/// One bar of stacked segments over a category of a bar chart.
struct StackedBar {
    /// One piece of the stack.
    struct Segment {
        var value: Double
        var color: String
        /// The series (legend entry) it belongs to.
        var series: String
    }

    /// The category's index on the x axis.
    var category: Int
    /// Bottom to top.
    var segments: [Segment]
    /// Shown when the pointer rests on the bar.
    var tooltip: String?

    var total: Double { segments.reduce(0) { $0 + $1.value } }
}

/// One line of a legend.
struct LegendEntry {
    /// What the legend shows beside the label.
    enum Symbol {
        case marker(MarkerShape, filled: Bool)
        case line(dash: String?)
        case swatch
    }

    var label: String
    var color: String
    var symbol: Symbol
}

/// Colours that stay distinct for a reader and in print (Tableau 10, then their light tints).
enum ChartPalette {
    static let colors = [
        "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
        "#bab0ac", "#1f3f6e", "#a0522d", "#8cd17d", "#86bcb6", "#d37295", "#fabfd2", "#499894", "#79706e",
        "#d4a6c8", "#b6992d",
    ]

    /// The colour of the series at `index`, cycling after twenty.
    static func color(_ index: Int) -> String { colors[((index % colors.count) + colors.count) % colors.count] }
}
