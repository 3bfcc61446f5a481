import Foundation
import JouleEval
import JouleSpec
import JouleSystem
import YAML

/// `joule eval MODEL CLUSTER --tp N ...`: a model on many devices under a parallel plan.
enum ClusterEvalCommand {
    static let usage =
        "usage: joule eval MODEL CLUSTER|HARDWARE [--tp N] [--pp N] [--dp N] [--ep N] [--cp N] [--sp] [--virtual-stages V] [--microbatches M] [--zero 0-3] [--recompute none|selective|full] [--collective ring|tree|auto] [--overlap] [--allow-overflow] [graph and eval options] [--format table|json]"

    static let help = """
        \(usage)

        Splits the model over a cluster's devices (Clusters/, or one HARDWARE on its own),
        evaluates one device's share, places the collectives on the interconnect and prints
        the step time, energy per step and per token, communication, pipeline bubble, and each
        device's memory footprint. A plan whose footprint overflows device memory is an error
        (exit 65) unless --allow-overflow is given.

        \(SystemArguments.optionHelp)

        examples:
          joule eval llama-3.1-70b dgx-h100 --tp 8 --phase decode --batch 64 --context 4096
          joule eval llama-3.1-70b dgx-h100-2x8-ndr --tp 8 --pp 2 --phase prefill --batch 8
          joule eval llama-2-7b dgx-a100 --dp 8 --phase training --batch 64 --sequence 2048 --zero 1
          joule eval llama-3.1-70b dgx-h100 --tp 8 --speculative llama-3-8b --acceptance 0.7 --batch 16 --context 2048
          joule eval llama-3.1-70b dgx-h100-2x8-ndr --tp 8 --cp 2 --phase prefill --batch 1 --sequence 32768
          joule eval llama-2-7b dgx-h100 --tp 8 --sp --recompute selective --phase training --batch 8 --sequence 4096
        """

    static let valued = EvalCommand.valued.union(SystemArguments.planOptions)

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        var arguments = try Arguments(
            words, valued: valued, flags: SystemArguments.planFlags.union(["per-op"]), usage: usage)
        let speculative = arguments.options["speculative"] != nil
        if speculative, arguments.options["phase"] == nil { arguments.options["phase"] = "decode" }
        for option in ["draft-tokens", "acceptance"] where !speculative && arguments.options[option] != nil {
            throw .usage("--\(option) applies with --speculative DRAFT", usage: usage)
        }
        let format = try arguments.format(allowed: ["table", "json"], usage: usage)
        guard arguments.positionals.count == 2 else {
            throw .usage("name a model and a cluster, e.g. llama-3.1-70b dgx-h100", usage: usage)
        }
        let model: ModelConfig
        do {
            model = try ModelConfig.load(arguments.positionals[0])
        } catch {
            throw .data(error)
        }
        let cluster = try SystemArguments.cluster(arguments.positionals[1])
        let plan = try SystemArguments.plan(arguments, usage: usage)
        let graph = try template(model: model, cluster: cluster, arguments, usage: usage)
        let evaluator = try EvalCommand.evaluator(arguments, hardware: cluster.device)
        let system = SystemEvaluator(cluster: cluster, plan: plan, evaluator: evaluator)
        if speculative {
            return try runSpeculative(arguments, model: model, system: system, graph: graph, format: format)
        }
        let footprint: MemoryFootprint
        do {
            footprint = try system.footprint(
                model: model, phase: graph.phase, precision: graph.precision, options: graph.options)
        } catch {
            throw SystemArguments.error(error, cluster: arguments.positionals[1], usage: usage)
        }
        if let message = footprint.overflowMessage {
            if !arguments.flags.contains("allow-overflow") {
                throw .data(
                    Diagnostics([
                        Diagnostic(
                            path: arguments.positionals[1], mark: nil, message: message,
                            hint:
                                "spread the model over more devices (--tp, --pp), shrink the batch or context, use a smaller precision, or pass --allow-overflow"
                        )
                    ]))
            }
            FileHandle.standardError.write(Data("joule: warning: \(message)\n".utf8))
        }
        let evaluation: SystemEvaluation
        do {
            evaluation = try system.evaluate(
                model: model, phase: graph.phase, precision: graph.precision, options: graph.options)
        } catch {
            throw SystemArguments.error(error, cluster: arguments.positionals[1], usage: usage)
        }
        let report = SystemReport(evaluation: evaluation, model: model)
        return format == "json" ? JSONOutput.render(report.object()) : report.table()
    }

    /// The whole model's graph for the options (global batch): it validates the graph options
    /// and carries the phase, precision and options the plan splits, with `--fusion auto`
    /// unless a fusion is given, as on one device and in sweeps. Warnings go to stderr.
    static func template(model: ModelConfig, cluster: Cluster, _ arguments: Arguments, usage: String)
        throws(CommandLineError) -> Graph
    {
        var graphArguments = arguments
        graphArguments.positionals = [arguments.positionals[0]]
        if graphArguments.options["precision"] == nil {
            graphArguments.options["precision"] = PrecisionConfig.default(for: cluster.device).description
        }
        graphArguments.options["fusion"] = GraphOptions.fusionInEffect(
            arguments.options["fusion"], ideal: arguments.options["roofline"] == "ideal")
        let graph = try GraphCommand.build(model: model, graphArguments, usage: usage)
        for warning in graph.warnings { FileHandle.standardError.write(Data("joule: warning: \(warning)\n".utf8)) }
        return graph
    }
}
