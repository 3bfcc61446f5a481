import Foundation
import JouleEval
import JouleSpec
import JouleSystem
import YAML

/// The `MODEL HARDWARE|CLUSTER` positionals and parallel-plan options of `eval` on a cluster and `fit`.
enum SystemArguments {
    static let planOptions: Set<String> = [
        "tp", "pp", "dp", "ep", "cp", "virtual-stages", "microbatches", "zero", "recompute", "collective",
    ]
    static let planFlags: Set<String> = ["sp", "overlap", "allow-overflow"]

    static let optionHelp = """
          --tp N            tensor parallelism (Megatron column/row split of heads and FFN)
          --pp N            pipeline stages (consecutive layers per stage)
          --dp N            data-parallel replicas (the batch is split)
          --ep N            expert parallelism for MoE models (experts split over the DP ranks)
          --cp N            context parallelism: each sequence split over N devices (ring attention;
                            in decode the KV cache split, partial attention outputs combined)
          --sp              Megatron sequence parallelism (all-reduce -> reduce-scatter + all-gather)
          --virtual-stages V
                            interleaved 1F1B: V chunks of layers per pipeline device
          --microbatches M  microbatches through the pipeline (default: PP when it divides the batch)
          --zero 0|1|2|3    ZeRO stage for training (shards optimizer, gradients, parameters over DP)
          --recompute R     activation recomputation in training: none, selective (core attention) or full
          --collective A    ring, tree or auto (default: the faster per message)
          --overlap         communication overlaps computation (default: it does not)
          --allow-overflow  evaluate a plan whose footprint overflows device memory
        """

    /// Whether the words ask for a system evaluation: a cluster named, or a plan option given.
    static func applies(_ words: [String]) -> Bool {
        if words.contains(where: { word in
            planOptions.union(planFlags).contains { word == "--\($0)" || word.hasPrefix("--\($0)=") }
        }) {
            return true
        }
        // The real positionals, with option values set aside (an unknown option is left for
        // `eval` to report).
        guard words.first != "op",
            let arguments = try? Arguments(
                words, valued: ClusterEvalCommand.valued, flags: planFlags.union(["per-op"]), usage: "")
        else { return false }
        return arguments.positionals.count >= 2 && Cluster.isCluster(arguments.positionals[1])
    }

    /// The cluster a name refers to: a cluster file, or one accelerator on its own.
    static func cluster(_ name: String) throws(CommandLineError) -> Cluster {
        do {
            if Cluster.isCluster(name) { return try Cluster.load(name) }
            return Cluster.single(try Accelerator.load(name))
        } catch {
            throw .data(error)
        }
    }

    /// The plan the options give.
    static func plan(_ arguments: Arguments, usage: String) throws(CommandLineError) -> ParallelPlan {
        var plan = ParallelPlan()
        plan.tensor = try GraphCommand.positive("tp", arguments, usage: usage) ?? 1
        plan.pipeline = try GraphCommand.positive("pp", arguments, usage: usage) ?? 1
        plan.data = try GraphCommand.positive("dp", arguments, usage: usage) ?? 1
        plan.expert = try GraphCommand.positive("ep", arguments, usage: usage) ?? 1
        plan.context = try GraphCommand.positive("cp", arguments, usage: usage) ?? 1
        plan.virtualStages = try GraphCommand.positive("virtual-stages", arguments, usage: usage) ?? 1
        plan.microbatches = try GraphCommand.positive("microbatches", arguments, usage: usage)
        plan.sequence = arguments.flags.contains("sp")
        plan.overlap = arguments.flags.contains("overlap")
        if let text = arguments.options["zero"] {
            guard let stage = Int(text).flatMap(ParallelPlan.ZeRO.init(rawValue:)) else {
                throw .usage("--zero takes 0, 1, 2 or 3, found '\(text)'", usage: usage)
            }
            plan.zero = stage
        }
        if let text = arguments.options["recompute"] {
            guard let recompute = ParallelPlan.Recompute(rawValue: text) else {
                throw .usage(
                    "--recompute takes none, selective or full, found '\(text)'; \(Suggestion.hint(for: text, among: ParallelPlan.Recompute.allCases.map(\.rawValue)))",
                    usage: usage)
            }
            plan.recompute = recompute
        }
        if let text = arguments.options["collective"] {
            guard let algorithm = CollectiveAlgorithm(rawValue: text) else {
                throw .usage(
                    "unknown collective algorithm '\(text)'; \(Suggestion.hint(for: text, among: CollectiveAlgorithm.allCases.map(\.rawValue)))",
                    usage: usage)
            }
            plan.algorithm = algorithm
        }
        return plan
    }

    /// A system error as a command-line error: plans and graphs are usage errors (exit 64),
    /// evaluation failures are data errors (exit 65).
    static func error(_ error: SystemError, cluster: String, usage: String) -> CommandLineError {
        switch error {
        case .plan(let plan): return .data(Diagnostics([Diagnostic(path: cluster, mark: nil, message: plan.message)]))
        case .graph(let graph): return .usage(graph.message, usage: usage)
        case .evaluation(let evaluation):
            return .data(Diagnostics([Diagnostic(path: cluster, mark: nil, message: evaluation.message)]))
        }
    }
}
