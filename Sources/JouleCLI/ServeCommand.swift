import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import JouleSystem
import YAML

/// `joule serve MODEL CLUSTER --workload FILE`: continuous batching in steady state.
enum ServeCommand {
    static let usage =
        "usage: joule serve MODEL CLUSTER|HARDWARE --workload FILE [--concurrency N | --rate R] [plan options] [--precision P] [--fusion F] [--roofline ideal|mapped] [--operating-point N | --power-limit W] [--format table|json]\n       joule serve MODEL CLUSTER|HARDWARE --workload FILE --optimize METRIC [--slo \"METRIC <= VALUE\"]... [--tp N[,N...]] [--pp ...] [--dp ...] [--concurrency N[,N...]] [--power-limit W[,W...]|none] [--precision P[,P...]] [--device HW[,HW...]] [--runners-up K] [--format table|json]"

    static let help = """
        \(usage)

        Serves one request type (the workload file's input_tokens and output_tokens) with
        continuous batching in steady state: each iteration decodes every running sequence once
        and prefills the prompts of the requests that replace the finished ones. Prints TTFT,
        TPOT, throughput, energy per request and per output token, average power, what bounds
        an iteration, and the KV capacity (the most sequences that fit).

          --workload FILE   YAML: input_tokens, output_tokens, and concurrency or requests_per_second
          --concurrency N   sequences decoded together (overrides the file)
          --rate R          requests per second (overrides the file): the smallest concurrency
                            that keeps up is used
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
          joule serve llama-3.1-70b dgx-h100 --workload Workloads/chat.yaml --optimize energy --slo "tpot <= 50 ms"
        """

    static let valued = EvalCommand.valued.union(SystemArguments.planOptions).union([
        "workload", "concurrency", "rate", "power-limit", "optimize", "slo", "device", "runners-up",
    ])

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: SystemArguments.planFlags, usage: usage)
        let format = try arguments.format(allowed: ["table", "json"], usage: usage)
        guard arguments.positionals.count == 2 else {
            throw .usage("name a model and a cluster, e.g. llama-3.1-70b dgx-h100", usage: usage)
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
        if arguments.options["optimize"] != nil {
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
        let batching = ContinuousBatching(
            system: SystemEvaluator(cluster: cluster, plan: plan, evaluator: evaluator), model: model,
            precision: graph.precision, options: graph.options)
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
            ("TTFT", time(r.ttft)),
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
            ("memory per device", SystemReport.footprintLine(r.decode.footprint)),
        ]
        if r.overloaded {
            rows.insert(
                (
                    "overloaded",
                    "\(QuantityFormat.number(r.workload.requestsPerSecond ?? 0)) requests/s arrive; at most \(QuantityFormat.number(r.requestsPerSecond)) are served"
                ),
                at: 0)
        }
        let width = rows.map(\.0.count).max() ?? 0
        let head =
            "\(model.name) on \(r.decode.cluster.name) (\(r.decode.plan)): \(r.workload.name), \(r.workload.inputTokens) in / \(r.workload.outputTokens) out, \(r.decode.device.graph.precision)"
        return ([head, ""] + rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 })
            .joined(separator: "\n")
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
            "footprint": SystemReport.footprintObject(r.decode.footprint),
        ]
    }
}
