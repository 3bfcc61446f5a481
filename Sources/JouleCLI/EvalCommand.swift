import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import YAML

/// `joule eval MODEL HARDWARE`: latency, energy and where it goes, per operator and in total.
enum EvalCommand {
    static let usage =
        "usage: joule eval MODEL HARDWARE [graph options] [--dataflow D] [--objective energy|latency|edp] [--operating-point N | --power-limit W] [--roofline ideal|mapped] [--peak] [--constraints FILE] [--per-op] [--format table|json|csv]\n       joule eval TARGET HARDWARE --speculative DRAFT --acceptance A [--draft-tokens K|auto] [graph options]\n       joule eval op HARDWARE --dims M=...,N=...,K=...[,B=...]|--problem FILE [--precision P] [--sparsity N:M] [--dataflow D] [--objective O] [--roofline ideal|mapped] [--mapping FILE | --constraints FILE]"

    static let help = """
        \(usage)

        Evaluates a model's graph (see `joule help graph` for --phase, --batch, --sequence,
        --context, --precision, --attention, --logits, --fusion, --expert-shares,
        --expert-capacity, --source) on an accelerator and prints latency (for decode also
        time per token, the step's latency over its batch of new tokens, and tokens/s), energy
        in J, J/token, average power and the bound; the top operators by energy and by time;
        and energy by level, by operand (weights, KV cache, inputs, outputs) and by kind (MAC,
        vector, on-chip memory, DRAM, static).

          --roofline        mapped (default): the best mapping the mapper finds for every
                            distinct GEMM shape, traffic over every level; ideal: each operand
                            moved to or from DRAM once at the compute rate (LLM-roofline style)
          --dataflow        weight_stationary, output_stationary, input_stationary, or any
          --objective       what the mapper minimises: energy (default), latency or edp
          --operating-point index into the hardware's DVFS table (0 = nominal), or a share of
                            the nominal clock such as 80% (voltage from the alpha-power law)
          --power-limit W   a power cap, as the GPU driver enforces it: the clock comes down
                            the voltage-frequency curve until the predicted average power
                            fits; the report says where it settled. A cap below the idle
                            power, outside the file's power_limits, or unreachable even at
                            the lowest clock is an error (exit 65) with the numbers
          --peak            every time efficiency in the file set to 1 (precisions'
                            efficiency, levels' bandwidth_efficiency): the datasheet peaks
                            that published LLM-roofline figures assume
          --per-op          every operator with its bound and mapping
          --precision       default: bf16, or the widest format the hardware has
          --mapping FILE    (eval op) evaluate this loop nest instead of searching; `eval op`
                            prints the mapping it chose in the same YAML form
          --constraints FILE  limit the mapper's search per level: fixed factors, innermost
                            dimensions, spatial dimensions on X/Y, keep/bypass (eval op, and
                            every GEMM of eval MODEL)
          --sparsity N:M    (eval op) an N:M sparse weight, run as the hardware runs it (on
                            sparse MACs the printed K is K x N/M)
          --problem FILE    (eval op) an einsum instead of --dims: dimensions with bounds,
                            operands with index expressions ("P*2 + R") and precisions; see
                            Examples/problems/
          --speculative DRAFT  speculative decoding (decode): DRAFT proposes k tokens, one
                            decode step each, TARGET verifies them in one step over k + 1
                            tokens; prints energy and time per accepted token, with E[tokens]
                            = (1 - a^(k+1)) / (1 - a) per verification (Leviathan et al. 2023),
                            against plain decoding, for k = 1...8 (or up to K), and marks the k
                            with the lowest energy per token
          --acceptance A    the probability that the target accepts a draft token, in [0, 1]
          --draft-tokens K  draft tokens per verification, or auto (default): the k in 1...16
                            with the lowest energy per accepted token

        examples:
          joule eval llama-2-7b tpu-v1 --phase decode --batch 8 --context 1024
          joule eval bert-base-uncased eyeriss-v1 --sequence 128 --dataflow output_stationary --per-op
          joule eval llama-2-7b a100-sxm-80gb --phase decode --context 2048 --precision fp16 --roofline ideal
          joule eval llama-2-7b a100-sxm-80gb --phase decode --context 2048 --precision fp16 --roofline ideal --peak
          joule eval llama-2-70b h100-sxm --speculative llama-2-7b --acceptance 0.8 --context 2048
          joule eval op tpu-v1 --dims M=2048,N=11008,K=4096 --precision int8
          joule eval op eyeriss-v1 --problem Examples/problems/resnet50-conv3x3.yaml
        """

