import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import YAML

/// `joule plot roofline|breakdown|dvfs MODEL HARDWARE` and `joule plot pareto OUT_DIR`: SVG figures.
enum PlotCommand {
    static let usage =
        "usage: joule plot traffic MODEL HARDWARE --level NAME [traffic options] --out FILE.svg\n       joule plot roofline|breakdown|dvfs MODEL HARDWARE [graph options] [--dataflow D] [--objective O] [--operating-point N] [--roofline ideal|mapped] [--level NAME|all] --out FILE.svg\n       joule plot pareto OUT_DIR [--x METRIC] [--y METRIC] [--color-by AXIS] --out FILE.svg"

    static let help = """
        \(usage)

        Draws a figure as an SVG file (800 x 500 px, no dependencies), the way architecture
        papers show it, and prints where it went. The graph and evaluation options are those of
        `joule eval` (see `joule help eval`).

          roofline   the hierarchical roofline, one panel per memory level (--level picks
                     one): every distinct operator at its operational intensity at that level
                     (operations per byte its mapping moves to or from the level; at DRAM its
                     compulsory bytes under --roofline ideal) and attained operations per
                     second, labelled by role, under the MAC peak at the graph's MAC
                     precision, the vector unit's peak and the level's bandwidth; log-log
          breakdown  energy per operator role as stacked bars: each memory level, MAC, vector
                     and static energy
          dvfs       energy against latency at every operating point of the hardware (six
                     alpha-power-law points from the nominal one when the file lists only one),
                     each labelled with its clock, the lowest-energy and fastest points marked;
                     --phase takes a list (decode,prefill) to compare phases relative to their
                     nominal point
          traffic    the least DRAM traffic of a chain against one level's capacity, run one
                     operator at a time and fused, log-log (`joule traffic` prints it; its
                     options: --level NAME, --group attention|ffn, --from, --to, --problem FILE)
          pareto     a sweep's OUT_DIR/points.csv in two metrics (default: the sweep's first
                     two objectives, a time-like one such as latency_s or time_per_token_s on
                     x; else latency_s and energy_per_token_j), titled with the sweep's name
                     and each metric's name and unit on its axis: feasible points grey
                     (or coloured by --color-by), infeasible ones hollow, the front
                     (OUT_DIR/pareto.csv, or computed when absent) highlighted, joined by a
                     step line and labelled with point ids

          --out FILE     where to write the SVG (required)
          --x, --y       pareto axes: a column of points.csv (latency_s) or a metric (latency)
          --color-by AXIS  pareto: colour every point by the value of a swept axis
          --level NAME   roofline: one memory level's panel (default all, one panel each)

        examples:
          joule plot roofline llama-2-7b tpu-v1 --phase decode --out roofline.svg
          joule plot breakdown llama-2-7b tpu-v1 --phase decode --out breakdown.svg
          joule plot dvfs llama-2-7b h100-sxm --phase decode,prefill --out dvfs.svg
          joule plot traffic llama-2-7b h100-sxm --level SharedL1 --sequence 4096 --out traffic.svg
          joule plot pareto runs/tpu-sweep --x latency --y energy_per_token --out pareto.svg
        """

