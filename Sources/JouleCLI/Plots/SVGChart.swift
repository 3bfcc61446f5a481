import Foundation

/// A chart as a reader of architecture papers expects one: a title, a framed plot area with
/// ticked and labelled axes (linear, log or categories), scatter markers, lines, stacked bars,
/// text annotations and a legend beside the plot. `render()` writes it as standalone SVG text;
/// every mark carries its data values in `data-` attributes.
struct SVGChart {
    var title: String
    var subtitle: String?
    var width: Double = 800
    var height: Double = 500
    var x: ChartAxis
    var y: ChartAxis
    var lines: [ChartLine] = []
    var markers: [Marker] = []
    var bars: [StackedBar] = []
    var texts: [ChartText] = []
    var legend: [LegendEntry] = []
    var legendTitle: String?
    /// A small remark under the plot (what is not shown, how points were grouped).
    var note: String?
    /// Marker roles whose coinciding markers are drawn a few pixels apart (`MarkerSpread`).
    var spreadRoles: Set<String> = []

    /// An empty picture, for a figure with no panels.
    static let emptyDocument =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"40\"></svg>\n"

    static let font = "Helvetica, Arial, 'DejaVu Sans', sans-serif"
    static let ink = "#222222"
    static let gridColor = "#e4e4e4"

    /// The note broken into lines that fit the picture's width (at most three; the last cut short).
    var noteLines: [String] {
        guard let note, !note.isEmpty else { return [] }
        let room = width - 80
        var lines: [String] = []
        var line = ""
        for word in note.split(separator: " ") {
            let candidate = line.isEmpty ? String(word) : line + " " + word
            if Self.textWidth(candidate, size: 11) > room && !line.isEmpty {
                lines.append(line)
                line = String(word)
            } else {
                line = candidate
            }
        }
        if !line.isEmpty { lines.append(line) }
        if lines.count > 3 { lines = Array(lines.prefix(2)) + [String(lines[2].dropLast(1)) + "…"] }
        return lines
    }

    /// The pixel rectangle of the plot area.
    struct Frame {
        var left: Double
        var top: Double
        var width: Double
        var height: Double
        var right: Double { left + width }
        var bottom: Double { top + height }
    }

    /// The axes fitted to the data.
    func resolvedAxes() -> (x: ResolvedAxis, y: ResolvedAxis) {
        var xs: [Double] = []
        var ys: [Double] = []
        for marker in markers {
            xs.append(marker.x)
            ys.append(marker.y)
        }
        for line in lines where line.fitsDomain {
            xs += line.points.map(\.x)
            ys += line.points.map(\.y)
        }
        for bar in bars {
            xs.append(Double(bar.category))
            ys.append(bar.total)
        }
        return (x.resolve(values: xs), y.resolve(values: ys))
    }

