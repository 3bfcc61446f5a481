import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import JouleSystem
import YAML

/// `joule serve MODEL CLUSTER --workload FILE --optimize METRIC --slo "..."`: the configuration
/// (plan, concurrency, power cap, precision, device) best on one metric under SLOs.
extension ServeCommand {
    /// The metrics `--optimize` and `--slo` accept, with `energy` and `latency` as short names
    /// for energy per output token and TPOT.
    static let optimizeNames: [String: Metric] = Dictionary(
        uniqueKeysWithValues: Metric.serving.map { ($0.servingName, $0) } + [
            ("energy", .energyPerOutputToken), ("latency", .tpot),
        ])

    /// The accepted metric names, for errors.
    static var servingMetricList: String { Metric.serving.map(\.servingName).joined(separator: ", ") }

    /// Reads one `--slo`: `METRIC <= VALUE UNIT` over a serving metric; anything else is a usage error
    /// naming the accepted metrics and the form.
    static func objective(_ text: String) throws(CommandLineError) -> Constraint {
        let form =
            "the form is METRIC <= VALUE (with a unit), e.g. --slo \"tpot <= 50 ms\" or --slo \"ttft_p50 <= 200 ms\""
        let constraint: Constraint
        do {
            constraint = try Constraint(parsing: text)
        } catch {
            throw .usage(
                "--slo '\(text)': \(error.message)\(error.hint.map { " (\($0))" } ?? ""); metrics: \(servingMetricList); \(form)",
                usage: usage)
        }
        guard case .bound(let metric, _, _) = constraint.kind, Metric.serving.contains(metric) else {
            throw .usage(
                "--slo '\(text)' is not about serving; metrics: \(servingMetricList); \(form)", usage: usage)
        }
        return constraint
    }

