import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import YAML

/// `joule report eval MODEL HARDWARE ... --out FILE.html` and `joule report sweep DIR --out
/// FILE.html`: one self-contained HTML page to read in a browser.
enum ReportCommand {
    static let usage =
        "usage: joule report eval MODEL HARDWARE [graph options] [--dataflow D] [--objective O] [--operating-point N] [--roofline ideal|mapped] --out FILE.html\n       joule report sweep DIR [--x METRIC] [--y METRIC] [--color-by AXIS] --out FILE.html"

    static let help = """
        \(usage)

        Writes one HTML file that needs nothing else: no network, no external scripts or
        styles; the charts are inline SVG and a little hand-written JavaScript sorts and filters.

          eval    an evaluation (the options of `joule eval`, see `joule help eval`): the
                  summary (latency, energy, energy per token, power, bound), the energy by
                  operator role as stacked bars and by level, operand and kind, the hierarchical
                  roofline, and every operator in a table that sorts by any column (click a
                  header) and filters by name and by share of time or energy
          sweep   a sweep's output folder (points.csv, pareto.csv, sweep.json): counts, the best
                  point per objective, the Pareto chart (rest the pointer on a point for its
                  design and metrics, click it to go to its row), and every point in a sortable
                  table; min/max filters per metric, feasible-only and front-only hide rows and
                  their points

          --out FILE     where to write the page (required)
          --x, --y       the Pareto chart's axes: a column of points.csv (latency_s) or a metric
                         (latency); default: the sweep's first two objectives, a time-like one
                         on x, and with three or more objectives a chart per pair to switch
                         between
          --color-by AXIS  sweep: colour every chart point by the value of a swept axis, as
                         `joule plot pareto --color-by` does

        examples:
          joule report eval llama-2-7b tpu-v1 --phase decode --context 1024 --out llama.html
          joule report sweep out/llama-decode-precision-batch --out sweep.html
        """

    static let valued = PlotCommand.valued

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        guard let kind = words.first else {
            throw .usage("name what to report: eval or sweep", usage: usage)
        }
        let rest = Array(words.dropFirst())
        let html: String
        let out: String
        switch kind {
        case "eval":
            let arguments = try Arguments(rest, valued: valued, flags: [], usage: usage)
            out = try outPath(arguments)
            guard arguments.positionals.count == 2 else {
                throw .usage("name a model and a hardware, e.g. joule report eval llama-2-7b tpu-v1", usage: usage)
            }
            let evaluation = try evaluate(arguments)
            html = EvalReportPage(evaluation: evaluation, command: commandLine(words)).page().render()
        case "sweep":
            let arguments = try Arguments(rest, valued: ["out", "x", "y", "color-by"], flags: [], usage: usage)
            out = try outPath(arguments)
            guard arguments.positionals.count == 1 else {
                throw .usage("name a sweep's output folder, e.g. joule report sweep out/llama", usage: usage)
            }
            let folder = try SweepFolder.read(arguments.positionals[0])
            let colorBy = arguments.options["color-by"]
            try ParetoPlot.checkColorBy(colorBy, in: folder.points, usage: usage)
            var pairs = [try axes(folder, x: arguments.options["x"], y: arguments.options["y"])]
            if arguments.options["x"] == nil && arguments.options["y"] == nil {
                pairs += objectivePairs(folder).filter { $0 != pairs[0] }
            }
            html = SweepReportPage(folder: folder, axes: pairs, command: commandLine(words), colorBy: colorBy).page()
                .render()
        default:
            throw .usage(
                "unknown report '\(kind)'; \(Suggestion.hint(for: kind, among: ["eval", "sweep"]))", usage: usage)
        }
        try PlotCommand.write(html, to: out)
        return "wrote \(kind) report to \(out)"
    }

    /// `joule report ...` as typed, for the page's heading.
    static func commandLine(_ words: [String]) -> String {
        (["joule", "report"] + words).map { word in
            word.isEmpty || word.contains(where: { " \"'$\\".contains($0) }) ? "'" + word + "'" : word
        }.joined(separator: " ")
    }

    static func outPath(_ arguments: Arguments) throws(CommandLineError) -> String {
        guard let out = arguments.options["out"], !out.isEmpty else {
            throw .usage("say where to write the page, e.g. --out report.html", usage: usage)
        }
        return out
    }

    /// The evaluation `joule eval` would print for the same words.
    static func evaluate(_ arguments: Arguments) throws(CommandLineError) -> GraphEvaluation {
        if let phase = arguments.options["phase"], phase.contains(",") {
            throw .usage("report eval takes one phase", usage: usage)
        }
        let (model, hardware) = try WorkloadArguments.load(arguments, usage: usage)
        let graph = try WorkloadArguments.graph(model: model, hardware: hardware, arguments, usage: usage)
        let evaluator: Evaluator
        do {
            evaluator = try EvalCommand.evaluator(arguments, hardware: hardware)
        } catch {
            if case .usage(let message, _) = error { throw .usage(message, usage: usage) }
            throw error
        }
        do {
            return try evaluator.evaluate(graph)
        } catch {
            throw .data(WorkloadArguments.diagnostic(error, hardware: arguments.positionals[1]))
        }
    }

    /// Every pair of the sweep's objectives (three or more), a time-like one on x: the other
    /// charts a reader can switch to.
    static func objectivePairs(_ folder: SweepFolder) -> [(String, String)] {
        let columns = folder.objectives.map(\.column).filter { folder.points.header.contains($0) }
        guard columns.count >= 3 else { return [] }
        var pairs: [(String, String)] = []
        for i in columns.indices {
            for j in columns.indices where j > i {
                pairs.append(ParetoPlot.ordered(columns[i], columns[j]))
            }
        }
        return pairs
    }

    /// The Pareto chart's columns: those asked for, else the sweep's first two objectives with a
    /// time-like one on x (as `pareto.svg`), else latency and energy per token.
    static func axes(_ folder: SweepFolder, x: String?, y: String?) throws(CommandLineError) -> (String, String) {
        let table = folder.points
        func resolve(_ name: String, flag: String) throws(CommandLineError) -> String {
            guard let column = ParetoPlot.column(for: name, in: table) else {
                let choices = table.header.filter { $0 != "id" }
                throw .usage(
                    "--\(flag): no column '\(name)' in \(table.path); \(Suggestion.hint(for: name, among: choices))",
                    usage: usage)
            }
            return column
        }
        let defaults = ParetoPlot.defaultColumns(table, objectives: folder.objectives.map(\.rawValue))
        let xColumn = try x.map { name throws(CommandLineError) in try resolve(name, flag: "x") } ?? defaults?.0
        var yDefault = defaults?.1
        if yDefault == xColumn { yDefault = ParetoPlot.metricColumns(table).first { $0 != xColumn } }
        let yColumn = try y.map { name throws(CommandLineError) in try resolve(name, flag: "y") } ?? yDefault
        guard let xColumn, let yColumn else {
            throw .data(
                Diagnostics([
                    Diagnostic(
                        path: table.path, mark: SourceMark(line: 1, column: 1),
                        message: "the header names fewer than two metric columns to plot")
                ]))
        }
        return (xColumn, yColumn)
    }
}