    static let valued = GraphCommand.valued.union([
        "dataflow", "objective", "operating-point", "roofline", "dims", "mapping", "problem", "constraints",
        "power-limit", "speculative", "draft-tokens", "acceptance",
    ])

    /// The `--power-limit` values, in watts (a comma-separated list where `several` allows it).
    static func powerLimits(_ arguments: Arguments, several: Bool = false, usage: String) throws(CommandLineError)
        -> [Double]
    {
        guard let text = arguments.options["power-limit"] else { return [] }
        let parts = several ? text.split(separator: ",").map(String.init) : [text]
        var limits: [Double] = []
        for part in parts {
            let power: Power
            do {
                power = try Power(parsing: part.trimmingCharacters(in: .whitespaces))
            } catch {
                throw .usage("--power-limit: \(error.message(expected: [.power]))", usage: usage)
            }
            guard power.si > 0, power.si.isFinite else {
                throw .usage("--power-limit takes a positive power such as 300 W, found '\(part)'", usage: usage)
            }
            limits.append(power.si)
        }
        if limits.isEmpty { throw .usage("--power-limit takes a power such as 300 W", usage: usage) }
        return limits
    }

    /// Where a power cap settles the clock for a graph, with the evaluator's settings; a cap
    /// that cannot be met is bad data (exit 65) naming the hardware file.
    static func settle(limit: Double, graph: Graph, evaluator: Evaluator, hardwareArgument: String)
        throws(CommandLineError) -> PowerCap.Settled
    {
        let hardware = evaluator.hardware
        do {
            return try PowerCap.settle(limit: limit, hardware: hardware) {
                (point) throws(Evaluator.EvaluationError) in
                let (copy, index) = PowerCap.withPoint(point, hardware: hardware)
                var at = try Evaluator(
                    hardware: copy, mode: evaluator.mode, objective: evaluator.objective, dataflow: evaluator.dataflow,
                    operatingPoint: index, cache: evaluator.cache, tilingBudget: evaluator.tilingBudget)
                at.constraints = evaluator.constraints
                let evaluation = try at.evaluate(graph)
                return (evaluation.seconds, evaluation.energy.total)
            }
        } catch {
            if case .evaluation(let failure) = error {
                throw .data(WorkloadArguments.diagnostic(failure, hardware: hardwareArgument))
            }
            throw .data(Diagnostics([Diagnostic(path: hardwareArgument, mark: nil, message: error.description)]))
        }
    }

    /// One line on where a cap settled the clock.
    static func describe(_ settled: PowerCap.Settled) -> String {
        let limit = Power(si: settled.limit)
        let point = "\(settled.point.frequency) @ \(settled.point.voltage)"
        guard settled.throttled else {
            return
                "power limit \(limit): not reached (\(Power(si: settled.nominalPower)) at the nominal clock), the clock stays at \(point)"
        }
        return
            "power limit \(limit): the clock settles at \(point), drawing \(Power(si: settled.averagePower)) (\(Power(si: settled.nominalPower)) at the nominal clock)"
    }

