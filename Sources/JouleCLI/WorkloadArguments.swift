import Foundation
import JouleEval
import JouleSpec
import YAML

/// The `MODEL HARDWARE` positionals and graph options that `eval`, `dvfs` and `plot` share.
enum WorkloadArguments {
    /// Loads the model and hardware the first two positionals name.
    static func load(_ arguments: Arguments, usage: String) throws(CommandLineError) -> (ModelConfig, Accelerator) {
        guard arguments.positionals.count == 2 else {
            throw .usage("name a model and a hardware, e.g. llama-2-7b tpu-v1", usage: usage)
        }
        do {
            return (try ModelConfig.load(arguments.positionals[0]), try Accelerator.load(arguments.positionals[1]))
        } catch {
            throw .data(error)
        }
    }

    /// The graph the options ask for, at the hardware's default precision unless one is given,
    /// with `--fusion auto` unless a fusion is given (README "Fusion"); warnings go to stderr.
    static func graph(model: ModelConfig, hardware: Accelerator, _ arguments: Arguments, usage: String)
        throws(CommandLineError) -> Graph
    {
        var graphArguments = arguments
        graphArguments.positionals = Array(arguments.positionals.prefix(1))
        if graphArguments.options["precision"] == nil {
            graphArguments.options["precision"] = PrecisionConfig.default(for: hardware).description
        }
        var graph = try GraphCommand.build(model: model, graphArguments, usage: usage, defaultFusion: "auto")
        if let warning = graph.memoryFitWarning(on: hardware) { graph.warnings.append(warning) }
        graph.warnings += graph.sparsityWarnings(on: hardware)
        for warning in graph.warnings { FileHandle.standardError.write(Data("joule: warning: \(warning)\n".utf8)) }
        return graph
    }

    /// An evaluation that failed, as a diagnostic: at the `size:` (else the entry) of the memory
    /// level it is about in the hardware file, or at the file as a whole when it names no level.
    static func diagnostic(_ error: Evaluator.EvaluationError, hardware argument: String) -> Diagnostics {
        var mark: SourceMark?
        var sourceLine: String?
        var path = argument
        if let level = error.level, let resolved = Catalog.standard().resolve(argument, shelf: .hardware),
            let text = try? Catalog.readText(resolved), let root = try? YAMLParser().parse(text, path: resolved),
            let entry = root["memory"]?.items?.dropFirst(level).first
        {
            path = resolved
            mark = (entry["size"] ?? entry).mark
            sourceLine = mark.flatMap { SourceLines(text).line($0.line) }
        }
        return Diagnostics([Diagnostic(path: path, mark: mark, message: error.message, sourceLine: sourceLine)])
    }
}
