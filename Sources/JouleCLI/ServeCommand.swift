import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import JouleSystem
import YAML

/// `joule serve MODEL CLUSTER --workload FILE`: continuous batching in steady state.
enum ServeCommand {
    static let usage =
        "usage: joule serve MODEL CLUSTER|HARDWARE --workload FILE [--concurrency N | --rate R] [plan options] [--disaggregate P,D] [--speculative DRAFT --draft-tokens K --acceptance A] [--precision P] [--fusion F] [--roofline ideal|mapped] [--operating-point N | --power-limit W] [--device HW] [--format table|json]\n       joule serve MODEL CLUSTER|HARDWARE --workload FILE --optimize METRIC [--slo \"METRIC <= VALUE\"]... [--tp N[,N...]] [--pp ...] [--dp ...] [--concurrency N[,N...]] [--power-limit W[,W...]|none] [--precision P[,P...]] [--device HW[,HW...]] [--runners-up K] [--format table|json]\n       joule serve MODEL --fleet FILE --workload FILE [--rate R] [--precision P] [--fusion F] [--roofline ideal|mapped] [--format table|json]"

    static let help = """
        \(usage)

        Serves a workload's requests with continuous batching in steady state: each iteration
        decodes every running sequence once and prefills the prompts of the requests that
        replace the finished ones. Prints TTFT (per class and p50/p90/p99 for a mix), TPOT,
        end-to-end latency, throughput, energy per request and per output token, average power,
        what bounds an iteration, and the KV capacity (the most sequences that fit).

          --workload FILE   YAML: the requests (input_tokens and output_tokens, each a number or
                            {distribution: uniform|lognormal, ...}; or requests: [{input_tokens,
                            output_tokens, share}, ...]; or trace: FILE.csv), and concurrency or
                            requests_per_second
          --concurrency N   sequences decoded together (overrides the file)
          --rate R          requests per second (overrides the file): the smallest concurrency
                            that keeps up is used
          --disaggregate P,D  P devices prefill and D devices decode, each pool with the plan's
                            TP and PP; each prompt's KV cache moves to the decode pool over the
                            interconnect
          --fleet FILE      YAML: two or more pools (cluster or hardware, tp/pp/dp, route by
                            prompt length or route: auto); the arrival rate is split over them
          --speculative DRAFT --draft-tokens K --acceptance A
                            speculative decoding: each iteration is K draft steps and one
                            verification of K + 1 tokens per sequence (the draft under the plan)
          --device HW       the cluster's devices are this hardware instead
          --power-limit W   a per-device power cap: every device's clock comes down, as under
                            joule eval --power-limit, until one device's average power over an
                            iteration fits (exit 65 below the idle power or outside the
                            device's accepted range)

        --optimize searches instead: every plan (TP x PP x DP dividing the devices and the
        model), every concurrency (powers of two up to the KV capacity, and the capacity), no
        cap and five per-device caps over the device's accepted power limits, and each
        precision and device listed; it prints the best configuration and the runners-up.

          --optimize M      energy (per output token), latency (TPOT), ttft_p50, ttft_p99, tpot,
                            energy_per_request, energy_per_output_token, throughput, average_power
          --slo "M <= V"    a service-level objective every configuration must meet (repeatable):
                            e.g. "ttft_p50 <= 200 ms", "tpot <= 50 ms", "throughput >= 2000"
          --tp, --pp, --dp, --concurrency   fix these to the values listed (4,8) instead
          --power-limit     caps to try (200W,300W) or none
          --precision P,Q   precisions to try;  --device A,B  devices to put in the cluster
          --runners-up K    how many runners-up to print (default 5)

        \(SystemArguments.optionHelp)

        example:
          joule serve llama-3.1-70b dgx-h100 --workload Workloads/chat.yaml --tp 8
          joule serve llama-3.1-70b dgx-h100 --workload Workloads/chat-trace.yaml --tp 2 --disaggregate 2,6
          joule serve llama-3.1-70b --fleet Examples/fleets/h100-a100.yaml --workload Workloads/chat-two-classes.yaml --rate 20
          joule serve llama-3.1-70b dgx-h100 --workload Workloads/chat.yaml --optimize energy --slo "tpot <= 50 ms"
        """