    static func evaluator(_ arguments: Arguments, hardware: Accelerator) throws(CommandLineError) -> Evaluator {
        var dataflow: Dataflow?
        if let text = arguments.options["dataflow"], text != "any" {
            guard let value = Dataflow(name: text) else {
                throw .usage(
                    "unknown dataflow '\(text)'; \(Suggestion.hint(for: text, among: Dataflow.allCases.map(\.rawValue) + ["any"]))",
                    usage: usage)
            }
            dataflow = value
        }
        let objectiveText = arguments.options["objective"] ?? "energy"
        guard let objective = Objective(rawValue: objectiveText) else {
            throw .usage("unknown objective '\(objectiveText)'; expected energy, latency or edp", usage: usage)
        }
        let modeText = arguments.options["roofline"] ?? "mapped"
        guard let mode = RooflineMode(rawValue: modeText) else {
            throw .usage("unknown roofline mode '\(modeText)'; expected ideal or mapped", usage: usage)
        }
        var point = 0
        var hardware = hardware
        if let text = arguments.options["operating-point"] {
            guard let selected = hardware.selectingOperatingPoint(text) else {
                throw .usage(
                    "--operating-point takes an index below \(hardware.operatingPoints.count) or a share of the clock such as 80%, found '\(text)'",
                    usage: usage)
            }
            (hardware, point) = selected
        }
        do {
            return try Evaluator(
                hardware: hardware, mode: mode, objective: objective, dataflow: dataflow, operatingPoint: point)
        } catch {
            throw .usage(error.message, usage: usage)
        }
    }

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        if words.first == "op" { return try runOperator(Array(words.dropFirst())) }
        let arguments = try Arguments(words, valued: valued, flags: ["per-op", "peak"], usage: usage)
        if arguments.options["mapping"] != nil {
            throw .usage(
                "--mapping pins the loop nest of one operator, not of a whole model; use joule eval op HARDWARE --dims M=...,N=...,K=... --mapping FILE",
                usage: usage)
        }
        let format = try arguments.format(allowed: ["table", "json", "csv"], usage: usage)
        let (model, loaded) = try WorkloadArguments.load(arguments, usage: usage)
        let peak = arguments.flags.contains("peak")
        let hardware = peak ? loaded.atPeak : loaded
        if arguments.options["speculative"] != nil {
            if arguments.options["constraints"] != nil {
                throw .usage("--constraints applies to a single evaluation, not to --speculative", usage: usage)
            }
            if arguments.options["power-limit"] != nil {
                throw .usage("--power-limit applies to a single evaluation, not to --speculative", usage: usage)
            }
            return try runSpeculative(arguments, model: model, hardware: hardware, format: format)
        }
        for option in ["draft-tokens", "acceptance"] where arguments.options[option] != nil {
            throw .usage("--\(option) applies with --speculative DRAFT", usage: usage)
        }
        let limits = try powerLimits(arguments, usage: usage)
        if !limits.isEmpty && arguments.options["operating-point"] != nil {
            throw .usage(
                "--power-limit lets the clock settle where the cap holds; give it or --operating-point, not both",
                usage: usage)
        }
        let graph = try WorkloadArguments.graph(model: model, hardware: hardware, arguments, usage: usage)
        var evaluator = try self.evaluator(arguments, hardware: hardware)
        if let path = arguments.options["constraints"] {
            // Every GEMM has the same dimensions (G, H, M, N, K), so one resolution serves them all.
            let gemm = GEMM(
                b: 1, m: 1, n: 1, k: 1, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
            do {
                evaluator.constraints = try ConstraintsFile.load(path).constraints(
                    for: Problem.gemm(gemm), hardware: hardware)
            } catch {
                throw .data(error)
            }
        }
        var settled: PowerCap.Settled?
        if let limit = limits.first {
            let cap = try settle(
                limit: limit, graph: graph, evaluator: evaluator, hardwareArgument: arguments.positionals[1])
            let (copy, index) = PowerCap.withPoint(cap.point, hardware: hardware)
            do {
                let constraints = evaluator.constraints
                evaluator = try Evaluator(
                    hardware: copy, mode: evaluator.mode, objective: evaluator.objective, dataflow: evaluator.dataflow,
                    operatingPoint: index, cache: evaluator.cache, tilingBudget: evaluator.tilingBudget)
                evaluator.constraints = constraints
            } catch {
                throw .usage(error.message, usage: usage)
            }
            settled = cap
        }
        let evaluation: GraphEvaluation
        do {
            evaluation = try evaluator.evaluate(graph)
        } catch {
            throw .data(WorkloadArguments.diagnostic(error, hardware: arguments.positionals[1]))
        }
        let report = EvalReport(evaluation: evaluation)
        switch format {
        case "json":
            var json = report.json()
            if let settled { json = withPowerCap(settled, json: json) }
            return peak ? splice(key: "peak_rates", value: "true", into: json) : json
        case "csv": return report.csv()
        default:
            let table = report.table(perOperator: arguments.flags.contains("per-op"))
            var lines = table.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if let settled { lines.insert(describe(settled), at: min(1, lines.count)) }
            if peak { lines.insert(peakNote, at: min(1, lines.count)) }
            return lines.joined(separator: "\n")
        }
    }

    /// The line `--peak` adds under the report's title.
    static let peakNote =
        "peak rates: every time efficiency set to 1 (the datasheet peaks that LLM-roofline figures assume)"

    /// The report's JSON with a `power_cap` object: the limit, the settled clock and voltage,
    /// the power there and at the nominal clock, and whether the clock came down. The object is
    /// spliced in among the sorted top-level keys, so the report's numbers stay as printed.
    static func withPowerCap(_ settled: PowerCap.Settled, json: String) -> String {
        let cap = JSONOutput.render(
            [
                "limit_w": settled.limit, "frequency_hz": settled.point.frequency.si,
                "voltage_v": settled.point.voltage.si, "average_power_w": settled.averagePower,
                "nominal_power_w": settled.nominalPower, "throttled": settled.throttled,
            ] as [String: Any])
        return splice(key: "power_cap", value: cap, into: json)
    }

