import Foundation
import Joule
import Testing

/// `joule report`: the HTML it writes escapes what files name, carries the values tables sort by,
/// marks the Pareto front the library computes, fetches nothing, and fails on bad input as
/// `joule eval` and `joule sweep` do.
struct ReportCLITests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("joule-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A one-layer GPT-2 named with every character HTML treats specially.
    static let hostileName = #"<script>alert(1)</script> & "tiny"'s"#
    static let tinyModel = """
        name: "<script>alert(1)</script> & \\"tiny\\"'s"
        family: decoder
        hidden_size: 64
        layers: 1
        heads: 2
        kv_heads: 2
        head_dim: 32
        ffn: { size: 256, kind: gelu_mlp, bias: true, activation: gelu_new }
        norm: { kind: layernorm, bias: true }
        parallel_attention: false
        attention_bias: true
        vocab_size: 100
        tied_embeddings: true
        lm_head_bias: false
        position_embedding: learned
        max_positions: 128
        final_norm: true
        embedding_norm: false
        """

    /// Four points over (precision, batch); values picked so the front is known by hand:
    /// 2 is beaten by 0 in both objectives, 3 beats everyone but violates a constraint, so the
    /// front of (energy_per_token, latency) is {0, 1}. The header is the library's (every metric
    /// column, in its order); metrics the points do not set are 1.
    static let pointsCSV: String = {
        let rows: [(cells: String, metrics: [String: String])] = [
            (
                "0,int8,1,true,,",
                ["energy_j": "0.5", "energy_per_token_j": "0.5", "latency_s": "0.1", "time_per_token_s": "0.1"]
            ),
            (
                "1,int8,4,true,,",
                ["energy_j": "0.8", "energy_per_token_j": "0.2", "latency_s": "0.3", "time_per_token_s": "0.075"]
            ),
            (
                "2,a<b&c,1,true,,",
                ["energy_j": "0.6", "energy_per_token_j": "0.6", "latency_s": "0.4", "time_per_token_s": "0.4"]
            ),
            (
                "3,a<b&c,4,false,area <= 1 mm^2,",
                ["energy_j": "0.4", "energy_per_token_j": "0.1", "latency_s": "0.05", "time_per_token_s": "0.0125"]
            ),
        ]
        let metrics = Metric.allCases.map(\.column)
        var lines = [(["id", "precision", "batch", "feasible", "violated", "error"] + metrics).joined(separator: ",")]
        for row in rows {
            lines.append(([row.cells] + metrics.map { row.metrics[$0] ?? "1" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// sweep.json as the library writes it; the sweep's name needs escaping.
    static func writeManifest(in folder: URL, objectives: [String] = ["energy_per_token", "latency"]) throws {
        try SweepManifest(
            name: "<b>odd</b> & \"sweep\"", totalPoints: 4, keys: ["precision", "batch"], objectives: objectives,
            shard: "", sweepFile: "odd.yaml", fingerprint: nil
        ).write(directory: folder.path)
    }

    static func sweepFolder(in parent: URL) throws -> URL {
        let folder = parent.appendingPathComponent("sweep")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try pointsCSV.write(to: folder.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        try writeManifest(in: folder)
        return folder
    }

    /// Every `<tr ...>` line of a table's body, by the row's id attribute.
    static func rows(_ html: String) -> [String: String] {
        var rows: [String: String] = [:]
        for line in html.split(separator: "\n") where line.hasPrefix("<tr id=\"") {
            let id = line.dropFirst(8).prefix { $0 != "\"" }
            rows[String(id)] = String(line)
        }
        return rows
    }

    /// Fails when the page would fetch anything: an absolute or protocol-relative src or href,
    /// an external script or style sheet, a CSS import or url() of a remote file.
    static func expectSelfContained(_ html: String) throws {
        let remote = try Regex(#"(?i)(src|href|action|srcset)\s*=\s*["']?\s*([a-z][a-z0-9+.-]*:|//)"#)
        #expect(html.firstMatch(of: remote) == nil, "a src or href points outside the page")
        #expect(!html.lowercased().contains("<link"), "no linked style sheets")
        #expect(!html.lowercased().contains("<script src"), "no external scripts")
        #expect(!html.lowercased().contains("@import"), "no CSS imports")
        #expect(html.firstMatch(of: try Regex(#"(?i)url\(\s*['"]?(https?:|//)"#)) == nil, "no remote url()")
        #expect(html.components(separatedBy: "<script").count - 1 == 1, "one inline script")
    }

    @Test func evalReportEscapesNamesAndCarriesTheValuesTablesSortBy() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let model = folder.appendingPathComponent("tiny.yaml")
        try Self.tinyModel.write(to: model, atomically: true, encoding: .utf8)
        let page = folder.appendingPathComponent("tiny.html")
        let run = try joule(
            "report", "eval", model.path, "tpu-v1", "--sequence", "8", "--roofline", "ideal", "--out", page.path)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("wrote eval report to \(page.path)"))
        let html = try String(contentsOf: page, encoding: .utf8)

        // The name is text everywhere, never markup.
        #expect(!html.contains(Self.hostileName))
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;tiny&quot;&apos;s"))
        try Self.expectSelfContained(html)

        // One row per operator of the graph (`joule graph` counts 18 for this model at sequence 8).
        let rows = Self.rows(html).filter { $0.key.hasPrefix("op-") }
        #expect(rows.count == 18)
        // q_proj at batch 1, sequence 8, hidden 64: 2 x 8 x 64 x 64 = 65536 operations; at int8
        // (tpu-v1's only MAC format) it moves 8x64 + 64x64 + 8x64 = 5120 bytes once under the
        // ideal roofline: 65536 / 5120 = 12.8 operations per DRAM byte.
        let qProj = try #require(rows.values.first { $0.contains("<td>L0.q_proj</td>") })
        #expect(qProj.contains("<td class=\"num\" data-value=\"65536\">"))
        #expect(qProj.contains("<td class=\"num\" data-value=\"12.8\">"))
        // ffn_up: 2 x 8 x 256 x 64 = 262144; lm_head on the last position only: 2 x 100 x 64 = 12800.
        #expect(rows.values.contains { $0.contains("<td>L0.ffn_up</td>") && $0.contains("data-value=\"262144\"") })
        #expect(rows.values.contains { $0.contains("lm_head</td>") && $0.contains("data-value=\"12800\"") })
        // By role: three norms (attention, FFN, final) and two residual adds in the one layer.
        #expect(html.contains("<td>norm</td><td class=\"num\" data-value=\"3\">3</td>"))
        #expect(html.contains("<td>residual</td><td class=\"num\" data-value=\"2\">2</td>"))
        // Every numeric cell carries its sort value; every header is a sort control.
        for row in rows.values {
            #expect(!row.contains("<td class=\"num\">"), "numeric cell without data-value: \(row)")
        }
        #expect(html.contains("<th scope=\"col\" data-type=\"number\" data-role=\"plain\" data-key=\"energy_j\""))
        #expect(html.contains("<table class=\"sortable\" id=\"operator-table\">"))
        // The two charts are inline, each with a clip path of its own.
        #expect(html.contains("id=\"breakdown-chart-clip\"") && html.contains("url(#breakdown-chart-clip)"))
        #expect(html.contains("id=\"roofline-chart-clip\"") && html.contains("url(#roofline-chart-clip)"))
        #expect(!html.contains("plot-clip"))
        #expect(!html.contains("<?xml"))
    }

    @Test func sweepReportMarksTheFrontAndLinksEveryPointToItsRow() throws {
        let parent = try Self.folder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let sweep = try Self.sweepFolder(in: parent)
        let page = parent.appendingPathComponent("sweep.html")
        let run = try joule("report", "sweep", sweep.path, "--out", page.path)
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        try Self.expectSelfContained(html)
        #expect(!html.contains("<b>odd</b>"))
        #expect(html.contains("<h1>Joule sweep report: &lt;b&gt;odd&lt;/b&gt; &amp; &quot;sweep&quot;</h1>"))
        #expect(!html.contains("a<b&c"))
        #expect(html.contains("<td>a&lt;b&amp;c</td>"))

        let rows = Self.rows(html)
        for id in 0..<4 {
            let row = try #require(rows["point-\(id)"], "row of point \(id)")
            #expect(row.contains("data-point=\"\(id)\""))
            #expect(row.contains("data-front=\"\(id <= 1)\""), "point \(id): on the front exactly when id <= 1")
            #expect(row.contains("data-feasible=\"\(id != 3)\""))
        }
        // Sort values are the CSV's numbers, in column order after the text columns.
        #expect(rows["point-1"]?.contains("data-value=\"0.2\"") == true)
        #expect(rows["point-3"]?.contains("<td>area &lt;= 1 mm^2</td>") == true)
        // Axis and metric headers say what they are (the tooltip reads them).
        #expect(html.contains("data-role=\"axis\" data-key=\"precision\""))
        #expect(html.contains("data-role=\"metric\" data-key=\"latency_s\""))
        // Best feasible point per objective, linked to its row: energy per token 0.2 (id 1), latency 0.1 (id 0).
        #expect(html.contains("<td>energy_per_token_j</td><td class=\"num\" data-value=\"0.2\">0.2</td>"))
        #expect(html.contains("<a href=\"#point-1\">1</a>"))
        #expect(html.contains("<td>latency_s</td><td class=\"num\" data-value=\"0.1\">0.1</td>"))
        #expect(html.contains("<a href=\"#point-0\">0</a>"))
        // Every point is drawn with the id of its row; the chart can be hovered.
        #expect(html.contains("<figure class=\"chart interactive\" id=\"pareto-chart\">"))
        for id in 0..<4 { #expect(html.contains("data-id=\"\(id)\""), "point \(id) drawn") }
        // A min and a max filter per metric.
        #expect(html.contains("data-bound=\"min\" data-key=\"energy_per_token_j\""))
        #expect(html.contains("data-bound=\"max\" data-key=\"latency_s\""))
    }

    @Test func threeObjectivesGetAChartPerPairBehindAMenu() throws {
        let parent = try Self.folder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let sweep = try Self.sweepFolder(in: parent)
        try Self.writeManifest(in: sweep, objectives: ["energy_per_token", "latency", "edp"])
        let page = parent.appendingPathComponent("three.html")
        #expect(try joule("report", "sweep", sweep.path, "--out", page.path).status == 0)
        let html = try String(contentsOf: page, encoding: .utf8)
        // Pairs in objective order, latency on x: (latency, energy per token), (energy per token, edp), (latency, edp).
        #expect(
            html.contains(
                "<option value=\"pareto-chart\">energy_per_token_j vs latency_s</option>"
                    + "<option value=\"pareto-chart-2\">edp_js vs energy_per_token_j</option>"
                    + "<option value=\"pareto-chart-3\">edp_js vs latency_s</option>"))
        #expect(html.contains("<figure class=\"chart interactive\" id=\"pareto-chart\">"))
        #expect(html.contains("<figure class=\"chart interactive\" hidden id=\"pareto-chart-3\">"))
        // Axes asked for: one chart, no menu.
        #expect(try joule("report", "sweep", sweep.path, "--x", "area", "--y", "cost", "--out", page.path).status == 0)
        let one = try String(contentsOf: page, encoding: .utf8)
        #expect(!one.contains("<select"))
        #expect(one.components(separatedBy: "<figure class=\"chart interactive\"").count == 2)
    }

    @Test func perTokenObjectivesPutTimeOnXAndDecideTheFront() throws {
        let parent = try Self.folder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let sweep = try Self.sweepFolder(in: parent)
        try Self.writeManifest(in: sweep, objectives: ["energy_per_token", "time_per_token"])
        let page = parent.appendingPathComponent("per-token.html")
        #expect(try joule("report", "sweep", sweep.path, "--out", page.path).status == 0)
        let html = try String(contentsOf: page, encoding: .utf8)
        // Per token, point 1 (0.2 J, 0.075 s) beats point 0 (0.5 J, 0.1 s): the front is {1}.
        let rows = Self.rows(html)
        #expect(rows["point-0"]?.contains("data-front=\"false\"") == true)
        #expect(rows["point-1"]?.contains("data-front=\"true\"") == true)
        // Time per token on x, energy per token on y.
        #expect(html.contains("data-x=\"0.075\" data-y=\"0.2\" data-id=\"1\""))
    }

    /// `--color-by batch`: the points of batch 1 (ids 0, 2) share one colour, those of batch 4
    /// (ids 1, 3) another (3 is infeasible: hollow, its outline in the colour), with a legend
    /// entry per value; an axis not swept is refused.
    @Test func colorByGivesEachAxisValueItsColour() throws {
        let parent = try Self.folder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let sweep = try Self.sweepFolder(in: parent)
        let page = parent.appendingPathComponent("colored.html")
        let run = try joule("report", "sweep", sweep.path, "--color-by", "batch", "--out", page.path)
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        var marks: [String: (group: String, fill: String, stroke: String)] = [:]
        for match in html.matches(of: #/<circle [^>]*data-id="([0-9])" data-group="([0-9]+)"[^>]*>/#) {
            var attributes: [String: String] = [:]
            for pair in match.0.matches(of: #/ ([a-z-]+)="([^"]*)"/#) { attributes[String(pair.1)] = String(pair.2) }
            marks[String(match.1)] = (String(match.2), attributes["fill"] ?? "", attributes["stroke"] ?? "")
        }
        #expect(marks.count == 4, "\(marks)")
        #expect(
            ["0", "2"].allSatisfy { marks[$0]?.group == "1" } && ["1", "3"].allSatisfy { marks[$0]?.group == "4" })
        let batch1 = try #require(marks["0"]).fill
        let batch4 = try #require(marks["1"]).fill
        #expect(batch1.hasPrefix("#") && batch4.hasPrefix("#") && batch1 != batch4)
        #expect(marks["2"]?.fill == batch1)
        #expect(marks["3"]?.fill == "none" && marks["3"]?.stroke == batch4, "\(marks)")
        #expect(html.contains(">batch = 1<") && html.contains(">batch = 4<"))

        let bad = try joule("report", "sweep", sweep.path, "--color-by", "bach", "--out", page.path)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("no swept axis 'bach'") && bad.stderr.contains("did you mean 'batch'"))
    }

    @Test func aSweepStillRunningIsReportedWithItsCompleteLines() throws {
        let parent = try Self.folder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let sweep = try Self.sweepFolder(in: parent)
        // A row being appended: no newline yet, cut mid-cell.
        try (Self.pointsCSV + "4,int8,16,tr").write(
            to: sweep.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let page = parent.appendingPathComponent("running.html")
        let run = try joule("report", "sweep", sweep.path, "--out", page.path)
        #expect(run.status == 0, "\(run.stderr)")
        let html = try String(contentsOf: page, encoding: .utf8)
        #expect(Self.rows(html).keys.filter { $0.hasPrefix("point-") }.count == 4)
        #expect(html.contains("Line 6 of points.csv has no newline yet"))
        #expect(!html.contains("data-id=\"4\""))
    }

    @Test func badInputFailsAsEvalAndSweepDo() throws {
        let parent = try Self.folder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let out = parent.appendingPathComponent("r.html").path

        let missing = parent.appendingPathComponent("no-such-sweep").path
        let noFolder = try joule("report", "sweep", missing, "--out", out)
        #expect(noFolder.status == 65)
        #expect(noFolder.stderr.hasPrefix("\(missing): error: no such folder"))

        let empty = parent.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let noPoints = try joule("report", "sweep", empty.path, "--out", out)
        #expect(noPoints.status == 65)
        #expect(noPoints.stderr.contains("the folder holds no points.csv"))

        // A row with a cell too many: reported at its line and column, as `joule plot pareto` does.
        let broken = parent.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        let lines = Self.pointsCSV.split(separator: "\n", omittingEmptySubsequences: false)
        let text = lines.enumerated().map { $0.offset == 2 ? $0.element + ",9" : String($0.element) }
        try text.joined(separator: "\n").write(
            to: broken.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let malformed = try joule("report", "sweep", broken.path, "--out", out)
        #expect(malformed.status == 65)
        #expect(malformed.stderr.contains("points.csv:3:"), "\(malformed.stderr)")

        let model = try joule("report", "eval", "no-such-model", "tpu-v1", "--out", out)
        let eval = try joule("eval", "no-such-model", "tpu-v1")
        #expect(model.status == 65)
        #expect(model.stderr == eval.stderr)

        let noOut = try joule("report", "eval", "gpt2", "tpu-v1")
        #expect(noOut.status == 64)
        #expect(noOut.stderr.contains("--out"))
        let kind = try joule("report", "evl", "gpt2", "tpu-v1", "--out", out)
        #expect(kind.status == 64)
        #expect(kind.stderr.contains("did you mean 'eval'"))
        let axis = try joule("report", "sweep", try Self.sweepFolder(in: parent).path, "--x", "latncy", "--out", out)
        #expect(axis.status == 64)
        #expect(axis.stderr.contains("no column 'latncy'"))
        #expect(!FileManager.default.fileExists(atPath: out), "nothing written after a failure")
    }
}
