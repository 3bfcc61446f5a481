import Foundation
import JouleEval
import JouleSpec
import JouleSystem
import YAML

/// `joule fit MODEL HARDWARE|CLUSTER`: the largest batch (or context) that fits in device memory.
enum FitCommand {
    static let usage =
        "usage: joule fit MODEL HARDWARE|CLUSTER [--for batch|context] [--tp N] [--pp N] [--dp N] [--ep N] [--cp N] [--sp] [--zero 0-3] [--recompute none|selective|full] [graph options] [--format table|json]"

    static let help = """
        \(usage)

        Finds the largest batch (default) or context (--for context) whose per-device footprint
        (weights, KV cache, activations, and in training gradients and optimizer state) fits
        the device's off-chip memory under the plan, and prints the footprint there and one
        step past it. The other dimension comes from --batch, --context or --sequence.

        \(SystemArguments.optionHelp)

        examples:
          joule fit llama-3.1-70b dgx-h100 --tp 8 --phase decode --context 8192
          joule fit llama-2-7b h100-sxm --phase decode --batch 16 --for context
          joule fit llama-2-7b dgx-a100 --dp 8 --phase training --sequence 2048 --zero 3
        """

    static let valued = GraphCommand.valued.union(SystemArguments.planOptions).union(["for"])

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: SystemArguments.planFlags, usage: usage)
        let format = try arguments.format(allowed: ["table", "json"], usage: usage)
        guard arguments.positionals.count == 2 else {
            throw .usage("name a model and a hardware or cluster, e.g. llama-3.1-70b dgx-h100", usage: usage)
        }
        let axisText = arguments.options["for"] ?? "batch"
        guard let axis = FitSearch.Axis(rawValue: axisText) else {
            throw .usage("--for takes batch or context, found '\(axisText)'", usage: usage)
        }
        let model: ModelConfig
        do {
            model = try ModelConfig.load(arguments.positionals[0])
        } catch {
            throw .data(error)
        }
        let cluster = try SystemArguments.cluster(arguments.positionals[1])
        let plan = try SystemArguments.plan(arguments, usage: usage)
        var templateArguments = arguments
        if axis == .batch, templateArguments.options["batch"] == nil {
            templateArguments.options["batch"] = String(plan.data * (plan.microbatches ?? 1))
        }
        let graph = try ClusterEvalCommand.template(model: model, cluster: cluster, templateArguments, usage: usage)
        let evaluator = try EvalCommand.evaluator(arguments, hardware: cluster.device)
        let search = FitSearch(system: SystemEvaluator(cluster: cluster, plan: plan, evaluator: evaluator))
        let answer: FitSearch.Answer
        do {
            answer = try search.largest(
                axis, model: model, phase: graph.phase, precision: graph.precision, options: graph.options)
        } catch {
            throw SystemArguments.error(error, cluster: arguments.positionals[1], usage: usage)
        }
        let subject = "\(model.name) on \(cluster.name) (\(plan)), \(graph.phase.name), \(graph.precision)"
        if format == "json" {
            var object: [String: Any] = [
                "model": model.name, "cluster": cluster.name, "phase": graph.phase.name, "axis": axis.rawValue,
                "footprint": SystemReport.footprintObject(answer.footprint),
            ]
            object["largest"] = answer.largest.map { $0 as Any } ?? NSNull()
            if let next = answer.next { object["next"] = SystemReport.footprintObject(next) }
            return JSONOutput.render(object)
        }
        guard let largest = answer.largest else {
            return
                "\(subject)\nnothing fits: at the smallest \(axis.rawValue), \(answer.footprint.overflowMessage ?? "")"
        }
        var lines = [subject, "largest \(axis.rawValue) that fits: \(largest)"]
        lines.append("  at \(largest): " + SystemReport.footprintLine(answer.footprint))
        if let next = answer.next {
            lines.append(
                "  at \(largest + answer.step): " + (next.overflowMessage ?? SystemReport.footprintLine(next)))
        }
        return lines.joined(separator: "\n")
    }
}
