import Foundation
import Joule
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An SVG file read back as XML: every element with its attributes and text, in document order.
private struct PlotSVG {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String

        func number(_ key: String) -> Double? { attributes[key].flatMap(Double.init) }
        func has(class name: String) -> Bool {
            (attributes["class"] ?? "").split(separator: " ").contains(Substring(name))
        }
    }

    var elements: [Element]

    /// Parses an SVG file; fails the test when it is not well-formed XML.
    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let collector = Collector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        let parsed = parser.parse()
        try #require(parsed, "not well-formed XML: \(String(describing: parser.parserError))")
        elements = collector.elements
    }

    /// Elements whose class list has `name` (a marker's role, `tick-label`, `ceiling` ...).
    func all(class name: String) -> [Element] { elements.filter { $0.has(class: name) } }

    /// Elements whose class attribute is exactly `value`.
    func exactly(class value: String) -> [Element] { elements.filter { $0.attributes["class"] == value } }

    /// The labelled ticks of an axis ("x" or "y") as (value, pixel) pairs.
    func ticks(_ axis: String) -> [(value: Double, pixel: Double)] {
        all(class: "tick-label").filter { $0.has(class: axis) }.compactMap { element in
            guard let value = element.number("data-value"), let pixel = element.number(axis) else { return nil }
            // y labels sit 4 px below their tick (baseline offset), x labels are centred on it.
            return (value, axis == "y" ? pixel - 4 : pixel)
        }
    }

    /// The centre of a marker, whatever its shape.
    static func centre(_ element: Element) -> (x: Double, y: Double)? {
        if let cx = element.number("cx"), let cy = element.number("cy") { return (cx, cy) }
        if let x = element.number("x"), let y = element.number("y"), let w = element.number("width"),
            let h = element.number("height")
        {
            return (x + w / 2, y + h / 2)
        }
        guard let path = element.attributes["d"] else { return nil }
        // Triangles and diamonds: the centre of the vertices' bounding box is not the marker's
        // centre for a triangle, so read the apex (first vertex): x is the centre's x.
        let numbers = path.split { !"0123456789.-".contains($0) }.compactMap { Double($0) }
        guard numbers.count >= 2 else { return nil }
        return (numbers[0], .nan)
    }

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        private var open: [Int] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            open.append(elements.count)
            elements.append(Element(name: elementName, attributes: attributeDict, text: ""))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            for index in open { elements[index].text += string }
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?
        ) {
            open.removeLast()
        }
    }
}

/// Where a value falls on a log axis, from two of its labelled ticks.
private func logPixel(_ value: Double, _ ticks: [(value: Double, pixel: Double)]) throws -> Double {
    try #require(ticks.count >= 2, "need two labelled ticks")
    let (a, b) = (ticks[0], ticks[ticks.count - 1])
    return a.pixel + (log10(value) - log10(a.value)) / (log10(b.value) - log10(a.value)) * (b.pixel - a.pixel)
}

/// The value at a pixel of a log axis, from two of its labelled ticks.
private func logValue(_ pixel: Double, _ ticks: [(value: Double, pixel: Double)]) -> Double {
    let (a, b) = (ticks[0], ticks[ticks.count - 1])
    return pow(10, log10(a.value) + (pixel - a.pixel) / (b.pixel - a.pixel) * (log10(b.value) - log10(a.value)))
}

/// A fresh temporary folder, removed by the caller.
private func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joule-plot-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// Runs `joule plot ...` writing to a temporary file and parses the SVG.
private func plot(_ arguments: [String]) throws -> PlotSVG {
    let folder = try temporaryFolder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let out = folder.appendingPathComponent("plot.svg").path
    let run = try joule(["plot"] + arguments + ["--out", out])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == "wrote \(arguments[0]) plot to \(out)\n")
    return try PlotSVG(path: out)
}