    /// A top-level `key` with an already rendered `value` spliced in among the sorted top-level
    /// keys of a pretty-printed JSON object, so the object's other numbers stay as printed.
    static func splice(key: String, value: String, into json: String) -> String {
        var lines = json.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let entry = value.split(separator: "\n").enumerated().map { index, line in
            index == 0 ? "  \"\(key)\" : \(line)" : "  \(line)"
        }
        // Top-level keys sit at two spaces of indentation in the pretty-printed, key-sorted object.
        let keyLines = lines.indices.filter { lines[$0].hasPrefix("  \"") && !lines[$0].hasPrefix("   ") }
        if let next = keyLines.first(where: { lines[$0].dropFirst(3) > "\(key)\"" }) {
            lines.insert(contentsOf: entry.dropLast() + [(entry.last ?? "") + ","], at: next)
        } else if let close = lines.lastIndex(of: "}"), close > 0 {
            lines[close - 1] += ","
            lines.insert(contentsOf: entry, at: close)
        }
        return lines.joined(separator: "\n")
    }

    /// `joule eval op HARDWARE --dims M=..,N=..,K=..` (one GEMM) or `--problem FILE` (an einsum).
    static func runOperator(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: [], usage: usage)
        let format = try arguments.format(allowed: ["table", "json"], usage: usage)
        guard arguments.positionals.count == 1 else {
            throw .usage("name one hardware, e.g. joule eval op tpu-v1 --dims M=64,N=64,K=64", usage: usage)
        }
        let hardware: Accelerator
        do {
            hardware = try Accelerator.load(arguments.positionals[0])
        } catch {
            throw .data(error)
        }
        let evaluator = try self.evaluator(arguments, hardware: hardware)
        if arguments.options["constraints"] != nil
            && (arguments.options["mapping"] != nil || evaluator.mode == .ideal)
        {
            throw .usage(
                "--constraints narrows the mapper's search; --mapping pins one loop nest and --roofline ideal maps nothing",
                usage: usage)
        }
        let report: OperatorReport
        if let path = arguments.options["problem"] {
            report = try einsum(path: path, arguments, evaluator: evaluator)
        } else {
            let gemm = try self.gemm(arguments, hardware: hardware)
            if let path = arguments.options["mapping"] {
                report = OperatorReport(
                    gemm: gemm,
                    cost: try pinned(
                        path: path, problem: Problem.gemm(gemm), macPrecision: gemm.macPrecision, evaluator: evaluator),
                    hardware: hardware)
            } else if evaluator.mode == .ideal {
                do {
                    report = OperatorReport(gemm: gemm, cost: try evaluator.evaluate(gemm).cost, hardware: hardware)
                } catch {
                    throw .data(WorkloadArguments.diagnostic(error, hardware: arguments.positionals[0]))
                }
            } else {
                let found = try search(
                    Problem.gemm(gemm), macPrecision: gemm.macPrecision, evaluator: evaluator,
                    hardwareArgument: arguments.positionals[0], constraints: arguments.options["constraints"])
                report = OperatorReport(gemm: gemm, cost: found.cost, hardware: hardware, effort: found)
            }
        }
        return format == "json" ? JSONOutput.render(report.object()) : report.table()
    }

    /// The GEMM `--dims` and `--precision` describe.
    static func gemm(_ arguments: Arguments, hardware: Accelerator) throws(CommandLineError) -> GEMM {
        guard let dimsText = arguments.options["dims"] else {
            throw .usage(
                "give the operator's dims, e.g. --dims M=2048,N=11008,K=4096, or an einsum with --problem FILE",
                usage: usage)
        }
        var dims: [String: Int] = [:]
        for part in dimsText.split(separator: ",") {
            let pair = part.split(separator: "=")
            guard pair.count == 2, let value = Int(pair[1]), value >= 1, value <= 1 << 31,
                ["B", "M", "N", "K"].contains(pair[0].uppercased())
            else {
                throw .usage(
                    "--dims takes B, M, N, K as NAME=VALUE pairs (values from 1 to 2^31), found '\(part)'", usage: usage
                )
            }
            dims[pair[0].uppercased()] = value
        }
        guard let m = dims["M"], let n = dims["N"], let k = dims["K"] else {
            throw .usage("--dims needs M, N and K", usage: usage)
        }
        var precision = PrecisionConfig.default(for: hardware)
        if let text = arguments.options["precision"] {
            do {
                precision = try PrecisionConfig(parsing: text)
            } catch {
                throw .usage(error.message, usage: usage)
            }
        }
        var gemm = GEMM(
            b: dims["B"] ?? 1, m: m, n: n, k: k, inputPrecision: precision.activations,
            secondPrecision: precision.weights,
            outputPrecision: precision.activations)
        gemm.secondGroups = precision.weightGroups
        if let text = arguments.options["sparsity"], text != "dense" {
            do {
                gemm.weightSparsity = try SparsityPattern(parsing: text)
            } catch {
                throw .usage("--sparsity: \(error.message), or dense", usage: usage)
            }
            if gemm.sparsityHandling(on: hardware.compute) == .ignored {
                FileHandle.standardError.write(
                    Data(
                        "joule: warning: \(hardware.name) runs no \(text) sparse weights (compute.sparsity, compute.sparse_decompress): the weight is dense\n"
                            .utf8))
            }
        }
        // The GEMM as the hardware runs it: a native N:M weight reduces over K x N/M.
        return gemm.resolvingSparsity(on: hardware.compute)
    }

    /// An einsum from a problem file: its pinned mapping's cost with `--mapping`, else the
    /// mapper's best.
    static func einsum(path: String, _ arguments: Arguments, evaluator: Evaluator) throws(CommandLineError)
        -> OperatorReport
    {
        if arguments.options["dims"] != nil {
            throw .usage("--problem gives the operator; leave out --dims", usage: usage)
        }
        if arguments.options["precision"] != nil {
            throw .usage("a problem file gives each operand's precision; leave out --precision", usage: usage)
        }
        if evaluator.mode == .ideal {
            throw .usage("--roofline ideal applies to --dims GEMMs; a problem file is mapped", usage: usage)
        }
        let file: ProblemFile
        do {
            file = try ProblemFile.load(path)
        } catch {
            throw .data(error)
        }
        if let mapping = arguments.options["mapping"] {
            let cost = try pinned(
                path: mapping, problem: file.problem, macPrecision: file.macPrecision, evaluator: evaluator)
            return OperatorReport(gemm: nil, cost: cost, hardware: evaluator.hardware, einsum: file)
        }
        let found = try search(
            file.problem, macPrecision: file.macPrecision, evaluator: evaluator,
            hardwareArgument: arguments.positionals[0], constraints: arguments.options["constraints"])
        return OperatorReport(gemm: nil, cost: found.cost, hardware: evaluator.hardware, einsum: file, effort: found)
    }

    /// The mapper's best mapping of a problem, with the evaluator's objective, operating point,
    /// dataflow and budget.
    static func search(
        _ problem: Problem, macPrecision: Precision, evaluator: Evaluator, hardwareArgument: String,
        constraints path: String? = nil
    ) throws(CommandLineError) -> MapperResult {
        let mapper = Mapper(
            hardware: evaluator.hardware, objective: evaluator.objective, tilingBudget: evaluator.tilingBudget,
            operatingPoint: evaluator.operatingPoint)
        if let path {
            do {
                return try ConstraintsFile.load(path).best(
                    mapper: mapper, problem: problem, macPrecision: macPrecision, dataflow: evaluator.dataflow)
            } catch {
                throw .data(error)
            }
        }
        do {
            return try evaluator.cache.best(
                mapper, problem: problem, macPrecision: macPrecision, dataflow: evaluator.dataflow)
        } catch {
            throw .data(
                WorkloadArguments.diagnostic(
                    Evaluator.EvaluationError(message: error.message, level: error.level), hardware: hardwareArgument))
        }
    }

    /// Costs a problem under a mapping read from a file.
    static func pinned(path: String, problem: Problem, macPrecision: Precision, evaluator: Evaluator)
        throws(CommandLineError) -> OperatorCost
    {
        let hardware = evaluator.hardware
        do {
            let text = try Catalog.readText(path)
            let (mapping, counts) = try MappingFile.parse(text, path: path).analyze(
                problem: problem, hardware: hardware, lines: SourceLines(text))
            do {
                return try EnergyModel.cost(
                    counts: counts, mapping: mapping, problem: problem, macPrecision: macPrecision,
                    hardware: hardware,
                    at: evaluator.operatingPoint)
            } catch {
                throw Diagnostics([Diagnostic(path: path, mark: nil, message: error.message)])
            }
        } catch let diagnostics as Diagnostics {
            throw .data(diagnostics)
        } catch {
            throw .data(Diagnostics([Diagnostic(path: path, mark: nil, message: "\(error)")]))
        }
    }
}
