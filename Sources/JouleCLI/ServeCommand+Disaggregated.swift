import Foundation
import JouleEval
import JouleSpec
import JouleSystem

/// `joule serve ... --disaggregate P,D`: prefill and decode on separate pools.
extension ServeCommand {
    /// The two pools from `P,D` and the plan (its data parallelism is set per pool).
    static func disaggregation(
        _ text: String, plan: ParallelPlan, arguments: Arguments, cluster: Cluster, evaluator: Evaluator,
        model: ModelConfig, graph: Graph
    ) throws(CommandLineError) -> DisaggregatedServing {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        guard parts.count == 2, let prefill = parts[0], let decode = parts[1], prefill >= 1, decode >= 1 else {
            throw .usage(
                "--disaggregate takes the prefill and decode pools' devices, e.g. --disaggregate 2,6; found '\(text)'",
                usage: usage)
        }
        for option in ["dp", "microbatches"] where arguments.options[option] != nil {
            throw .usage(
                "--\(option) is set per pool under --disaggregate (a pool's devices / (tp x pp) replicas); leave it out",
                usage: usage)
        }
        return DisaggregatedServing(
            cluster: cluster, plan: plan, evaluator: evaluator, prefillDevices: prefill, decodeDevices: decode,
            model: model, precision: graph.precision, options: graph.options)
    }

    static func table(_ r: DisaggregatedServingResult, model: ModelConfig) -> String {
        let time = SystemReport.time
        let joules = SystemReport.joules
        let power = { (watts: Double) in QuantityFormat.format(watts, kind: .power) }
        let percent = { (fraction: Double) in QuantityFormat.number(fraction * 100) + " %" }
        var rows: [(String, String)] = [
            (
                "prefill pool",
                "\(r.prefillPlan.devices) devices, \(r.prefillPlan.data) replica\(r.prefillPlan.data == 1 ? "" : "s"), \(QuantityFormat.number(r.prefillRequestsPerSecond)) requests/s at most, busy \(percent(r.prefillBusy))"
            ),
            (
                "decode pool",
                "\(r.decodePlan.devices) devices, \(r.decodePlan.data) replica\(r.decodePlan.data == 1 ? "" : "s"), \(QuantityFormat.number(r.decodeRequestsPerSecond)) requests/s at most, busy \(percent(r.decodeBusy))"
            ),
            ("concurrency (sequences decoding)", "\(r.concurrency) of at most \(r.capacity) that fit"),
            ("TTFT", time(r.ttft) + (r.classes.count > 1 ? " mean" : "")),
            ("TPOT", time(r.tpot)),
            (
                "end-to-end latency",
                r.classes.count > 1 ? "p50 \(time(r.endToEndP50)), p99 \(time(r.endToEndP99))" : time(r.endToEndP50)
            ),
            (
                "throughput",
                QuantityFormat.number(r.tokensPerSecond) + " output tokens/s, "
                    + QuantityFormat.number(r.requestsPerSecond) + " requests/s"
            ),
            ("energy per request", joules(r.energyPerRequest)),
            ("energy per output token", joules(r.energyPerOutputToken)),
            (
                "average power",
                "\(power(r.averagePower)) (decode \(power(r.decodePower)), prefill \(power(r.prefillPower)), KV transfers \(power(r.transferPower)), switches \(power(r.switchPower)))"
            ),
            ("bound", r.bound),
            ("decode step", time(r.decode.seconds) + ", " + joules(r.decode.energy)),
            (
                "prefill per request",
                time(r.mean(\.prefillSeconds)) + ", " + joules(r.mean(\.prefillEnergy))
            ),
            (
                "KV transfer per request",
                "\(time(r.mean(\.transferSeconds))), \(joules(r.mean(\.transferEnergy))) over \(r.link.name)"
            ),
            ("memory per decode device", SystemReport.footprintLine(r.decode.footprint)),
        ]
        if r.classes.count > 1 {
            rows.insert(
                ttftPercentilesRow(r), at: 4)
        }
        if r.overloaded {
            rows.insert(overloadedRow(arriving: r.workload.requestsPerSecond ?? 0, served: r.requestsPerSecond), at: 0)
        }
        let width = rows.map(\.0.count).max() ?? 0
        var classes: [String] = []
        if r.classes.count > 1, r.classes.count <= listedClasses {
            var table = TextTable(
                ["input", "output", "share", "prefill", "KV transfer", "TTFT", "end-to-end"],
                alignments: [.right, .right, .right, .right, .right, .right, .right])
            for entry in r.classes {
                table.add([
                    "\(entry.requestClass.inputTokens)", "\(entry.requestClass.outputTokens)",
                    percent(entry.requestClass.share), time(entry.prefillSeconds), time(entry.transferSeconds),
                    time(r.ttft(of: entry)), time(r.endToEnd(of: entry)),
                ])
            }
            classes = [""] + table.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        let head =
            "\(model.name) on \(r.cluster.name), prefill and decode disaggregated (TP \(r.decodePlan.tensor), PP \(r.decodePlan.pipeline) per replica): \(r.workload.name), \(r.workload.requestSummary), \(r.decode.device.graph.precision)"
        let lines = [head, ""] + rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
        return (lines + classes).joined(separator: "\n")
    }

    static func object(_ r: DisaggregatedServingResult) -> [String: Any] {
        [
            "workload": r.workload.name, "requests": r.workload.requestSummary,
            "prefill_devices": r.prefillPlan.devices, "decode_devices": r.decodePlan.devices,
            "prefill_requests_per_s_max": r.prefillRequestsPerSecond,
            "decode_requests_per_s_max": r.decodeRequestsPerSecond, "prefill_busy": r.prefillBusy,
            "decode_busy": r.decodeBusy, "concurrency": r.concurrency, "capacity": r.capacity, "ttft_s": r.ttft,
            "ttft_p50_s": r.ttftP50, "ttft_p90_s": r.ttftP90, "ttft_p99_s": r.ttftP99, "tpot_s": r.tpot,
            "e2e_p50_s": r.endToEndP50, "e2e_p99_s": r.endToEndP99, "tokens_per_s": r.tokensPerSecond,
            "requests_per_s": r.requestsPerSecond, "energy_per_request_j": r.energyPerRequest,
            "energy_per_output_token_j": r.energyPerOutputToken, "average_power_w": r.averagePower,
            "decode_power_w": r.decodePower, "prefill_power_w": r.prefillPower,
            "kv_transfer_power_w": r.transferPower, "switch_power_w": r.switchPower, "bound": r.bound,
            "overloaded": r.overloaded, "kv_link": r.link.name, "decode_step_s": r.decode.seconds,
            "decode_step_j": r.decode.energy, "footprint": SystemReport.footprintObject(r.decode.footprint),
            "classes": r.classes.map { entry -> [String: Any] in
                [
                    "input_tokens": entry.requestClass.inputTokens, "output_tokens": entry.requestClass.outputTokens,
                    "share": entry.requestClass.share, "prefill_s": entry.prefillSeconds,
                    "prefill_j": entry.prefillEnergy, "kv_transfer_s": entry.transferSeconds,
                    "kv_transfer_j": entry.transferEnergy, "ttft_s": r.ttft(of: entry), "e2e_s": r.endToEnd(of: entry),
                ]
            },
        ]
    }
}
