import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import YAML

/// `joule dvfs MODEL HARDWARE`: the energy-time curve over operating points and the point each rule picks.
enum DVFSCommand {
    static let usage =
        "usage: joule dvfs MODEL HARDWARE [graph options] [--points N] [--eta E] [--max-slowdown S] [--power-limit W[,W...]] [--roofline ideal|mapped] [--format table|json|csv]"

    static let help = """
        \(usage)

        Evaluates a workload at every operating point of the hardware (or, with --points N, or
        when the file lists only its nominal point, at N points from 50% to 100% of the clock,
        each at the lowest voltage the alpha-power law allows; the lowest is the file's
        clock_range min when it gives one) and prints time, energy, average power and the bound
        at each, marking: the minimum-energy point, the minimum-time point, the minimum of Zeus's
        cost eta x energy + (1 - eta) x max power x time (the highest power limit the device
        accepts, else its TDP), the lowest-energy point within --max-slowdown of the fastest, and
        the fastest point under each --power-limit. Each power limit also gets a row of its own:
        where the clock settles when the driver enforces the cap (the clock lowered along the
        voltage-frequency curve until the predicted power fits).
        Memory-bound decode barely slows at lower clocks; compute-bound prefill slows in proportion.

          --eta           weight of energy in the cost (default 0.5)
          --max-slowdown  allowed slowdown over the fastest point (default 1.1)
          --power-limit   power caps, e.g. 300 W or 200W,300W,500W,700W (an axis)
          --format        table (default), json, or csv: one row per point in SI units
                          (frequency_hz, voltage_v, latency_s, slowdown, energy_j,
                          energy_vs_min, average_power_w, bound, cost, choices)

        examples:
          joule dvfs llama-2-7b h100-sxm --phase decode --batch 8 --context 2048
          joule dvfs llama-2-7b h100-sxm --phase prefill --sequence 2048 --power-limit 300W,400W,700W
        """

    static let valued = EvalCommand.valued.union(["points", "eta", "max-slowdown", "power-limit"])

    /// Parses the options and runs the analysis (shared with `joule plot dvfs`).
    static func analysis(_ arguments: Arguments, usage: String) throws(CommandLineError) -> (
        DVFSAnalysis, Graph, Accelerator, [PowerCap.Settled]
    ) {
        let limits = try EvalCommand.powerLimits(arguments, several: true, usage: usage)
        let (model, hardware) = try WorkloadArguments.load(arguments, usage: usage)
        let graph = try WorkloadArguments.graph(model: model, hardware: hardware, arguments, usage: usage)
        var points: [OperatingPoint]?
        if let text = arguments.options["points"] {
            guard let count = Int(text), count >= 2, count <= DVFSAnalysis.maximumPoints else {
                throw .usage(
                    "--points takes a count from 2 to \(DVFSAnalysis.maximumPoints) (each is a whole evaluation), found '\(text)'",
                    usage: usage)
            }
            points = hardware.synthesisedOperatingPoints(count: count)
        } else if hardware.operatingPoints.count == 1 {
            points = hardware.synthesisedOperatingPoints(count: 6)
        }
        let evaluator = try EvalCommand.evaluator(arguments, hardware: hardware)
        // Caps first: a cap that cannot be met is an error, not a table without its row.
        var caps: [PowerCap.Settled] = []
        for limit in limits {
            caps.append(
                try EvalCommand.settle(
                    limit: limit, graph: graph, evaluator: evaluator, hardwareArgument: arguments.positionals[1]))
        }
        do {
            let analysis = try DVFSAnalysis.analyze(
                graph: graph, hardware: hardware, points: points, mode: evaluator.mode, objective: evaluator.objective,
                cache: evaluator.cache)
            return (analysis, graph, hardware, caps)
        } catch {
            throw .data(WorkloadArguments.diagnostic(error, hardware: arguments.positionals[1]))
        }
    }

    static func number(_ name: String, _ arguments: Arguments, default value: Double) throws(CommandLineError) -> Double
    {
        guard let text = arguments.options[name] else { return value }
        guard let number = Double(text), number >= 0 else {
            throw .usage("--\(name) takes a number, found '\(text)'", usage: usage)
        }
        return number
    }

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: [], usage: usage)
        let format = try arguments.format(allowed: ["table", "json", "csv"], usage: usage)
        let eta = try number("eta", arguments, default: 0.5)
        guard eta <= 1 else { throw .usage("--eta lies in [0, 1]", usage: usage) }
        let slowdown = try number("max-slowdown", arguments, default: 1.1)
        let (analysis, graph, hardware, caps) = try self.analysis(arguments, usage: usage)
        let report = DVFSReport(
            analysis: analysis, graph: graph, hardwareName: hardware.name, eta: eta, maxSlowdown: slowdown,
            caps: caps)
        switch format {
        case "json": return report.json()
        case "csv": return report.csv()
        default: return report.table()
        }
    }
}