    static let valued = EvalCommand.valued.union(SystemArguments.planOptions).union([
        "workload", "concurrency", "rate", "disaggregate", "fleet", "power-limit", "optimize", "slo", "device",
        "runners-up",
    ])

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: SystemArguments.planFlags, usage: usage)
        let format = try arguments.format(allowed: ["table", "json"], usage: usage)
        let fleetPath = arguments.options["fleet"]
        guard arguments.positionals.count == (fleetPath == nil ? 2 : 1) else {
            throw .usage(
                fleetPath == nil
                    ? "name a model and a cluster, e.g. llama-3.1-70b dgx-h100"
                    : "name a model and no cluster with --fleet (the fleet file names the pools), e.g. llama-3.1-70b --fleet Examples/fleets/h100-a100.yaml",
                usage: usage)
        }
        guard let path = arguments.options["workload"] else {
            throw .usage("give a workload file, e.g. --workload Workloads/chat.yaml", usage: usage)
        }
        for option in ["phase", "batch", "sequence", "context"] where arguments.options[option] != nil {
            throw .usage("--\(option) is set by the workload file; leave it out", usage: usage)
        }
        var workload: ServingWorkload
        let model: ModelConfig
        do {
            workload = try ServingWorkload.load(path)
            model = try ModelConfig.load(arguments.positionals[0])
        } catch {
            throw .data(error)
        }
        if let text = arguments.options["rate"] {
            guard let rate = Double(text), rate > 0, rate < 1e9 else {
                throw .usage("--rate takes a positive number of requests per second, found '\(text)'", usage: usage)
            }
            (workload.concurrency, workload.requestsPerSecond) = (nil, rate)
        }
        let speculation = try self.speculation(arguments)
        let pooled = fleetPath != nil || arguments.options["disaggregate"] != nil
        if arguments.options["optimize"] != nil {
            if speculation != nil || pooled {
                throw .usage(
                    "--optimize searches one pool's plans; it is not modelled with --speculative, --fleet or --disaggregate",
                    usage: usage)
            }
            // The concurrencies are the search's; a rate is what every configuration must keep up with.
            return try optimize(arguments, model: model, workload: workload, format: format)
        }
        for option in ["slo", "runners-up"] where arguments.options[option] != nil {
            throw .usage("--\(option) applies with --optimize METRIC", usage: usage)
        }
        if let concurrency = try GraphCommand.positive("concurrency", arguments, usage: usage) {
            if arguments.options["rate"] != nil {
                throw .usage("give --concurrency or --rate, not both", usage: usage)
            }
            (workload.concurrency, workload.requestsPerSecond) = (concurrency, nil)
        }
        if speculation != nil, pooled {
            throw .usage(
                "--speculative serves on one pool; it is not modelled with --fleet or --disaggregate", usage: usage)
        }
        if pooled, arguments.options["power-limit"] != nil {
            throw .usage(
                "--power-limit caps one pool's devices; it is not modelled with --fleet or --disaggregate", usage: usage
            )
        }
        if let fleetPath {
            return try fleet(fleetPath, workload: workload, model: model, arguments: arguments, format: format)
        }
        var cluster = try SystemArguments.cluster(arguments.positionals[1])
        if let device = arguments.options["device"] {
            do {
                cluster.device = try Accelerator.load(device)
            } catch {
                throw .data(error)
            }
        }
        let plan = try SystemArguments.plan(arguments, usage: usage)
        var templateArguments = arguments
        templateArguments.options["phase"] = "decode"
        let graph = try ClusterEvalCommand.template(model: model, cluster: cluster, templateArguments, usage: usage)
        let evaluator = try EvalCommand.evaluator(arguments, hardware: cluster.device)
        if let pools = arguments.options["disaggregate"] {
            let serving = try disaggregation(
                pools, plan: plan, arguments: arguments, cluster: cluster, evaluator: evaluator, model: model,
                graph: graph)
            let result: DisaggregatedServingResult
            do {
                result = try serving.steadyState(workload)
            } catch {
                throw SystemArguments.error(error, cluster: arguments.positionals[1], usage: usage)
            }
            return format == "json" ? JSONOutput.render(object(result)) : table(result, model: model)
        }
        var batching = ContinuousBatching(
            system: SystemEvaluator(cluster: cluster, plan: plan, evaluator: evaluator), model: model,
            precision: graph.precision, options: graph.options)
        batching.speculation = speculation
        let limits = try EvalCommand.powerLimits(arguments, usage: usage)
        if !limits.isEmpty && arguments.options["operating-point"] != nil {
            throw .usage(
                "--power-limit lets the clock settle where the cap holds; give it or --operating-point, not both",
                usage: usage)
        }
        let result: ServingResult
        var settled: PowerCap.Settled?
        do {
            if let limit = limits.first {
                let capped = try ServingPowerCap.settle(limit: limit, batching: batching) {
                    (moved, _) throws(SystemError) in try moved.steadyState(workload)
                }
                (result, settled) = (capped.result, capped.settled)
            } else {
                result = try batching.steadyState(workload)
            }
        } catch {
            throw capError(error, cluster: arguments.positionals[1])
        }
        guard format == "json" else {
            var lines = table(result, model: model).split(separator: "\n", omittingEmptySubsequences: false).map(
                String.init)
            if let settled { lines.insert(EvalCommand.describe(settled) + " per device", at: min(1, lines.count)) }
            return lines.joined(separator: "\n")
        }
        let json = JSONOutput.render(object(result))
        return settled.map { EvalCommand.withPowerCap($0, json: json) } ?? json
    }

    /// A failed steady state (capped or not) as a command-line error: a cap that cannot be met
    /// is bad data (exit 65) naming the cluster.
    static func capError(_ error: any Error, cluster: String) -> CommandLineError {
        switch error {
        case let error as SystemError: return SystemArguments.error(error, cluster: cluster, usage: usage)
        case ServingPowerCap.Failure.system(let error):
            return SystemArguments.error(error, cluster: cluster, usage: usage)
        default:
            return .data(Diagnostics([Diagnostic(path: cluster, mark: nil, message: "\(error)")]))
        }
    }

    static func table(_ r: ServingResult, model: ModelConfig) -> String {
        let time = SystemReport.time
        let joules = SystemReport.joules
        var rows: [(String, String)] = [
            ("concurrency (sequences decoding)", "\(r.concurrency) of at most \(r.capacity) that fit"),
            ("TTFT", time(r.ttft) + (r.classes.count > 1 ? " mean" : "")),
            ("TPOT", time(r.tpot)),
            (
                "throughput",
                QuantityFormat.number(r.tokensPerSecond) + " output tokens/s, "
                    + QuantityFormat.number(r.requestsPerSecond) + " requests/s"
            ),
            ("energy per request", joules(r.energyPerRequest)),
            ("energy per output token", joules(r.energyPerOutputToken)),
            ("average power", QuantityFormat.format(r.averagePower, kind: .power)),
            ("power per device", QuantityFormat.format(r.devicePower, kind: .power)),
            ("bound", r.bound),
            ("decode step", time(r.decode.seconds) + ", " + joules(r.decode.energy)),
            ("prefill per request", time(r.prefillSeconds) + ", " + joules(r.prefillEnergy)),
            ("memory per device", SystemReport.footprintLine(r.footprint)),
        ]
        if let cycle = r.speculative { rows[rows.count - 3] = speculativeRow(cycle) }
        if r.classes.count > 1 {
            rows.insert(
                ttftPercentilesRow(r), at: 2)
            rows.insert(("end-to-end latency", "p50 \(time(r.endToEndP50)), p99 \(time(r.endToEndP99))"), at: 4)
        } else {
            rows.insert(("end-to-end latency", time(r.endToEndP50)), at: 3)
        }
        if r.overloaded {
            rows.insert(overloadedRow(arriving: r.workload.requestsPerSecond ?? 0, served: r.requestsPerSecond), at: 0)
        }
        let width = rows.map(\.0.count).max() ?? 0
        let head =
            "\(model.name) on \(r.decode.cluster.name) (\(r.decode.plan)): \(r.workload.name), \(r.workload.requestSummary), \(r.decode.device.graph.precision)"
        let lines = [head, ""] + rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
        return (lines + classTable(r)).joined(separator: "\n")
    }

    /// The table row of a mix's TTFT percentiles over requests.
    static func ttftPercentilesRow(_ r: some RequestLatencyPercentiles) -> (String, String) {
        let time = SystemReport.time
        return ("TTFT over requests", "p50 \(time(r.ttftP50)), p90 \(time(r.ttftP90)), p99 \(time(r.ttftP99))")
    }

    /// The table row that says the arrivals outrun what the system serves.
    static func overloadedRow(arriving: Double, served: Double) -> (String, String) {
        (
            "overloaded",
            "\(QuantityFormat.number(arriving)) requests/s arrive; at most \(QuantityFormat.number(served)) are served"
        )
    }

    /// The most request classes listed one by one in the table (a distribution mix has up to
    /// 256; `--format json` lists them all).
    static let listedClasses = 12

    /// Per-class TTFT, end-to-end latency and energy, for a mix of a few classes.
    static func classTable(_ r: ServingResult) -> [String] {
        guard r.classes.count > 1, r.classes.count <= listedClasses else { return [] }
        var table = TextTable(
            ["input", "output", "share", "TTFT", "end-to-end", "energy per request"],
            alignments: [.right, .right, .right, .right, .right, .right])
        for entry in r.classes {
            table.add([
                "\(entry.requestClass.inputTokens)", "\(entry.requestClass.outputTokens)",
                QuantityFormat.number(entry.requestClass.share * 100) + " %", SystemReport.time(r.ttft(of: entry)),
                SystemReport.time(r.endToEnd(of: entry)), SystemReport.joules(r.energyPerRequest(of: entry)),
            ])
        }
        return [""] + table.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func object(_ r: ServingResult) -> [String: Any] {
        [
            "workload": r.workload.name, "input_tokens": r.workload.inputTokens,
            "output_tokens": r.workload.outputTokens, "concurrency": r.concurrency, "capacity": r.capacity,
            "ttft_s": r.ttft, "tpot_s": r.tpot, "tokens_per_s": r.tokensPerSecond,
            "requests_per_s": r.requestsPerSecond, "energy_per_request_j": r.energyPerRequest,
            "energy_per_output_token_j": r.energyPerOutputToken, "average_power_w": r.averagePower,
            "bound": r.bound, "overloaded": r.overloaded, "device_power_w": r.devicePower,
            "decode_step_s": r.decode.seconds,
            "decode_step_j": r.decode.energy, "prefill_s": r.prefillSeconds, "prefill_j": r.prefillEnergy,
            "footprint": SystemReport.footprintObject(r.footprint), "speculative": speculativeObject(r.speculative),
            "requests": r.workload.requestSummary, "mean_input_tokens": r.workload.requestMix.meanInputTokens,
            "mean_output_tokens": r.meanOutputTokens, "ttft_p50_s": r.ttftP50, "ttft_p90_s": r.ttftP90,
            "ttft_p99_s": r.ttftP99, "e2e_p50_s": r.endToEndP50, "e2e_p99_s": r.endToEndP99,
            "classes": r.classes.map { entry -> [String: Any] in
                [
                    "input_tokens": entry.requestClass.inputTokens, "output_tokens": entry.requestClass.outputTokens,
                    "share": entry.requestClass.share, "prefill_s": entry.seconds, "prefill_j": entry.energy,
                    "ttft_s": r.ttft(of: entry), "e2e_s": r.endToEnd(of: entry),
                    "energy_per_request_j": r.energyPerRequest(of: entry),
                ]
            },
        ]
    }
}
