/// Places text labels beside points so that no two labels overlap each other, a marker, or a
/// fixed annotation: each label tries its preferred offset first, then positions around its
/// point at growing distances, and takes the first that is free and inside the plot area (the
/// least-overlapping one when none is).
struct LabelPlacer {
    /// An axis-aligned rectangle in pixels.
    struct Box: Equatable {
        var left: Double
        var top: Double
        var right: Double
        var bottom: Double

        /// The area two boxes share (0 when they are apart or only touch).
        func overlap(_ other: Box) -> Double {
            let width = min(right, other.right) - max(left, other.left)
            let height = min(bottom, other.bottom) - max(top, other.top)
            return width > 0 && height > 0 ? width * height : 0
        }

        /// Whether the box lies inside another.
        func isInside(_ other: Box) -> Bool {
            left >= other.left && right <= other.right && top >= other.top && bottom <= other.bottom
        }
    }

    /// Where a label went: its anchor position, its text anchor and its box.
    struct Placement {
        var x: Double
        var y: Double
        var anchor: ChartText.Anchor
        var box: Box
    }

    /// The box a one-line text occupies with its baseline at `y` (the width estimate of
    /// `SVGChart.textWidth`; ascent 0.8 em, descent 0.25 em).
    static func box(_ text: String, x: Double, y: Double, anchor: ChartText.Anchor, size: Double) -> Box {
        let width = SVGChart.textWidth(text, size: size)
        let left: Double
        switch anchor {
        case .start: left = x
        case .middle: left = x - width / 2
        case .end: left = x - width
        }
        return Box(left: left, top: y - 0.8 * size, right: left + width, bottom: y + 0.25 * size)
    }

    /// The region labels must stay in.
    var bounds: Box
    /// What labels must not cover: markers, fixed texts and labels already placed.
    var obstacles: [Box] = []

    /// Places a label for a point at (x, y) whose marker has radius `radius`, preferring the
    /// offset (dx, dy) with `anchor`; the placed label becomes an obstacle for the next ones.
    mutating func place(
        _ text: String, x: Double, y: Double, radius: Double, dx: Double, dy: Double, anchor: ChartText.Anchor,
        size: Double
    ) -> Placement {
        var candidates = [(dx, dy, anchor)]
        let gap = radius + 3
        for step in [1.0, 1.8, 2.8, 4.0] {
            let d = gap * step
            candidates += [
                (d, 0.35 * size, .start), (-d, 0.35 * size, .end), (0, -d, .middle), (0, d + 0.8 * size, .middle),
                (0.75 * d, -0.75 * d, .start), (-0.75 * d, -0.75 * d, .end),
                (0.75 * d, 0.75 * d + 0.6 * size, .start), (-0.75 * d, 0.75 * d + 0.6 * size, .end),
            ]
        }
        var best: Placement?
        var bestCost = Double.infinity
        for (index, candidate) in candidates.enumerated() {
            let box = Self.box(text, x: x + candidate.0, y: y + candidate.1, anchor: candidate.2, size: size)
            var cost = obstacles.reduce(0) { $0 + box.overlap($1) }
            if !box.isInside(bounds) { cost += 1e6 }
            // Among equally good places, nearer ones (earlier candidates) win.
            cost += Double(index) * 1e-3
            if cost < bestCost {
                bestCost = cost
                best = Placement(x: x + candidate.0, y: y + candidate.1, anchor: candidate.2, box: box)
            }
            if cost < 1 { break }
        }
        let placement =
            best
            ?? Placement(
                x: x + dx, y: y + dy, anchor: anchor,
                box: Self.box(text, x: x + dx, y: y + dy, anchor: anchor, size: size))
        obstacles.append(placement.box)
        return placement
    }
}