/// A hand-made sweep: ten points, minimise latency and energy per token.
///
/// | id | latency_s | energy_per_token_j | feasible | why                                   |
/// |----|-----------|--------------------|----------|---------------------------------------|
/// | a  | 0.001     | 10                 | true     | front: the fastest feasible point      |
/// | b  | 0.002     | 5                  | true     | front                                  |
/// | c  | 0.003     | 6                  | true     | b is faster and cheaper                |
/// | d  | 0.005     | 1                  | true     | front                                  |
/// | e  | 0.0005    | 0.5                | false    | beats a, b, c, d but is infeasible     |
/// | f  | 0.01      | 1                  | true     | d: same energy, faster                 |
/// | g  | 0.02      | 0.1                | true     | front                                  |
/// | h  | 0.05      | 0.2                | true     | g is faster and cheaper                |
/// | i  |           |                    | false    | evaluation error: no figures           |
/// | j  | 0.1       | 0.05               | true     | front: the cheapest                    |
private let sweepCSV = """
    id,compute.array.rows,feasible,violated,error,energy_j,energy_per_token_j,latency_s,edp_js,area_mm2
    a,16,true,,,80,10,0.001,0.08,100
    b,32,true,,,40,5,0.002,0.08,110
    c,32,true,,,48,6,0.003,0.144,120
    d,64,true,,,8,1,0.005,0.04,130
    e,256,false,"area<=300 mm^2, power<=75 W",,4,0.5,0.0005,0.002,400
    f,64,true,,,8,1,0.01,0.08,140
    g,128,true,,,0.8,0.1,0.02,0.016,150
    h,128,true,,,1.6,0.2,0.05,0.08,160
    i,512,false,,"mapping failed: no tiling fits",,,,,
    j,256,true,,,0.4,0.05,0.1,0.04,170

    """

@Suite struct PlotTests {
    @Test func paretoPointSitsAtItsHandComputedPixelOnLogAxes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try sweepCSV.write(to: folder.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let svg = try plot(["pareto", folder.path])

        // Latency spans 0.0005-0.1 s and energy 0.05-10 J, so both axes are logarithmic with
        // decade ticks, labelled 10^-3 ... as "10" and a raised exponent.
        let xTicks = svg.ticks("x")
        let yTicks = svg.ticks("y")
        #expect(xTicks.map(\.value) == [1e-3, 1e-2, 1e-1])
        #expect(yTicks.map(\.value) == [0.1, 1, 10])
        let label = try #require(svg.all(class: "tick-label").first { $0.number("data-value") == 1e-3 })
        #expect(label.text == "10−3")
        // Decades are evenly spaced.
        #expect(abs((xTicks[1].pixel - xTicks[0].pixel) - (xTicks[2].pixel - xTicks[1].pixel)) < 0.02)

        // Point c (3 ms, 6 J/token): log10(3) = 0.4771 of the way from the 1 ms tick to the 10 ms tick,
        // log10(6) = 0.7782 of the way from the 1 J tick to the 10 J tick.
        let c = try #require(svg.elements.first { $0.attributes["data-id"] == "c" })
        let expectedX = xTicks[0].pixel + 0.47712 * (xTicks[1].pixel - xTicks[0].pixel)
        let expectedY = yTicks[1].pixel + 0.77815 * (yTicks[2].pixel - yTicks[1].pixel)
        #expect(abs((c.number("cx") ?? 0) - expectedX) < 0.05)
        #expect(abs((c.number("cy") ?? 0) - expectedY) < 0.05)

        // The same position from the plot area: each axis fits its data's log range with a 6 % margin
        // on both ends. x: log10(0.0005) = -3.30103 to -1, widened by 0.06 x 2.30103 = 0.13806
        // to [-3.43909, -0.86194]; y: log10(0.05) = -1.30103 to 1, widened to [-1.43909, 1.13806].
        let area = try #require(svg.all(class: "plot-area").first)
        let (left, top) = (area.number("x") ?? 0, area.number("y") ?? 0)
        let (width, height) = (area.number("width") ?? 0, area.number("height") ?? 0)
        let fx = (log10(0.003) + 3.43909) / (3.43909 - 0.86194)
        let fy = (log10(6.0) + 1.43909) / (1.13806 + 1.43909)
        #expect(abs((c.number("cx") ?? 0) - (left + fx * width)) < 0.05)
        #expect(abs((c.number("cy") ?? 0) - (top + height - fy * height)) < 0.05)
    }

    @Test func paretoHighlightsTheHandComputedFront() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try sweepCSV.write(to: folder.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)

        // No pareto.csv: the plot finds the front of the feasible points itself.
        let svg = try plot(["pareto", folder.path, "--x", "latency", "--y", "energy_per_token_j"])
        let front = svg.all(class: "front").compactMap { $0.attributes["data-id"] }
        #expect(front == ["a", "b", "d", "g", "j"])
        #expect(Set(svg.all(class: "feasible").compactMap { $0.attributes["data-id"] }) == ["c", "f", "h"])
        // Infeasible points are hollow; the errored row has no figures and is not drawn.
        let infeasible = svg.all(class: "infeasible")
        #expect(infeasible.compactMap { $0.attributes["data-id"] } == ["e"])
        #expect(infeasible.first?.attributes["fill"] == "none")
        #expect(svg.all(class: "front").allSatisfy { $0.attributes["fill"] != "none" })