    static let valued = GraphCommand.valued.subtracting(["format"]).union([
        "dataflow", "objective", "operating-point", "roofline", "out", "level",
    ])

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        guard let kind = words.first else {
            throw .usage("name a plot: roofline, breakdown, dvfs or pareto", usage: usage)
        }
        let rest = Array(words.dropFirst())
        switch kind {
        case "roofline", "breakdown", "dvfs":
            let arguments = try Arguments(rest, valued: valued, flags: [], usage: usage)
            let out = try outPath(arguments)
            guard arguments.positionals.count == 2 else {
                throw .usage("name a model and a hardware, e.g. joule plot \(kind) llama-2-7b tpu-v1", usage: usage)
            }
            if kind != "roofline", arguments.options["level"] != nil {
                throw .usage("--level applies to plot roofline only", usage: usage)
            }
            let svg = kind == "dvfs" ? try dvfs(arguments).render() : try evaluated(kind, arguments)
            try write(svg, to: out)
            return "wrote \(kind) plot to \(out)"
        case "traffic":
            let arguments = try Arguments(
                rest, valued: TrafficCommand.valued.union(["out"]).subtracting(["format"]), flags: [], usage: usage)
            let out = try outPath(arguments)
            let (curve, title, level) = try TrafficCommand.curve(arguments, usage: usage)
            try write(TrafficPlot.chart(curve, title: title, level: level).render(), to: out)
            return "wrote traffic plot to \(out)"
        case "pareto":
            let arguments = try Arguments(rest, valued: ["out", "x", "y", "color-by"], flags: [], usage: usage)
            let out = try outPath(arguments)
            guard arguments.positionals.count == 1 else {
                throw .usage("name a sweep's output folder, e.g. joule plot pareto runs/sweep", usage: usage)
            }
            let chart = try ParetoPlot.chart(
                directory: arguments.positionals[0], x: arguments.options["x"], y: arguments.options["y"],
                colorBy: arguments.options["color-by"], usage: usage)
            try write(chart.render(), to: out)
            return "wrote pareto plot to \(out)"
        default:
            throw .usage(
                "unknown plot '\(kind)'; \(Suggestion.hint(for: kind, among: ["roofline", "breakdown", "dvfs", "traffic", "pareto"]))",
                usage: usage)
        }
    }

    static func outPath(_ arguments: Arguments) throws(CommandLineError) -> String {
        guard let out = arguments.options["out"], !out.isEmpty else {
            throw .usage("say where to write the figure, e.g. --out roofline.svg", usage: usage)
        }
        return out
    }

    /// Writes text to a file, as an I/O error (exit 74) when it cannot.
    static func write(_ text: String, to path: String) throws(CommandLineError) {
        do {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw .io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    static func load(_ arguments: Arguments) throws(CommandLineError) -> (ModelConfig, Accelerator) {
        try WorkloadArguments.load(arguments, usage: usage)
    }

    /// Builds the graph for one phase, with the default precision of the hardware.
    static func graph(model: ModelConfig, hardware: Accelerator, _ arguments: Arguments) throws(CommandLineError)
        -> Graph
    {
        try WorkloadArguments.graph(model: model, hardware: hardware, arguments, usage: usage)
    }

    /// The evaluator of `joule eval`, its errors shown with this command's usage.
    static func evaluator(_ arguments: Arguments, hardware: Accelerator) throws(CommandLineError) -> Evaluator {
        do {
            return try EvalCommand.evaluator(arguments, hardware: hardware)
        } catch {
            if case .usage(let message, _) = error { throw .usage(message, usage: usage) }
            throw error
        }
    }

    /// The roofline (every level's panel, or the one --level names) or the energy breakdown of
    /// one evaluated graph, as SVG text.
    static func evaluated(_ kind: String, _ arguments: Arguments) throws(CommandLineError) -> String {
        if let phase = arguments.options["phase"], phase.contains(",") {
            throw .usage("plot \(kind) takes one phase; only plot dvfs compares several", usage: usage)
        }
        let (model, hardware) = try load(arguments)
        let graph = try self.graph(model: model, hardware: hardware, arguments)
        let evaluator = try self.evaluator(arguments, hardware: hardware)
        let evaluation: GraphEvaluation
        do {
            evaluation = try evaluator.evaluate(graph)
        } catch {
            throw .data(WorkloadArguments.diagnostic(error, hardware: arguments.positionals[1]))
        }
        guard kind == "roofline" else { return BreakdownPlot.chart(evaluation).render() }
        guard let name = arguments.options["level"], name != "all" else {
            return SVGPanels.render(RooflinePlot.charts(evaluation))
        }
        let names = hardware.memory.map(\.name)
        guard let level = names.firstIndex(where: { $0.lowercased() == name.lowercased() }) else {
            throw .usage(
                "--level: \(hardware.name) has no memory level '\(name)'; \(Suggestion.hint(for: name, among: names + ["all"]))",
                usage: usage)
        }
        return RooflinePlot.chart(evaluation, level: level).render()
    }

    /// Energy against time over the operating points, for one phase or a comma-separated list.
    static func dvfs(_ arguments: Arguments) throws(CommandLineError) -> SVGChart {
        for option in ["operating-point", "dataflow"] where arguments.options[option] != nil {
            throw .usage("--\(option) does not apply to plot dvfs (it evaluates every operating point)", usage: usage)
        }
        let (model, hardware) = try load(arguments)
        let evaluator = try self.evaluator(arguments, hardware: hardware)
        let phases = (arguments.options["phase"] ?? "prefill").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard !phases.isEmpty, Set(phases).count == phases.count else {
            throw .usage("--phase takes one phase or a list of different ones, e.g. decode,prefill", usage: usage)
        }
        let synthesised = hardware.operatingPoints.count < 2
        let points =
            synthesised
            ? hardware.synthesisedOperatingPoints(count: 6)
            : hardware.operatingPoints
        let cache = MapperCache()
        var series: [DVFSPlot.Series] = []
        var precision = ""
        for phase in phases {
            var phaseArguments = arguments
            phaseArguments.options["phase"] = phase
            if phases.count > 1 {
                // --context belongs to decode and --sequence to prefill and training.
                phaseArguments.options[phase == "decode" ? "sequence" : "context"] = nil
            }
            let graph = try self.graph(model: model, hardware: hardware, phaseArguments)
            precision = graph.precision.description
            do {
                let analysis = try DVFSAnalysis.analyze(
                    graph: graph, hardware: hardware, points: points, mode: evaluator.mode,
                    objective: evaluator.objective, cache: cache)
                series.append(DVFSPlot.Series(label: graph.phase.description, analysis: analysis))
            } catch {
                throw .data(
                    WorkloadArguments.diagnostic(error, hardware: arguments.positionals[1]))
            }
        }
        let nominal = points[0]
        let origin =
            synthesised
            ? "\(points.count) operating points by the alpha-power law from \(nominal.frequency) at \(nominal.voltage)"
            : "\(points.count) operating points of \(hardware.name)"
        return DVFSPlot.chart(
            title: "Energy vs time over DVFS points: \(model.name) on \(hardware.name)",
            subtitle:
                "\(phases.count == 1 ? (series.first?.label ?? "") + " · " : "")\(precision) · \(evaluator.mode.rawValue) traffic · \(origin)",
            series: series)
    }
}
