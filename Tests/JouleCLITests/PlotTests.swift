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
        let svg = try plot(["roofline", "llama-2-7b", "tpu-v1", "--phase", "decode"])
        let operators = svg.all(class: "operator")

        // Decode at batch 1 has six distinct GEMMs (q/k/v/o share 4096 x 4096, gate/up share
        // 4096 x 11008, then down, score, context and the LM head) and five distinct vector
        // operators with operations and DRAM traffic (norm, rope, softmax, residual, act);
        // embedding and kv_append do no operations.
        #expect(operators.filter { $0.name == "circle" }.count == 6)
        #expect(operators.filter { $0.name == "path" }.count == 5)
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

        // The DRAM line rises at its bandwidth: y / x = 34 GB/s anywhere along it.
        let dram = try #require(svg.all(class: "bandwidth").first { $0.attributes["data-level"] == "DRAM" })
        for vertex in (dram.attributes["points"] ?? "").split(separator: " ") {
            let p = vertex.split(separator: ",").compactMap { Double($0) }
            let slope = logValue(p[1], yTicks) / logValue(p[0], xTicks)
            #expect(abs(slope / 34e9 - 1) < 0.002)
        }
        #expect(svg.all(class: "bandwidth").contains { $0.attributes["data-level"] == "UnifiedBuffer" })

        // Every operator sits at its data position and under the roofline min(peak, 34 GB/s x intensity).
        for element in operators {
            let x = try #require(element.number("data-x"))
            let y = try #require(element.number("data-y"))
            #expect(y <= min(91.7504e12, 34e9 * x) * 1.0001)
            let centre = try #require(PlotSVG.centre(element))
            let pixel = (x: try logPixel(x, xTicks), y: try logPixel(y, yTicks))
            #expect(abs(centre.x - pixel.x) < 0.05)
            if element.name == "circle" { #expect(abs(centre.y - pixel.y) < 0.05) }
        }
        // A legend entry per colour, and titles with units.
        #expect(
            svg.all(class: "axis-title").map(\.text) == [
                "Arithmetic intensity (op/DRAM byte)", "Attained performance (op/s)",
            ])
    }

    @Test func breakdownStacksEveryJouleOfTheEvaluation() throws {
        let svg = try plot(["breakdown", "llama-2-7b", "tpu-v1", "--phase", "decode"])
        let eval = try joule(["eval", "llama-2-7b", "tpu-v1", "--phase", "decode", "--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
        let energy = try #require(object["energy_j"] as? Double)
        let latency = try #require(object["latency_s"] as? Double)

        // One bar per role of the decode graph, in graph order.
        let roles = [
            "embedding", "norm", "q_proj", "k_proj", "v_proj", "rope", "kv_append", "attn_score", "softmax",
            "attn_context", "o_proj", "residual", "ffn_gate", "ffn_up", "act", "ffn_down", "lm_head",
        ]
        #expect(svg.ticks("x").count == roles.count)
        #expect(svg.all(class: "tick-label").filter { $0.has(class: "x") }.map(\.text) == roles)
        #expect(svg.exactly(class: "bar").count == roles.count)

        // The segments add up to the evaluation's energy; the static ones to 28 W x the latency.
        let segments = svg.all(class: "bar-segment")
        let total = segments.compactMap { $0.number("data-value") }.reduce(0, +)
        #expect(abs(total / energy - 1) < 1e-6)
        let leakage = segments.filter { $0.attributes["data-series"] == "static" }.compactMap {
            $0.number("data-value")
        }
        #expect(abs(leakage.reduce(0, +) / (28 * latency) - 1) < 1e-6)
        let series = Set(segments.compactMap { $0.attributes["data-series"] })
        #expect(series.isSuperset(of: ["DRAM", "WeightFIFO", "static", "MAC", "vector"]))
        // The largest bar is about 2 J, so the axis is in joules.
        #expect(svg.all(class: "axis-title").last?.text == "Energy (J)")
        #expect(svg.all(class: "legend").count == 1)
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
}
