import Foundation
import JouleSpec
import YAML

/// `joule graph MODEL`: a model's operator graph for a phase, with parameter, FLOP and byte totals.
enum GraphCommand {
    static let usage =
        "usage: joule graph MODEL [--phase prefill|decode|training] [--batch B] [--sequence S | --context C] [--precision P] [--attention causal|full] [--logits last|all] [--fusion off|auto|on|attention,ffn,epilogues] [--expert-shares S1,S2,...] [--expert-capacity F] [--source S] [--sparsity N:M] [--activation-density D] [--per-op] [--format table|json|csv]"

    static let help = """
        \(usage)

        Builds the operator graph of a transformer for a phase and prints its parameters (total
        and active), FLOPs (2 per MAC, plus vector operations), bytes of weights, activations and
        KV cache, and a table by operator role (count, shape B x M x N x K, FLOPs, bytes).
        MODEL is a name from Models/, a model .yaml, or a Hugging Face config.json (or its folder).

          --phase       prefill (default), decode (one new token per sequence), training
          --batch       sequences (or images) per step, default 1
          --sequence    prompt tokens for prefill/training, default min(2048, max positions)
          --context     tokens in the KV cache for decode, default min(2048, max positions)
          --precision   bf16 (default), fp32, fp16, fp8, w8a8, w4a16, w8a16, int8, or a mix
                        such as weights=int4,activations=fp16,kv=fp8
          --attention   causal (default for decoders) or full (count the whole score matrix)
          --logits      last (default: the last token of each sequence) or all
          --fusion      off (the default here; eval, plot, dvfs, report and traffic default to auto);
                        auto (a mapped evaluation fuses each attention and FFN chain where that
                        pays, README "Fusion"); on (every group); or a comma-separated list of
                        attention (FlashAttention), ffn (gate/up, activation, down), epilogues, or role
                        chains such as attn_score>softmax>attn_context
          --expert-shares    MoE: each routed expert's share of the token-expert pairs, one per
                             expert, summing to 1 (replaces the model file's moe.load)
          --expert-capacity  MoE: capacity factor; every expert's batch is padded to
                             ceil(F x pairs / experts) rows and pairs past it are dropped
          --source      encoder-decoder decode: source tokens the cross-attention reads
                        (default: the context)
          --sparsity    N:M structured sparsity of every layer's weights, e.g. 2:4 (the
                        graph marks them; eval applies them as the hardware's
                        compute.sparsity / compute.sparse_decompress allow)
          --activation-density  fraction of non-zero inputs to each FFN down-projection
                        (ReLU-family FFNs), in (0, 1]: its MACs scale by it
          --per-op      list every operator

        examples:
          joule graph llama-2-7b --phase decode --batch 64 --context 2048
          joule graph Models/hf/mistral-7b/config.json --precision w4a16
        """

    static let valued: Set<String> = [
        "phase", "batch", "sequence", "context", "precision", "attention", "logits", "fusion", "format",
        "expert-shares", "expert-capacity", "source", "sparsity", "activation-density",
    ]

    /// Parses the graph options shared by `graph` (and later `eval`).
    static func graph(_ arguments: Arguments, usage: String) throws(CommandLineError) -> Graph {
        guard arguments.positionals.count == 1 else {
            throw .usage("name one model, e.g. joule graph llama-2-7b", usage: usage)
        }
        let model: ModelConfig
        do {
            model = try ModelConfig.load(arguments.positionals[0])
        } catch {
            throw .data(error)
        }
        return try build(model: model, arguments, usage: usage)
    }

    static func positive(_ name: String, _ arguments: Arguments, usage: String) throws(CommandLineError) -> Int? {
        guard let text = arguments.options[name] else { return nil }
        guard let value = Int(text), value >= 1 else {
            throw .usage("--\(name) must be a whole number of at least 1, found '\(text)'", usage: usage)
        }
        return value
    }