        // The step line: 5 front points and 4 corners, each corner at the next point's latency and
        // the previous point's energy, so x never falls and y never rises along it.
        let line = try #require(svg.all(class: "front-line").first)
        let vertices = (line.attributes["points"] ?? "").split(separator: " ").map { pair in
            pair.split(separator: ",").compactMap { Double($0) }
        }
        #expect(vertices.count == 9)
        for (p, q) in zip(vertices, vertices.dropFirst()) {
            #expect(q[0] >= p[0] - 0.01 && q[1] >= p[1] - 0.01)  // pixels: y grows downwards
            #expect(abs(q[0] - p[0]) < 0.01 || abs(q[1] - p[1]) < 0.01)  // horizontal or vertical
        }

        // With a pareto.csv (the sweep's front over all its objectives) those rows are highlighted.
        let lines = sweepCSV.split(separator: "\n").map(String.init)
        let paretoRows = [lines[0]] + lines.filter { $0.hasPrefix("d,") || $0.hasPrefix("j,") }
        try (paretoRows.joined(separator: "\n") + "\n").write(
            to: folder.appendingPathComponent("pareto.csv"), atomically: true, encoding: .utf8)
        let given = try plot(["pareto", folder.path])
        #expect(given.all(class: "front").compactMap { $0.attributes["data-id"] } == ["d", "j"])
        #expect(given.all(class: "feasible").count == 6)
    }

    @Test func rooflineOfTPUv1DecodeHasOnePointPerDistinctOperatorUnderItsCeilings() throws {
        // Unfused, so that the vector operators move bytes (auto folds the epilogues away).
        let svg = try plot([
            "roofline", "llama-2-7b", "tpu-v1", "--phase", "decode", "--level", "DRAM", "--fusion", "off",
        ])
        let operators = svg.all(class: "operator")

        // Decode at batch 1 has six distinct GEMMs (q/k/v/o share 4096 x 4096, gate/up share
        // 4096 x 11008, then down, score, context and the LM head) and five distinct vector
        // operators with operations and DRAM traffic (norm, rope, softmax, residual, act);
        // embedding and kv_append do no operations.
        #expect(operators.filter { $0.attributes["data-gemm"] == "true" }.count == 6)
        #expect(operators.filter { $0.attributes["data-gemm"] == "false" }.count == 5)
        let model = try ModelConfig.load("llama-2-7b")
        let graph = try GraphBuilder(model: model, precision: .uniform(.int8)).build(.decode(batch: 1, context: 2048))
        let shown = Set(graph.operators.filter { $0.flops > 0 && $0.compulsoryBytes > 0 }.map(\.kind))
        #expect(operators.count == shown.count)
        let projections = try #require(
            operators.first { $0.attributes["data-roles"] == "q_proj, k_proj, v_proj, o_proj" })
        #expect(projections.attributes["data-count"] == "128")
        // 2 x 4096 x 4096 operations over at least the 16.8 MB of int8 weights: about 2 op/byte.
        let intensity = try #require(projections.number("data-x"))
        #expect(intensity > 1.9 && intensity <= 2.0)

        // The compute ceiling: 256 x 256 MACs x 2 x 700 MHz = 91.75e12 op/s, drawn at that height.
        let yTicks = svg.ticks("y")
        let xTicks = svg.ticks("x")
        let ceiling = try #require(svg.exactly(class: "ceiling").first)
        #expect(ceiling.number("data-value") == 91.7504e12)
        let ceilingY = (ceiling.attributes["points"] ?? "").split(separator: " ").compactMap {
            $0.split(separator: ",").last.flatMap { Double($0) }
        }
        #expect(ceilingY.count == 2)
        let ceilingPixel = try logPixel(91.7504e12, yTicks)
        for y in ceilingY { #expect(abs(y - ceilingPixel) < 0.05) }

        // The y axis ends a little above the peak, not a decade above it: the top of the plot area
        // is between the peak and twice the peak.
        let area = try #require(svg.all(class: "plot-area").first)
        let top = logValue(try #require(area.number("y")), yTicks)
        #expect(top > 91.7504e12 && top < 2 * 91.7504e12)

        // The DRAM line rises at its bandwidth: y / x = 34 GB/s anywhere along it. A panel shows
        // its own level's roof only.
        let dram = try #require(svg.all(class: "bandwidth").first { $0.attributes["data-level"] == "DRAM" })
        for vertex in (dram.attributes["points"] ?? "").split(separator: " ") {
            let p = vertex.split(separator: ",").compactMap { Double($0) }
            let slope = logValue(p[1], yTicks) / logValue(p[0], xTicks)
            #expect(abs(slope / 34e9 - 1) < 0.002)
        }
        #expect(svg.all(class: "bandwidth").count == 1)

        // Every operator sits under the roofline min(peak, 34 GB/s x intensity) and is drawn at its
        // data position, or beside it by the offset it records when another marker coincides.
        for element in operators {
            let x = try #require(element.number("data-x"))
            let y = try #require(element.number("data-y"))
            #expect(y <= min(91.7504e12, 34e9 * x) * 1.0001)
            let centre = try #require(PlotSVG.centre(element))
            let offset = (element.attributes["data-offset"] ?? "0 0").split(separator: " ").compactMap { Double($0) }
            let pixel = (x: try logPixel(x, xTicks) + offset[0], y: try logPixel(y, yTicks) + offset[1])
            #expect(abs(centre.x - pixel.x) < 0.05)
            if element.name == "circle" { #expect(abs(centre.y - pixel.y) < 0.05) }
            #expect(hypot(offset[0], offset[1]) < 40)
        }
        #expect(
            svg.all(class: "axis-title").map(\.text) == [
                "Operational intensity at DRAM (op/byte)", "Attained performance (op/s)",
            ])
    }

    @Test func rooflineHasOnePanelPerMemoryLevelWithABandwidth() throws {
        // tpu-v1 gives bandwidths for DRAM (34 GB/s) and the UnifiedBuffer (179.2 GB/s) only.
        let svg = try plot(["roofline", "llama-2-7b", "tpu-v1", "--phase", "decode"])
        let titles = svg.all(class: "title").map(\.text)
        #expect(
            titles == [
                "Roofline at DRAM: llama-2-7b decode on tpu-v1",
                "Roofline at UnifiedBuffer: llama-2-7b decode on tpu-v1",
            ])
        #expect(svg.exactly(class: "panel").count == 2)
        #expect(
            svg.all(class: "bandwidth").compactMap { $0.attributes["data-level"] } == ["DRAM", "UnifiedBuffer"])
        // Each panel's clip path has an id of its own.
        let clips = svg.elements.filter { $0.name == "clipPath" }.compactMap { $0.attributes["id"] }
        #expect(Set(clips).count == 2)
        // x counts the bytes of each level: the projections read 16.8 MB of weights from DRAM but
        // only 4 KB of activations from the UnifiedBuffer (weights bypass it through the Weight
        // FIFO), so they sit far further right in the UnifiedBuffer panel.
        let projections = svg.all(class: "operator").filter {
            $0.attributes["data-roles"] == "q_proj, k_proj, v_proj, o_proj"
        }
        #expect(projections.map { $0.attributes["data-level"] ?? "" } == ["DRAM", "UnifiedBuffer"])
        let xs = projections.compactMap { $0.number("data-x") }
        #expect(xs.count == 2 && xs[1] > 100 * xs[0])
        // An operator keeps its colour and shape from panel to panel.
        for roles in Set(svg.all(class: "operator").compactMap { $0.attributes["data-roles"] }) {
            let marks = svg.all(class: "operator").filter { $0.attributes["data-roles"] == roles }
            #expect(Set(marks.map { "\($0.name) \($0.attributes["fill"] ?? "")" }).count == 1, "\(roles)")
        }
    }

    /// The box a label's text occupies, estimated as the chart lays text out: 0.58 em per
    /// character, 0.8 em above the baseline and 0.25 em below.
    private static func labelBox(_ element: PlotSVG.Element) -> (
        left: Double, top: Double, right: Double, bottom: Double
    )? {
        guard let x = element.number("x"), let y = element.number("y") else { return nil }
        let size = element.number("font-size") ?? 12
        let width = Double(element.text.count) * size * 0.58
        let left: Double
        switch element.attributes["text-anchor"] {
        case "end": left = x - width
        case "middle": left = x - width / 2
        default: left = x
        }
        return (left, y - 0.8 * size, left + width, y + 0.25 * size)
    }

    /// Pairs of labels whose boxes overlap, by their texts.
    private static func overlappingLabels(_ labels: [PlotSVG.Element]) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for i in labels.indices {
            for j in labels.indices where j > i {
                guard let a = labelBox(labels[i]), let b = labelBox(labels[j]) else { continue }
                if min(a.right, b.right) > max(a.left, b.left) && min(a.bottom, b.bottom) > max(a.top, b.top) {
                    pairs.append((labels[i].text, labels[j].text))
                }
            }
        }
        return pairs
    }

    @Test func rooflineOfH100DecodeAtBatch64ShowsEveryOperatorItsLegendNames() throws {
        // At batch 64 every weight GEMM does about 64 operations per weight byte and is HBM bound:
        // q/k/v/o, gate/up, down and the LM head land within a few pixels of one another.
        let svg = try plot([
            "roofline", "llama-2-7b", "h100-sxm", "--phase", "decode", "--batch", "64", "--level", "HBM",
        ])
        let operators = svg.all(class: "operator")
        let legendIndex = try #require(svg.elements.firstIndex { $0.has(class: "legend") })
        let entries = svg.elements[(legendIndex + 1)...].filter {
            $0.name == "text" && $0.attributes["font-weight"] == nil
        }.prefix(operators.count)
        // Every legend entry names a drawn operator of the same colour and shape.
        let symbols = svg.elements[(legendIndex + 1)...].filter { ["circle", "rect", "path"].contains($0.name) }
        #expect(entries.count == operators.count)
        for (entry, symbol) in zip(entries, symbols) {
            let marker = try #require(
                operators.first { $0.attributes["data-roles"] == entry.text }, "no point for \(entry.text)")
            #expect(marker.attributes["fill"] == symbol.attributes["fill"], "\(entry.text)")
            #expect(marker.name == symbol.name, "\(entry.text)")
        }
        // No two legend entries share both colour and shape.
        let styles = zip(symbols, entries).map { "\($0.0.name) \($0.0.attributes["fill"] ?? "")" }
        #expect(Set(styles).count == entries.count)
        // Every point is visible: no marker covers more than a pixel of another.
        let centres = try operators.map { try #require(PlotSVG.centre($0)) }
        for i in operators.indices where operators[i].name != "path" {
            for j in operators.indices where j > i && operators[j].name != "path" {
                let distance = hypot(centres[i].x - centres[j].x, centres[i].y - centres[j].y)
                #expect(
                    distance >= 2 * 5.5 - 1,
                    "\(operators[i].attributes["data-roles"] ?? "") and \(operators[j].attributes["data-roles"] ?? "")")
            }
        }
        // Every point carries a direct label and no two labels overlap.
        let labels = svg.all(class: "operator-label")
        #expect(Set(labels.map(\.text)) == Set(operators.compactMap { $0.attributes["data-roles"] }))
        #expect(Self.overlappingLabels(labels).isEmpty, "\(Self.overlappingLabels(labels))")
    }

    @Test func breakdownDropsRolesWithoutVisibleEnergy() throws {
        let svg = try plot(["breakdown", "llama-2-7b", "tpu-v1", "--phase", "decode"])
        let eval = try joule(["eval", "llama-2-7b", "tpu-v1", "--phase", "decode", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let energy = try #require(object["energy_j"] as? Double)

        // At batch 1 a vector operator touches one token's 4096 activations (kilobytes) while each
        // GEMM reads megabytes of weights or KV cache from DRAM: the vector roles, and the
        // embedding lookup and the KV append, each take under 0.1% of the energy and get no bar.
        let roles = [
            "q_proj", "k_proj", "v_proj", "attn_score", "attn_context", "o_proj", "ffn_gate", "ffn_up", "ffn_down",
            "lm_head",
        ]
        #expect(svg.all(class: "tick-label").filter { $0.has(class: "x") }.map(\.text) == roles)
        #expect(svg.exactly(class: "bar").count == roles.count)
        // No empty category: every bar holds at least 0.1% of the energy.
        for bar in svg.exactly(class: "bar") {
            #expect((bar.number("data-total") ?? 0) >= 0.001 * energy)
        }
        // The roles left out are named in the note, and the bars hold all but their small share.
        let note = svg.all(class: "note").map(\.text).joined(separator: " ")
        for role in ["embedding", "norm", "rope", "kv_append", "softmax", "residual", "act"] {
            #expect(note.contains(role), "\(role) not in \(note)")
        }
        let total = svg.all(class: "bar-segment").compactMap { $0.number("data-value") }.reduce(0, +)
        #expect(total <= energy * (1 + 1e-9) && total > 0.99 * energy)
        #expect(svg.all(class: "axis-title").last?.text == "Energy (J)")
    }

    @Test func dvfsOfH100ComparesDecodeAndPrefillOverSixPoints() throws {
        let svg = try plot(["dvfs", "llama-2-7b", "h100-sxm", "--phase", "decode,prefill"])
        let points = svg.all(class: "operating-point")
        #expect(points.count == 12)
        // h100-sxm lists no DVFS table: six alpha-power-law points from 1830 MHz down to its
        // clock_range minimum, 345 MHz, in steps of (1830 - 345) / 5 = 297 MHz.
        let frequencies = Set(points.compactMap { $0.number("data-frequency") }.map { ($0 / 1e6).rounded() })
        #expect(frequencies == [1830, 1533, 1236, 939, 642, 345])
        #expect(svg.all(class: "operating-point-label").contains { $0.text == "1.83 GHz" })
        for series in ["decode batch 1, context 2048", "prefill batch 1, sequence 2048"] {
            let mine = points.filter { $0.attributes["data-series"] == series }
            #expect(mine.count == 6)
            // The rings sit on the lowest-energy and the fastest point of each curve.
            let lowest = try #require(mine.min { ($0.number("data-energy") ?? 0) < ($1.number("data-energy") ?? 0) })
            let fastest = try #require(mine.min { ($0.number("data-seconds") ?? 0) < ($1.number("data-seconds") ?? 0) })
            let energyRing = try #require(
                svg.all(class: "minimum-energy").first { $0.attributes["data-series"] == series })
            let timeRing = try #require(svg.all(class: "minimum-time").first { $0.attributes["data-series"] == series })
            #expect(energyRing.number("data-x") == lowest.number("data-x"))
            #expect(energyRing.number("data-y") == lowest.number("data-y"))
            #expect(timeRing.number("data-x") == fastest.number("data-x"))
            // Two phases share relative axes: the nominal point of each is at (1, 1).
            let nominal = try #require(mine.first { $0.number("data-frequency") == 1.83e9 })
            #expect(nominal.number("data-x") == 1 && nominal.number("data-y") == 1)
        }
        #expect(svg.all(class: "axis-title").first?.text == "Time relative to the nominal clock (×)")

        // Decode's six points stand in a column at x ≈ 1 beside prefill's nominal point: their
        // clock labels must not overlap one another, nor cover a point.
        let labels = svg.all(class: "operating-point-label")
        #expect(labels.count == 11)  // prefill's nominal point shares decode's (1, 1) label
        #expect(Self.overlappingLabels(labels).isEmpty, "\(Self.overlappingLabels(labels))")
        for label in labels {
            let box = try #require(Self.labelBox(label))
            for point in points {
                let centre = try #require(PlotSVG.centre(point))
                #expect(
                    !(centre.x > box.left && centre.x < box.right && centre.y > box.top && centre.y < box.bottom),
                    "\(label.text) covers a point")
            }
        }
    }

    @Test func dvfsOfOnePhaseIsInSecondsAndJoules() throws {
        let svg = try plot(["dvfs", "llama-2-7b", "tpu-v1", "--phase", "decode"])
        #expect(svg.all(class: "operating-point").count == 6)
        // About 0.2 s and 10 J per decode step: the axes pick ms and J.
        #expect(svg.all(class: "axis-title").map(\.text) == ["Latency (ms)", "Energy (J)"])
    }

    struct ErrorCase: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var status: Int32
        var message: String
        var testDescription: String { name }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(name: "no plot named", arguments: [], status: 64, message: "name a plot"),
        ErrorCase(
            name: "unknown plot", arguments: ["rooflin", "llama-2-7b", "tpu-v1", "--out", "x.svg"], status: 64,
            message: "did you mean 'roofline'?"),
        ErrorCase(
            name: "no --out", arguments: ["roofline", "llama-2-7b", "tpu-v1"], status: 64,
            message: "say where to write the figure"),
        ErrorCase(
            name: "bad roofline mode",
            arguments: ["roofline", "llama-2-7b", "tpu-v1", "--roofline", "best", "--out", "x.svg"],
            status: 64, message: "unknown roofline mode 'best'"),
        ErrorCase(
            name: "two phases on a roofline",
            arguments: ["roofline", "llama-2-7b", "tpu-v1", "--phase", "decode,prefill", "--out", "x.svg"], status: 64,
            message: "takes one phase"),
        ErrorCase(
            name: "operating point on dvfs",
            arguments: ["dvfs", "llama-2-7b", "tpu-v1", "--operating-point", "1", "--out", "x.svg"], status: 64,
            message: "--operating-point does not apply"),
        ErrorCase(
            name: "unknown hardware", arguments: ["breakdown", "llama-2-7b", "tpu-v9", "--out", "x.svg"], status: 65,
            message: "tpu-v9"),
        ErrorCase(
            name: "missing sweep folder", arguments: ["pareto", "/nonexistent/sweep", "--out", "x.svg"], status: 65,
            message: "/nonexistent/sweep/points.csv: error: cannot read the file"),
    ]

    @Test(arguments: errorCases) func errorsExitWithSysexitsCodes(_ test: ErrorCase) throws {
        let run = try joule(["plot"] + test.arguments)
        #expect(run.status == test.status, "\(run.stderr)")
        #expect(run.stderr.contains(test.message), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: repositoryRoot.appendingPathComponent("x.svg").path))
    }

    @Test func paretoIsTitledWithTheSweepsNameAndColouredByAnAxis() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        try """
        name: plot-title-check
        base: { hardware: toy-3level, model: gpt2, phase: decode, context: 128, precision: int8, roofline: ideal }
        axes: [ { key: batch, values: [1, 2, 4] } ]
        """.write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let run = try joule(["sweep", file.path, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")

        // The title is the sweep file's `name:` (from sweep.json), not the folder's name (out).
        let svg = try plot(["pareto", out.path, "--color-by", "batch"])
        #expect(svg.all(class: "title").map(\.text) == ["plot-title-check"])
        // The sweep writes its own pareto.svg with the same title.
        let own = try PlotSVG(path: out.appendingPathComponent("pareto.svg").path)
        #expect(own.all(class: "title").map(\.text) == ["plot-title-check"])

        // Three batch values, three fills, one legend entry each in numeric order.
        let points = svg.elements.filter { $0.attributes["data-group"] != nil && $0.attributes["data-id"] != nil }
        #expect(points.count == 3)
        var fills: [String: Set<String>] = [:]
        for point in points {
            fills[point.attributes["data-group"] ?? "", default: []].insert(point.attributes["fill"] ?? "")
        }
        #expect(fills.keys.sorted() == ["1", "2", "4"])
        #expect(fills.values.allSatisfy { $0.count == 1 })
        #expect(Set(fills.values.flatMap { $0 }).count == 3)
        let legend = svg.elements.filter { $0.name == "text" && $0.text.hasPrefix("batch = ") }.map(\.text)
        #expect(legend == ["batch = 1", "batch = 2", "batch = 4"])

        // An axis that is not swept is refused with the choices.
        let bad = try joule(["plot", "pareto", out.path, "--color-by", "batchh", "--out", folder.path + "/p.svg"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("no swept axis 'batchh'") && bad.stderr.contains("batch"))
    }

    @Test func paretoLabelsTheFrontAndDrawsCoincidingPointsApart() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // The hand-made sweep plus three copies of point c (3 ms, 6 J/token) under other ids.
        let copies = ["k", "l", "m"].map { "\($0),32,true,,,48,6,0.003,0.144,120" }.joined(separator: "\n")
        try (sweepCSV + copies + "\n").write(
            to: folder.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let svg = try plot(["pareto", folder.path, "--color-by", "compute.array.rows"])

        // The front (a, b, d, g, j) carries its ids.
        #expect(Set(svg.all(class: "front-label").map(\.text)) == ["#a", "#b", "#d", "#g", "#j"])
        #expect(Self.overlappingLabels(svg.all(class: "front-label")).isEmpty)

        // c, k, l and m coincide: each is drawn where the others do not cover it (centres at least a
        // marker's width apart), all within a few pixels of the true position.
        let same = svg.elements.filter { ["c", "k", "l", "m"].contains($0.attributes["data-id"] ?? "") }
        #expect(same.count == 4)
        let centres = try same.map { try #require(PlotSVG.centre($0)) }
        for i in centres.indices {
            for j in centres.indices where j > i {
                #expect(hypot(centres[i].x - centres[j].x, centres[i].y - centres[j].y) >= 2 * 3.2)
            }
        }
        #expect(Set(centres.map { "\($0.x),\($0.y)" }).count == 4)

        // Rows 16 ... 512 each get a colour; the two rows-32 points b and c share one.
        let fill = { (id: String) in svg.elements.first { $0.attributes["data-id"] == id }?.attributes["fill"] }
        #expect(fill("b") == fill("c"))
        #expect(fill("a") != fill("b"))
        #expect(svg.elements.first { $0.attributes["data-id"] == "c" }?.attributes["data-group"] == "32")
    }

    @Test func paretoReportsBadColumnsAndRows() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let points = folder.appendingPathComponent("points.csv")
        try sweepCSV.write(to: points, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("p.svg").path

        let unknown = try joule(["plot", "pareto", folder.path, "--x", "latency_ms", "--out", out])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("no column 'latency_ms'") && unknown.stderr.contains("latency_s"))

        try "id,latency_s,energy_j\na,1,2\nb,3\n".write(to: points, atomically: true, encoding: .utf8)
        let short = try joule(["plot", "pareto", folder.path, "--out", out])
        #expect(short.status == 65)
        #expect(short.stderr.contains("\(points.path):3:1: error: row has 2 cells, the header has 3"))

        try "id,latency_s,energy_j\na,1,2\n".write(to: points, atomically: true, encoding: .utf8)
        let unwritable = try joule(["plot", "pareto", folder.path, "--out", folder.path + "/no/such/dir/p.svg"])
        #expect(unwritable.status == 74)
        #expect(unwritable.stderr.contains("cannot write"))
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    /// The REPL's `plot roofline` draws the hierarchical roofline as `joule plot roofline` does:
    /// tpu-v1 gives bandwidths for DRAM and the UnifiedBuffer, so two panels.
    @Test func replRooflineHasAPanelPerLevelAsThePlotCommand() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = """
            load hardware tpu-v1
            load model llama-2-7b
            set phase decode batch=1 context=1024
            plot roofline repl.svg
            """
        let run = try REPLTests.jouleIn(["repl"], input: script + "\n", in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let repl = try PlotSVG(path: folder.appendingPathComponent("repl.svg").path)
        #expect(
            repl.all(class: "title").map(\.text) == [
                "Roofline at DRAM: llama-2-7b decode on tpu-v1",
                "Roofline at UnifiedBuffer: llama-2-7b decode on tpu-v1",
            ])
        #expect(repl.exactly(class: "panel").count == 2)
        let replText = try String(contentsOf: folder.appendingPathComponent("repl.svg"), encoding: .utf8)
        let out = folder.appendingPathComponent("cli.svg").path
        let plotted = try joule([
            "plot", "roofline", "llama-2-7b", "tpu-v1", "--phase", "decode", "--context", "1024", "--out", out,
        ])
        #expect(plotted.status == 0, "\(plotted.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == replText)
    }

    /// Every metric a sweep writes, with the title and unit its axis shows.
    struct MetricAxis: CustomTestStringConvertible, Sendable {
        var column: String
        var title: String
        var testDescription: String { column }
    }

    static let metricAxes = [
        MetricAxis(column: "energy_j", title: "Energy (J)"),
        MetricAxis(column: "energy_per_token_j", title: "Energy per token (J)"),
        MetricAxis(column: "latency_s", title: "Latency (s)"),
        MetricAxis(column: "time_per_token_s", title: "Time per token (s)"),
        MetricAxis(column: "edp_js", title: "Energy-delay product (J·s)"),
        MetricAxis(column: "area_mm2", title: "Area (mm²)"),
        MetricAxis(column: "average_power_w", title: "Average power (W)"),
        MetricAxis(column: "tokens_per_joule", title: "Tokens per joule (token/J)"),
        MetricAxis(column: "tokens_per_s", title: "Throughput (token/s)"),
        MetricAxis(column: "cost", title: "Cost (η·E + (1−η)·P_max·t)"),
    ]

    /// Each metric on x (against energy, or latency for energy itself) gets its own title and
    /// unit, never the bare column name. Values from 2 to 5 keep SI prefixes out of the units.
    @Test(arguments: metricAxes) func paretoTitlesEveryMetricsAxis(_ axis: MetricAxis) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let columns = Self.metricAxes.map(\.column)
        let rows = (0..<4).map { id in
            "\(id),true,,," + columns.indices.map { String(2 + ($0 + id) % 4) }.joined(separator: ",")
        }
        try (["id,feasible,violated,error," + columns.joined(separator: ",")] + rows + [""]).joined(separator: "\n")
            .write(to: folder.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let other = axis.column == "energy_j" ? "latency_s" : "energy_j"
        let svg = try plot(["pareto", folder.path, "--x", axis.column, "--y", other])
        let otherTitle = try #require(Self.metricAxes.first { $0.column == other }).title
        #expect(svg.all(class: "axis-title").map(\.text) == [axis.title, otherTitle])
    }

    /// A sweep of batch sizes ranks per token by default: its pareto.svg, `plot pareto` and the
    /// report all draw time per token on x and energy per token on y.
    @Test func perTokenObjectivesAreTheDefaultAxes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        try """
        name: per-token-axes
        base: { hardware: toy-3level, model: gpt2, phase: decode, context: 128, precision: int8, roofline: ideal }
        axes: [ { key: batch, values: [1, 2, 4] } ]
        """.write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let run = try joule(["sweep", file.path, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let own = try PlotSVG(path: out.appendingPathComponent("pareto.svg").path)
        let plotted = try plot(["pareto", out.path])
        for svg in [own, plotted] {
            let titles = svg.all(class: "axis-title").map(\.text)
            #expect(titles.count == 2)
            #expect(titles.first?.hasPrefix("Time per token (") == true, "\(titles)")
            #expect(titles.last?.hasPrefix("Energy per token (") == true, "\(titles)")
            #expect(
                svg.all(class: "subtitle").first?.text.hasPrefix("Pareto front: energy per token vs time per token")
                    == true)
        }
        let page = folder.appendingPathComponent("r.html")
        #expect(try joule(["report", "sweep", out.path, "--out", page.path]).status == 0)
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(html.contains("Time per token ("))
    }
}