    /// A comma-separated list of positive integers (`--tp 4,8`), or nil when the option is absent.
    static func integers(_ name: String, _ arguments: Arguments) throws(CommandLineError) -> [Int]? {
        guard let text = arguments.options[name] else { return nil }
        var values: [Int] = []
        for part in text.split(separator: ",") {
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), value >= 1 else {
                throw .usage("--\(name) takes positive whole numbers, e.g. 8 or 4,8; found '\(text)'", usage: usage)
            }
            values.append(value)
        }
        return values
    }

    /// Runs the search and prints the optimum and its runners-up.
    static func optimize(
        _ arguments: Arguments, model: ModelConfig, workload: ServingWorkload, format: String
    ) throws(CommandLineError) -> String {
        let name = arguments.options["optimize"] ?? ""
        guard let goal = optimizeNames[name] else {
            throw .usage(
                "--optimize takes a serving metric: energy, latency, \(servingMetricList); found '\(name)'",
                usage: usage)
        }
        let objectives = try (arguments.repeated["slo"] ?? []).map { (text) throws(CommandLineError) in
            try objective(text)
        }
        if arguments.options["operating-point"] != nil {
            throw .usage("--optimize searches power caps; leave out --operating-point", usage: usage)
        }
        let cluster = try SystemArguments.cluster(arguments.positionals[1])
        let devices: [String?] = arguments.options["device"].map { $0.split(separator: ",").map(String.init) } ?? [nil]
        let precisions: [String?] =
            arguments.options["precision"].map { $0.split(separator: ",").map(String.init) } ?? [nil]
        let cache = MapperCache()
        var variants: [ServingSearch.Variant] = []
        for device in devices {
            var system = cluster
            if let device {
                do {
                    system.device = try Accelerator.load(device)
                } catch {
                    throw .data(error)
                }
            }
            for precision in precisions {
                var templateArguments = arguments
                templateArguments.options["phase"] = "decode"
                templateArguments.options["precision"] = precision
                let graph = try ClusterEvalCommand.template(
                    model: model, cluster: system, templateArguments, usage: usage)
                var evaluator = try EvalCommand.evaluator(arguments, hardware: system.device)
                evaluator.cache = cache
                var planArguments = arguments  // the degrees are the search's lists
                for option in ["tp", "pp", "dp"] { planArguments.options[option] = nil }
                let plan = try SystemArguments.plan(planArguments, usage: usage)
                let label = [precision ?? graph.precision.description, device ?? system.device.name]
                variants.append(
                    ServingSearch.Variant(
                        name: label.joined(separator: " on "),
                        batching: ContinuousBatching(
                            system: SystemEvaluator(cluster: system, plan: plan, evaluator: evaluator), model: model,
                            precision: graph.precision, options: graph.options)))
            }
        }
        var search = ServingSearch(variants: variants, workload: workload, objective: goal, objectives: objectives)
        search.tensor = try integers("tp", arguments)
        search.pipeline = try integers("pp", arguments)
        search.data = try integers("dp", arguments)
        search.concurrencies = try integers("concurrency", arguments)
        if arguments.options["power-limit"] == "none" {
            search.powerLimits = [nil]
        } else if arguments.options["power-limit"] != nil {
            search.powerLimits = try EvalCommand.powerLimits(arguments, several: true, usage: usage).map { $0 }
        }
        let runnersUp = try GraphCommand.positive("runners-up", arguments, usage: usage) ?? 5
        let report = search.run()
        guard let best = report.ranked.first else {
            let reasons = report.infeasible.map { "\($0.reason): \($0.count) (e.g. \($0.example))" }
            throw .data(
                Diagnostics([
                    Diagnostic(
                        path: arguments.positionals[1], mark: nil,
                        message: "none of the \(report.configurations) configurations serves \(workload.name) "
                            + "within the SLOs; excluded: " + reasons.joined(separator: "; "))
                ]))
        }
        let shown = Array(report.ranked.prefix(runnersUp + 1))
        if format == "json" {
            return JSONOutput.render(
                [
                    "objective": goal.servingName, "slos": objectives.map(\.text),
                    "configurations": report.configurations, "feasible": report.ranked.count,
                    "steady_states": report.steadyStates,
                    "excluded": report.infeasible.map {
                        ["reason": $0.reason, "count": $0.count, "example": $0.example] as [String: Any]
                    },
                    "optimum": outcomeObject(best, search: search),
                    "runners_up": shown.dropFirst().map { outcomeObject($0, search: search) },
                ] as [String: Any])
        }
        var lines = [
            "\(model.name) on \(cluster.name): \(workload.name), \(workload.inputTokens) in / \(workload.outputTokens) out; "
                + "optimize \(goal.servingName)"
                + (objectives.isEmpty ? "" : " under " + objectives.map(\.text).joined(separator: ", ")),
            "\(report.configurations) configurations (\(report.steadyStates) steady state\(report.steadyStates == 1 ? "" : "s") computed), "
                + "\(report.ranked.count) meet the SLOs",
        ]
        lines += report.infeasible.map { "  excluded: \($0.reason): \($0.count)" }
        lines.append("")
        var table = TextTable(
            (variants.count > 1 ? ["#", "variant"] : ["#"]) + [
                "plan", "concurrency", "power cap", "clock", "TTFT", "TPOT", "tokens/s", "energy/token",
                "energy/request", "power",
            ])
        if variants.count > 1 { table.alignments[1] = .left }
        for (rank, outcome) in shown.enumerated() {
            let r = outcome.result
            let cap = outcome.configuration.powerLimit.map { "\(Power(si: $0))" } ?? "none"
            table.add(
                ["\(rank + 1)"] + (variants.count > 1 ? [search.variants[outcome.configuration.variant].name] : []) + [
                    "TP \(outcome.configuration.plan.tensor) PP \(outcome.configuration.plan.pipeline) DP \(outcome.configuration.plan.data)",
                    "\(r.concurrency)", cap, "\(r.decode.device.operatingPoint.frequency)",
                    SystemReport.time(r.ttftP50), SystemReport.time(r.tpot),
                    QuantityFormat.number(r.tokensPerSecond),
                    SystemReport.joules(r.energyPerOutputToken), SystemReport.joules(r.energyPerRequest),
                    QuantityFormat.format(r.averagePower, kind: .power),
                ])
        }
        table.alignments[variants.count > 1 ? 2 : 1] = .left
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }

    /// One configuration and its figures, for `--format json`.
    static func outcomeObject(_ outcome: ServingSearch.Outcome, search: ServingSearch) -> [String: Any] {
        let c = outcome.configuration
        var object = ServeCommand.object(outcome.result)
        object["variant"] = search.variants[c.variant].name
        object["tp"] = c.plan.tensor
        object["pp"] = c.plan.pipeline
        object["dp"] = c.plan.data
        object["power_limit_w"] = c.powerLimit ?? NSNull()
        object["frequency_hz"] = outcome.result.decode.device.operatingPoint.frequency.si
        object["objective_value"] = outcome.value
        return object
    }
}