    /// The graph the options ask for; `defaultFusion` applies when `--fusion` is not given.
    static func build(model: ModelConfig, _ arguments: Arguments, usage: String, defaultFusion: String = "off")
        throws(CommandLineError) -> Graph
    {
        let batch = try positive("batch", arguments, usage: usage) ?? 1
        let sequence = try positive("sequence", arguments, usage: usage)
        let context = try positive("context", arguments, usage: usage)
        let fallback = min(2048, model.maxPositions)
        let phase: Phase
        switch arguments.options["phase"] ?? "prefill" {
        case "prefill":
            if context != nil { throw .usage("--context applies to decode; prefill takes --sequence", usage: usage) }
            phase = .prefill(batch: batch, sequence: sequence ?? fallback)
        case "decode":
            if sequence != nil {
                throw .usage("--sequence applies to prefill and training; decode takes --context", usage: usage)
            }
            phase = .decode(batch: batch, context: context ?? fallback)
        case "training":
            if context != nil { throw .usage("--context applies to decode; training takes --sequence", usage: usage) }
            phase = .training(batch: batch, sequence: sequence ?? fallback)
        case let other:
            throw .usage(
                "unknown phase '\(other)'; \(Suggestion.hint(for: other, among: ["prefill", "decode", "training"]))",
                usage: usage)
        }
        var precision = PrecisionConfig.standard
        if let text = arguments.options["precision"] {
            do {
                precision = try PrecisionConfig(parsing: text)
            } catch {
                throw .usage(error.message, usage: usage)
            }
        }
        var options = GraphOptions.defaults(for: model)
        if let text = arguments.options["attention"] {
            guard let attention = GraphOptions.Attention(rawValue: text) else {
                throw .usage("unknown attention '\(text)'; expected causal or full", usage: usage)
            }
            options.attention = attention
        }
        if let text = arguments.options["logits"] {
            guard let logits = GraphOptions.Logits(rawValue: text) else {
                throw .usage("unknown logits '\(text)'; expected last or all", usage: usage)
            }
            options.logits = logits
        }
        let fusion = arguments.options["fusion"] ?? defaultFusion
        if let problem = GraphOptions.fusionProblem(fusion) { throw .usage(problem, usage: usage) }
        _ = options.setFusion(fusion)
        options.expertLoad = try expertLoad(arguments, usage: usage)
        options.sourceLength = try positive("source", arguments, usage: usage)
        if let text = arguments.options["sparsity"], text != "dense" {
            do {
                options.weightSparsity = try SparsityPattern(parsing: text)
            } catch {
                throw .usage("--sparsity: \(error.message), or dense", usage: usage)
            }
        }
        if let text = arguments.options["activation-density"] {
            guard let density = Double(text), density > 0, density <= 1 else {
                throw .usage(
                    "--activation-density takes a fraction in (0, 1] such as 0.3, found '\(text)'", usage: usage)
            }
            options.activationDensity = density
        }
        do {
            return try GraphBuilder(model: model, precision: precision, options: options).build(phase)
        } catch {
            throw .usage(error.message, usage: usage)
        }
    }

    /// `--expert-shares` and `--expert-capacity` as a load, or nil when neither is given.
    static func expertLoad(_ arguments: Arguments, usage: String) throws(CommandLineError) -> ExpertLoad? {
        let sharesText = arguments.options["expert-shares"]
        let capacityText = arguments.options["expert-capacity"]
        guard sharesText != nil || capacityText != nil else { return nil }
        var load = ExpertLoad()
        if let sharesText {
            var shares: [Double] = []
            for word in sharesText.split(separator: ",", omittingEmptySubsequences: false) {
                guard let share = Double(word.trimmingCharacters(in: .whitespaces)) else {
                    throw .usage(
                        "--expert-shares takes numbers separated by commas, found '\(word)'", usage: usage)
                }
                shares.append(share)
            }
            load.shares = shares
        }
        if let capacityText {
            guard let factor = Double(capacityText) else {
                throw .usage("--expert-capacity takes a number, found '\(capacityText)'", usage: usage)
            }
            load.capacityFactor = factor
        }
        return load
    }

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: ["per-op"], usage: usage)
        let format = try arguments.format(allowed: ["table", "json", "csv"], usage: usage)
        let graph = try self.graph(arguments, usage: usage)
        for warning in graph.warnings {
            FileHandle.standardError.write(Data("joule: warning: \(warning)\n".utf8))
        }
        let report = GraphReport(graph: graph)
        switch format {
        case "json": return report.json()
        case "csv": return report.csv(perOperator: arguments.flags.contains("per-op"))
        default: return report.table(perOperator: arguments.flags.contains("per-op"))
        }
    }
}