    /// Approximate width in pixels of a text at a font size (sans-serif averages about 0.58 em).
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.58 }

    static func labelText(_ label: Tick.Label) -> String {
        switch label {
        case .plain(let text): return text
        case .power(let exponent): return "10" + (exponent < 0 ? "−" : "") + String(abs(exponent))
        }
    }

    /// Where the plot area goes, leaving room for titles, tick labels and the legend.
    func frame(x: ResolvedAxis, y: ResolvedAxis) -> (frame: Frame, rotateCategories: Bool) {
        let top: Double = subtitle == nil ? 46 : 64
        var right: Double = 24
        if !legend.isEmpty {
            let lines = legend.flatMap { $0.label.split(separator: "\n").map(String.init) } + [legendTitle ?? ""]
            let longest = lines.map { Self.textWidth($0, size: 12) }.max() ?? 0
            right = min(270, max(110, longest + 44)) + 18
        }
        let yLabelWidth = y.ticks.compactMap(\.label).map { Self.textWidth(Self.labelText($0), size: 12) }.max() ?? 20
        var left = max(62, yLabelWidth + 44)
        var plotWidth = width - left - right
        var bottom: Double = 58
        var rotate = false
        if case .categories(let names) = x.scale, let first = names.first {
            let longest = names.map { Self.textWidth($0, size: 12) }.max() ?? 0
            let band = plotWidth / Double(names.count)
            if longest > 0.9 * band {
                rotate = true
                bottom = 40 + longest * sin(40 * Double.pi / 180) + 14
                // The first label slants left from its bar: keep it inside the picture.
                let reach = Self.textWidth(first, size: 12) * cos(40 * Double.pi / 180) - band / 2 + 8
                if reach > left {
                    left = reach
                    plotWidth = width - left - right
                }
            }
        }
        bottom += 16 * Double(noteLines.count)
        return (Frame(left: left, top: top, width: plotWidth, height: height - top - bottom), rotate)
    }

    /// The chart as an SVG document.
    func render() -> String {
        let (xAxis, yAxis) = resolvedAxes()
        let (frame, rotate) = self.frame(x: xAxis, y: yAxis)
        func px(_ value: Double) -> Double? { xAxis.fraction(value).map { frame.left + $0 * frame.width } }
        func py(_ value: Double) -> Double? { yAxis.fraction(value).map { frame.bottom - $0 * frame.height } }
        let n = SVGElement.number

        var body: [SVGElement] = []
        body.append(SVGElement("rect", [("width", "100%"), ("height", "100%"), ("fill", "white")]))
        body.append(
            SVGElement(
                "text",
                [
                    ("class", "title"), ("x", n(width / 2)), ("y", "26"), ("text-anchor", "middle"),
                    ("font-size", "16"), ("font-weight", "bold"), ("fill", Self.ink),
                ], text: title))
        if let subtitle {
            body.append(
                SVGElement(
                    "text",
                    [
                        ("class", "subtitle"), ("x", n(width / 2)), ("y", "46"), ("text-anchor", "middle"),
                        ("font-size", "12"), ("fill", "#555555"),
                    ], text: subtitle))
        }
        body.append(
            SVGElement(
                "clipPath", [("id", "plot-clip")],
                children: [
                    SVGElement(
                        "rect",
                        [
                            ("x", n(frame.left)), ("y", n(frame.top)), ("width", n(frame.width)),
                            ("height", n(frame.height)),
                        ])
                ]))
        body.append(
            SVGElement(
                "rect",
                [
                    ("class", "plot-area"), ("x", n(frame.left)), ("y", n(frame.top)), ("width", n(frame.width)),
                    ("height", n(frame.height)), ("fill", "white"),
                ]))
        body.append(grid(xAxis: xAxis, yAxis: yAxis, frame: frame))
        body.append(barElements(px: px, py: py, xAxis: xAxis, frame: frame))
        body.append(lineElements(px: px, py: py))
        body.append(markerElements(px: px, py: py, frame: frame))
        body.append(textElements(px: px, py: py, frame: frame))
        body.append(axes(xAxis: xAxis, yAxis: yAxis, frame: frame, rotate: rotate, px: px, py: py))
        if !legend.isEmpty { body.append(legendElement(frame: frame)) }
        for (index, line) in noteLines.enumerated() {
            let y = height - 8 - 16 * Double(noteLines.count - 1 - index)
            body.append(
                SVGElement(
                    "text",
                    [
                        ("class", "note"), ("x", n(frame.left)), ("y", n(y)), ("font-size", "11"),
                        ("fill", "#666666"),
                    ], text: line))
        }
        let root = SVGElement(
            "svg",
            [
                ("xmlns", "http://www.w3.org/2000/svg"), ("width", n(width)), ("height", n(height)),
                ("viewBox", "0 0 \(n(width)) \(n(height))"), ("font-family", Self.font), ("font-size", "12"),
            ], children: body)
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.render() + "\n"
    }

    private func grid(xAxis: ResolvedAxis, yAxis: ResolvedAxis, frame: Frame) -> SVGElement {
        let n = SVGElement.number
        var lines: [SVGElement] = []
        if case .categories = xAxis.scale {
        } else {
            for tick in xAxis.ticks where tick.label != nil {
                guard let f = xAxis.fraction(tick.value), f > 1e-6, f < 1 - 1e-6 else { continue }
                let x = frame.left + f * frame.width
                lines.append(
                    SVGElement("line", [("x1", n(x)), ("y1", n(frame.top)), ("x2", n(x)), ("y2", n(frame.bottom))]))
            }
        }
        for tick in yAxis.ticks where tick.label != nil {
            guard let f = yAxis.fraction(tick.value), f > 1e-6, f < 1 - 1e-6 else { continue }
            let y = frame.bottom - f * frame.height
            lines.append(
                SVGElement("line", [("x1", n(frame.left)), ("y1", n(y)), ("x2", n(frame.right)), ("y2", n(y))]))
        }
        return SVGElement(
            "g", [("class", "grid"), ("stroke", Self.gridColor), ("stroke-width", "1")], children: lines)
    }

    private func barElements(
        px: (Double) -> Double?, py: (Double) -> Double?, xAxis: ResolvedAxis, frame: Frame
    ) -> SVGElement {
        let n = SVGElement.number
        let band = frame.width / max(1, xAxis.upper - xAxis.lower)
        var groups: [SVGElement] = []
        for bar in bars {
            guard let center = px(Double(bar.category)) else { continue }
            var base = 0.0
            var rects: [SVGElement] = []
            for segment in bar.segments where segment.value > 0 {
                guard let y0 = py(base), let y1 = py(base + segment.value) else { continue }
                base += segment.value
                rects.append(
                    SVGElement(
                        "rect",
                        [
                            ("class", "bar-segment"), ("x", n(center - 0.35 * band)), ("y", n(y1)),
                            ("width", n(0.7 * band)), ("height", n(max(0, y0 - y1))), ("fill", segment.color),
                            ("data-series", segment.series), ("data-value", SVGElement.data(segment.value)),
                        ],
                        children: [
                            SVGElement("title", text: "\(segment.series): \(ChartNumberFormat.plain(segment.value))")
                        ]
                    ))
            }
            var attributes = [("class", "bar"), ("data-category", String(bar.category))]
            attributes.append(("data-total", SVGElement.data(bar.total)))
            var children = rects
            if let tooltip = bar.tooltip { children.insert(SVGElement("title", text: tooltip), at: 0) }
            groups.append(SVGElement("g", attributes, children: children))
        }
        return SVGElement("g", [("class", "bars"), ("clip-path", "url(#plot-clip)")], children: groups)
    }

    private func lineElements(px: (Double) -> Double?, py: (Double) -> Double?) -> SVGElement {
        var elements: [SVGElement] = []
        for line in lines {
            let points = line.points.compactMap { point -> String? in
                guard let x = px(point.x), let y = py(point.y) else { return nil }
                return "\(SVGElement.number(x)),\(SVGElement.number(y))"
            }
            guard points.count >= 2 else { continue }
            var attributes = [
                ("class", line.role), ("points", points.joined(separator: " ")), ("fill", "none"),
                ("stroke", line.color), ("stroke-width", SVGElement.number(line.width)),
                ("stroke-linejoin", "round"),
            ]
            if let dash = line.dash { attributes.append(("stroke-dasharray", dash)) }
            attributes += line.data.map { ("data-" + $0.0, $0.1) }
            elements.append(SVGElement("polyline", attributes))
        }
        return SVGElement("g", [("class", "lines"), ("clip-path", "url(#plot-clip)")], children: elements)
    }

    /// The outline of a marker shape centred at (x, y).
    static func markerElement(_ shape: MarkerShape, x: Double, y: Double, size r: Double) -> SVGElement {
        let n = SVGElement.number
        switch shape {
        case .circle:
            return SVGElement("circle", [("cx", n(x)), ("cy", n(y)), ("r", n(r))])
        case .square:
            let s = r * 0.9
            return SVGElement("rect", [("x", n(x - s)), ("y", n(y - s)), ("width", n(2 * s)), ("height", n(2 * s))])
        case .triangle:
            let h = r * 1.2
            return SVGElement(
                "path",
                [
                    (
                        "d",
                        "M\(n(x)),\(n(y - h)) L\(n(x + h * 0.95)),\(n(y + h * 0.6)) L\(n(x - h * 0.95)),\(n(y + h * 0.6)) Z"
                    )
                ])
        case .diamond:
            let h = r * 1.25
            return SVGElement(
                "path", [("d", "M\(n(x)),\(n(y - h)) L\(n(x + h)),\(n(y)) L\(n(x)),\(n(y + h)) L\(n(x - h)),\(n(y)) Z")]
            )
        case .cross:
            let h = r * 0.9
            return SVGElement(
                "path",
                [
                    (
                        "d",
                        "M\(n(x - h)),\(n(y - h)) L\(n(x + h)),\(n(y + h)) M\(n(x - h)),\(n(y + h)) L\(n(x + h)),\(n(y - h))"
                    )
                ])
        }
    }

    private func markerElements(px: (Double) -> Double?, py: (Double) -> Double?, frame: Frame) -> SVGElement {
        let n = SVGElement.number
        var elements: [SVGElement] = []
        var labels: [SVGElement] = []
        let drawn = markers.compactMap { marker -> (Marker, Double, Double)? in
            guard let x = px(marker.x), let y = py(marker.y) else { return nil }
            return (marker, x, y)
        }
        let centres = MarkerSpread.spread(
            centres: drawn.map { ($0.1, $0.2) }, radii: drawn.map { $0.0.size },
            groups: drawn.map { spreadRoles.contains($0.0.role) ? "spread" : nil })
        // Labels keep clear of every marker and of the fixed annotations.
        var placer = LabelPlacer(
            bounds: LabelPlacer.Box(
                left: frame.left + 2, top: frame.top + 2, right: frame.right - 2, bottom: frame.bottom - 2))
        for index in drawn.indices {
            let entry = drawn[index]
            // Diamonds and triangles reach past the radius: keep labels a little further off.
            let r = entry.0.size * 1.3
            placer.obstacles.append(
                LabelPlacer.Box(
                    left: centres[index].x - r, top: centres[index].y - r, right: centres[index].x + r,
                    bottom: centres[index].y + r))
        }
        for text in texts {
            guard case .none = text.rotation else {
                // A text along a line: its length in square pieces, each an obstacle.
                guard let placed = alongPlacement(text, px: px, py: py, frame: frame) else { continue }
                let angle = placed.angle * Double.pi / 180
                let width = Self.textWidth(text.text, size: text.size)
                var along = 0.0
                while along < width {
                    let cx = placed.x + (along + text.size / 2) * cos(angle) - (text.dy - 0.3 * text.size) * sin(angle)
                    let cy = placed.y + (along + text.size / 2) * sin(angle) + (text.dy - 0.3 * text.size) * cos(angle)
                    let half = text.size * 0.55
                    placer.obstacles.append(
                        LabelPlacer.Box(left: cx - half, top: cy - half, right: cx + half, bottom: cy + half))
                    along += text.size
                }
                continue
            }
            guard let x = px(text.x), let y = py(text.y) else { continue }
            placer.obstacles.append(
                LabelPlacer.box(text.text, x: x + text.dx, y: y + text.dy, anchor: text.anchor, size: text.size))
        }
        for (index, entry) in drawn.enumerated() {
            let (marker, dataX, dataY) = entry
            let (x, y) = centres[index]
            var element = Self.markerElement(marker.shape, x: x, y: y, size: marker.size)
            var attributes: [(String, String)] = [("class", marker.role)]
            if marker.shape == .cross {
                attributes += [("fill", "none"), ("stroke", marker.color), ("stroke-width", "1.6")]
            } else if marker.filled {
                attributes += [("fill", marker.color), ("fill-opacity", "0.9")]
                if let stroke = marker.stroke { attributes += [("stroke", stroke), ("stroke-width", "1")] }
            } else {
                attributes += [("fill", "none"), ("stroke", marker.color), ("stroke-width", "1.3")]
            }
            attributes += [("data-x", SVGElement.data(marker.x)), ("data-y", SVGElement.data(marker.y))]
            if abs(x - dataX) > 0.01 || abs(y - dataY) > 0.01 {
                // Drawn beside its true position so that a coinciding marker does not hide it.
                attributes.append(("data-offset", "\(n(x - dataX)) \(n(y - dataY))"))
            }
            attributes += marker.data.map { ("data-" + $0.0, $0.1) }
            element.attributes = attributes + element.attributes
            if let tooltip = marker.tooltip { element.children = [SVGElement("title", text: tooltip)] }
            elements.append(element)
            if let label = marker.label {
                let size = 11.0
                let placed = placer.place(
                    label, x: x, y: y, radius: marker.size, dx: marker.labelOffset.dx, dy: marker.labelOffset.dy,
                    anchor: marker.labelAnchor, size: size)
                let box = placed.box
                let nearX = min(max(x, box.left), box.right)
                let nearY = min(max(y, box.top), box.bottom)
                if hypot(nearX - x, nearY - y) > marker.size + 10 {
                    // A label pushed away from its point is tied to it by a thin leader.
                    labels.append(
                        SVGElement(
                            "line",
                            [
                                ("class", "leader"), ("x1", n(x)), ("y1", n(y)), ("x2", n(nearX)), ("y2", n(nearY)),
                                ("stroke", "#999999"), ("stroke-width", "0.7"),
                            ]))
                }
                labels.append(
                    SVGElement(
                        "text",
                        [
                            ("class", marker.role + "-label"), ("x", n(placed.x)), ("y", n(placed.y)),
                            ("text-anchor", placed.anchor.rawValue), ("font-size", n(size)), ("fill", "#333333"),
                        ], text: label))
            }
        }
        return SVGElement("g", [("class", "markers")], children: elements + labels)
    }

    /// A text beside a point, turned to the other side when it would leave the plot area.
    private func placedText(
        _ text: String, x: Double, y: Double, dx: Double, dy: Double, anchor: ChartText.Anchor, size: Double,
        color: String, role: String, frame: Frame
    ) -> SVGElement {
        let n = SVGElement.number
        let width = Self.textWidth(text, size: size)
        var dx = dx
        var anchor = anchor
        if anchor == .start && x + dx + width > frame.right - 2 {
            anchor = .end
            dx = -dx
        } else if anchor == .end && x + dx - width < frame.left + 2 {
            anchor = .start
            dx = -dx
        }
        var dy = dy
        if y + dy - size < frame.top + 2 { dy = abs(dy) + size * 0.8 }
        if y + dy > frame.bottom - 2 { dy = -abs(dy) }
        return SVGElement(
            "text",
            [
                ("class", role), ("x", n(x + dx)), ("y", n(y + dy)), ("text-anchor", anchor.rawValue),
                ("font-size", n(size)), ("fill", color),
            ], text: text)
    }

    private func textElements(px: (Double) -> Double?, py: (Double) -> Double?, frame: Frame) -> SVGElement {
        let n = SVGElement.number
        var elements: [SVGElement] = []
        for text in texts {
            guard let x = px(text.x), let y = py(text.y) else { continue }
            switch text.rotation {
            case .none:
                elements.append(
                    placedText(
                        text.text, x: x, y: y, dx: text.dx, dy: text.dy, anchor: text.anchor, size: text.size,
                        color: text.color, role: text.role, frame: frame))
            case .along:
                guard let placed = alongPlacement(text, px: px, py: py, frame: frame) else { continue }
                elements.append(
                    SVGElement(
                        "text",
                        [
                            ("class", text.role), ("x", n(placed.x + text.dx)), ("y", n(placed.y + text.dy)),
                            ("text-anchor", text.anchor.rawValue), ("font-size", n(text.size)), ("fill", text.color),
                            ("transform", "rotate(\(n(placed.angle)) \(n(placed.x)) \(n(placed.y)))"),
                        ], text: text.text))
            }
        }
        return SVGElement("g", [("class", "annotations")], children: elements)
    }

    /// Where a text drawn along a line goes: its own position when no marker lies under it,
    /// else the first point along the line (a tenth of the way at a time) where none does.
    /// Returns the pixel anchor and the angle in degrees.
    func alongPlacement(
        _ text: ChartText, px: (Double) -> Double?, py: (Double) -> Double?, frame: Frame
    ) -> (x: Double, y: Double, angle: Double)? {
        guard case .along(let from, let to) = text.rotation, let x = px(text.x), let y = py(text.y),
            let x0 = px(from.x), let y0 = py(from.y), let x1 = px(to.x), let y1 = py(to.y)
        else { return nil }
        let length = hypot(x1 - x0, y1 - y0)
        guard length > 0 else { return (x, y, 0) }
        let u = ((x1 - x0) / length, (y1 - y0) / length)
        let normal = (-u.1, u.0)
        let width = Self.textWidth(text.text, size: text.size)
        let centres = markers.compactMap { marker -> (Double, Double, Double)? in
            guard let mx = px(marker.x), let my = py(marker.y) else { return nil }
            // Spread clusters reach a few radii from their data position.
            return (mx, my, marker.size * (spreadRoles.contains(marker.role) ? 2.5 : 1))
        }
        func free(_ ax: Double, _ ay: Double) -> Bool {
            centres.allSatisfy { mx, my, r in
                let along = (mx - ax) * u.0 + (my - ay) * u.1
                let across = (mx - ax) * normal.0 + (my - ay) * normal.1
                return along < -r || along > width + r || across < text.dy - 0.8 * text.size - r
                    || across > text.dy + 0.25 * text.size + r
            }
        }
        if free(x, y) { return (x, y, atan2(u.1, u.0) * 180 / Double.pi) }
        for step in 1...8 {
            let t = Double(step) / 10
            let ax = x0 + t * (x1 - x0)
            let ay = y0 + t * (y1 - y0)
            let endX = ax + width * u.0
            let endY = ay + width * u.1
            guard ax >= frame.left, endX <= frame.right, min(ay, endY) >= frame.top, max(ay, endY) <= frame.bottom
            else { continue }
            if free(ax, ay) { return (ax, ay, atan2(u.1, u.0) * 180 / Double.pi) }
        }
        return (x, y, atan2(u.1, u.0) * 180 / Double.pi)
    }

    private func axes(
        xAxis: ResolvedAxis, yAxis: ResolvedAxis, frame: Frame, rotate: Bool, px: (Double) -> Double?,
        py: (Double) -> Double?
    ) -> SVGElement {
        let n = SVGElement.number
        var marks: [SVGElement] = []
        var labels: [SVGElement] = []
        for tick in xAxis.ticks {
            guard let x = px(tick.value), x >= frame.left - 0.5, x <= frame.right + 0.5 else { continue }
            let length: Double = tick.label == nil ? 3 : 5
            marks.append(
                SVGElement(
                    "line",
                    [
                        ("class", tick.label == nil ? "tick minor" : "tick"), ("x1", n(x)), ("y1", n(frame.bottom)),
                        ("x2", n(x)), ("y2", n(frame.bottom + length)),
                    ]))
            guard let label = tick.label else { continue }
            var attributes = [
                ("class", "tick-label x"), ("data-value", SVGElement.data(tick.value)), ("x", n(x)),
                ("y", n(frame.bottom + 19)), ("text-anchor", rotate ? "end" : "middle"),
            ]
            if rotate {
                attributes[2] = ("x", n(x + 4))
                attributes[3] = ("y", n(frame.bottom + 14))
                attributes.append(("transform", "rotate(-40 \(n(x + 4)) \(n(frame.bottom + 14)))"))
            }
            labels.append(Self.tickLabel(label, attributes: attributes))
        }
        for tick in yAxis.ticks {
            guard let y = py(tick.value), y >= frame.top - 0.5, y <= frame.bottom + 0.5 else { continue }
            let length: Double = tick.label == nil ? 3 : 5
            marks.append(
                SVGElement(
                    "line",
                    [
                        ("class", tick.label == nil ? "tick minor" : "tick"), ("x1", n(frame.left - length)),
                        ("y1", n(y)), ("x2", n(frame.left)), ("y2", n(y)),
                    ]))
            guard let label = tick.label else { continue }
            labels.append(
                Self.tickLabel(
                    label,
                    attributes: [
                        ("class", "tick-label y"), ("data-value", SVGElement.data(tick.value)),
                        ("x", n(frame.left - 8)), ("y", n(y + 4)), ("text-anchor", "end"),
                    ]))
        }
        let xTitleY: Double
        if rotate, case .categories(let names) = xAxis.scale {
            let longest = names.map { Self.textWidth($0, size: 12) }.max() ?? 0
            xTitleY = frame.bottom + 14 + longest * sin(40 * Double.pi / 180) + 22
        } else {
            xTitleY = frame.bottom + 42
        }
        let yTitleX =
            frame.left
            - (yAxis.ticks.compactMap(\.label).map { Self.textWidth(Self.labelText($0), size: 12) }
                .max() ?? 20) - 22
        let titles = [
            SVGElement(
                "text",
                [
                    ("class", "axis-title x"), ("x", n(frame.left + frame.width / 2)), ("y", n(xTitleY)),
                    ("text-anchor", "middle"), ("font-size", "13"),
                ], text: xAxis.title),
            SVGElement(
                "text",
                [
                    ("class", "axis-title y"), ("x", n(yTitleX)), ("y", n(frame.top + frame.height / 2)),
                    ("text-anchor", "middle"), ("font-size", "13"),
                    ("transform", "rotate(-90 \(n(yTitleX)) \(n(frame.top + frame.height / 2)))"),
                ], text: yAxis.title),
        ]
        let box = SVGElement(
            "rect",
            [
                ("class", "frame"), ("x", n(frame.left)), ("y", n(frame.top)), ("width", n(frame.width)),
                ("height", n(frame.height)), ("fill", "none"), ("stroke", "#444444"), ("stroke-width", "1"),
            ])
        return SVGElement(
            "g", [("class", "axes"), ("fill", Self.ink)],
            children: [box, SVGElement("g", [("stroke", "#444444"), ("stroke-width", "1")], children: marks)]
                + labels + titles)
    }

    /// A tick label: plain text, or 10 with a raised exponent.
    static func tickLabel(_ label: Tick.Label, attributes: [(String, String)]) -> SVGElement {
        switch label {
        case .plain(let text):
            return SVGElement("text", attributes, text: text)
        case .power(let exponent):
            let sign = exponent < 0 ? "−" : ""
            return SVGElement(
                "text", attributes, text: "10",
                rawTail: "<tspan dy=\"-6\" font-size=\"10\">\(sign)\(abs(exponent))</tspan>")
        }
    }

    private func legendElement(frame: Frame) -> SVGElement {
        let n = SVGElement.number
        let x = frame.right + 18
        var y = frame.top + 6
        let spacing = min(
            20, max(14, (frame.height - 20) / Double(max(1, legend.count + (legendTitle == nil ? 0 : 1)))))
        var children: [SVGElement] = []
        if let legendTitle {
            children.append(
                SVGElement(
                    "text", [("x", n(x)), ("y", n(y + 10)), ("font-weight", "bold"), ("fill", Self.ink)],
                    text: legendTitle))
            y += spacing
        }
        // Entries that would run past the bottom of the picture are summarised in one line.
        let room = Int(max(1, (height - 12 - y) / spacing))
        var entries = legend
        if entries.count > room {
            entries = Array(entries.prefix(room - 1))
            entries.append(
                LegendEntry(label: "… \(legend.count - entries.count) more", color: "none", symbol: .swatch))
        }
        for entry in entries {
            let cy = y + 6
            var symbol: SVGElement
            switch entry.symbol {
            case .marker(let shape, let filled):
                symbol = Self.markerElement(shape, x: x + 8, y: cy, size: 5)
                if shape == .cross || !filled {
                    symbol.attributes =
                        [("fill", "none"), ("stroke", entry.color), ("stroke-width", "1.4")]
                        + symbol.attributes
                } else {
                    symbol.attributes = [("fill", entry.color)] + symbol.attributes
                }
            case .line(let dash):
                var attributes = [
                    ("x1", n(x)), ("y1", n(cy)), ("x2", n(x + 16)), ("y2", n(cy)), ("stroke", entry.color),
                    ("stroke-width", "2"),
                ]
                if let dash { attributes.append(("stroke-dasharray", dash)) }
                symbol = SVGElement("line", attributes)
            case .swatch:
                symbol = SVGElement(
                    "rect",
                    [("x", n(x + 1)), ("y", n(cy - 6)), ("width", "13"), ("height", "12"), ("fill", entry.color)])
            }
            children.append(symbol)
            let lines = entry.label.split(separator: "\n").map(String.init)
            if lines.count <= 1 {
                children.append(
                    SVGElement("text", [("x", n(x + 24)), ("y", n(cy + 4)), ("fill", Self.ink)], text: entry.label))
            } else {
                let rest = lines.dropFirst().map { line in
                    "<tspan x=\"\(n(x + 24))\" dy=\"14\" fill=\"#555555\">\(SVGElement.escape(line))</tspan>"
                }
                children.append(
                    SVGElement(
                        "text", [("x", n(x + 24)), ("y", n(cy + 4)), ("fill", Self.ink)], text: lines[0],
                        rawTail: rest.joined()))
            }
            y += spacing + 14 * Double(max(0, lines.count - 1))
        }
        return SVGElement("g", [("class", "legend")], children: children)
    }
}
