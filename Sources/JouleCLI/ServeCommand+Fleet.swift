import Foundation
import JouleEval
import JouleSpec
import JouleSystem
import YAML

/// `joule serve MODEL --fleet FILE --workload FILE`: a heterogeneous fleet.
extension ServeCommand {
    static func fleet(
        _ path: String, workload: ServingWorkload, model: ModelConfig, arguments: Arguments, format: String
    ) throws(CommandLineError) -> String {
        for option in SystemArguments.planOptions.union(["disaggregate", "concurrency"])
        where arguments.options[option] != nil {
            throw .usage("--\(option) does not apply to a fleet (its file gives each pool's plan)", usage: usage)
        }
        let description: Fleet
        do {
            description = try Fleet.load(path)
        } catch {
            throw .data(error)
        }
        var pools: [FleetServing.Pool] = []
        for pool in description.pools {
            var templateArguments = arguments
            templateArguments.options["phase"] = "decode"
            let graph = try ClusterEvalCommand.template(
                model: model, cluster: pool.cluster, templateArguments, usage: usage)
            let evaluator = try EvalCommand.evaluator(arguments, hardware: pool.cluster.device)
            let system = SystemEvaluator(cluster: pool.cluster, plan: pool.plan, evaluator: evaluator)
            do {
                // A plan that does not suit the model or the pool is reported at the pool's line.
                _ = try system.footprint(
                    model: model, phase: .decode(batch: pool.plan.data, context: 1), precision: graph.precision,
                    options: graph.options)
            } catch {
                throw .data(
                    Diagnostics([
                        Diagnostic(
                            path: path, mark: pool.mark, message: "pool \(pool.name): \(error.description)",
                            sourceLine: pool.sourceLine)
                    ]))
            }
            pools.append(
                FleetServing.Pool(
                    name: pool.name, system: system, precision: graph.precision, options: graph.options,
                    route: pool.route))
        }
        let result: FleetServingResult
        do {
            result = try FleetServing(name: description.name, pools: pools, model: model).steadyState(workload)
        } catch {
            throw SystemArguments.error(error, cluster: path, usage: usage)
        }
        return format == "json" ? JSONOutput.render(object(result)) : table(result, model: model)
    }

    static func table(_ r: FleetServingResult, model: ModelConfig) -> String {
        let time = SystemReport.time
        let joules = SystemReport.joules
        let power = { (watts: Double) in QuantityFormat.format(watts, kind: .power) }
        var lines = [
            "\(model.name) on fleet \(r.fleet): \(r.workload.name), \(r.workload.requestSummary), \(QuantityFormat.number(r.requestsPerSecond)) requests/s",
            routing(r), "",
        ]
        var table = TextTable(
            ["pool", "plan", "share", "requests/s", "concurrency", "TTFT p99", "TPOT", "energy per request", "power"],
            alignments: [.left, .left, .right, .right, .right, .right, .right, .right, .right])
        for pool in r.pools {
            guard let result = pool.result else {
                table.add([pool.name, "", "0 %", "0", "0", "", "", "", power(pool.power) + " idle"])
                continue
            }
            table.add([
                pool.name, "\(result.decode.plan)", QuantityFormat.number(pool.share * 100) + " %",
                QuantityFormat.number(pool.requestsPerSecond),
                "\(result.concurrency)\(result.overloaded ? " overloaded" : "")", time(result.ttftP99),
                time(result.tpot),
                joules(result.energyPerRequest), power(pool.power),
            ])
        }
        lines += table.render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var rows: [(String, String)] = [
            ("energy per request", joules(r.energyPerRequest)),
            ("energy per output token", joules(r.energyPerOutputToken)),
            ("average power", power(r.averagePower)),
        ]
        for (pool, single) in zip(r.pools, r.singlePools) {
            rows.append(
                (
                    "\(pool.name) alone",
                    single.map {
                        $0.overloaded
                            ? "cannot keep up: at most \(QuantityFormat.number($0.requestsPerSecond)) requests/s"
                            : "\(joules($0.energyPerRequest)) per request (concurrency \($0.concurrency))"
                    } ?? "cannot hold the model and one sequence"
                ))
        }
        if let best = r.bestSinglePool, let saving = r.saving {
            rows.append(
                (
                    "saving against one pool",
                    "\(QuantityFormat.number(saving * 100)) % against \(r.pools[best.index].name) alone"
                ))
        }
        if let blind = r.lengthBlindEnergyPerRequest, let saving = r.savingAgainstLengthBlind {
            let overloaded = r.lengthBlindPools.contains { $0.result?.overloaded == true }
            let split = r.lengthBlindPools.map { "\($0.name) \(QuantityFormat.number($0.share * 100)) %" }.joined(
                separator: ", ")
            rows.append(
                (
                    "length-blind split",
                    "\(joules(blind)) per request (the whole mix to \(split))\(overloaded ? ", overloaded" : "")"
                ))
            rows.append(("saving against it", "\(QuantityFormat.number(saving * 100)) %"))
        }
        if r.overloaded { rows.insert(("overloaded", "a pool cannot keep up with its share"), at: 0) }
        let width = rows.map(\.0.count).max() ?? 0
        lines.append("")
        lines += rows.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 }
        return lines.joined(separator: "\n")
    }

    /// How requests were routed, in words.
    static func routing(_ r: FleetServingResult) -> String {
        guard case .inputTokens(let low, let high)? = r.autoRoute, let first = r.pools.first?.name,
            let second = r.pools.last?.name
        else {
            return "routing: by each pool's route"
        }
        if r.pools.first?.share == 0 { return "routing: auto, every request to \(second)" }
        if r.pools.last?.share == 0 { return "routing: auto, every request to \(first)" }
        let range = low > 1 ? "more than \(low - 1)" : "at most \(high)"
        return "routing: auto, \(first) takes prompts of \(range) tokens, \(second) the rest"
    }

    static func object(_ r: FleetServingResult) -> [String: Any] {
        var fields: [String: Any] = [
            "fleet": r.fleet, "workload": r.workload.name, "requests": r.workload.requestSummary,
            "requests_per_s": r.requestsPerSecond, "energy_per_request_j": r.energyPerRequest,
            "energy_per_output_token_j": r.energyPerOutputToken, "average_power_w": r.averagePower,
            "overloaded": r.overloaded,
            "pools": zip(r.pools, r.singlePools).map { pool, single -> [String: Any] in
                var entry: [String: Any] = [
                    "name": pool.name, "share": pool.share, "requests_per_s": pool.requestsPerSecond,
                    "power_w": pool.power,
                ]
                if let result = pool.result { entry["steady_state"] = object(result) }
                if let single, !single.overloaded { entry["alone_energy_per_request_j"] = single.energyPerRequest }
                if let single, single.overloaded { entry["alone_requests_per_s_max"] = single.requestsPerSecond }
                return entry
            },
        ]
        if case .inputTokens(let low, let high)? = r.autoRoute {
            fields["auto_route_input_tokens"] = ["min": low, "max": high]
        }
        if let saving = r.saving { fields["saving_against_best_single_pool"] = saving }
        if let blind = r.lengthBlindEnergyPerRequest {
            fields["length_blind_energy_per_request_j"] = blind
            fields["length_blind_shares"] = r.lengthBlindPools.map(\.share)
        }
        if let saving = r.savingAgainstLengthBlind { fields["saving_against_length_blind"] = saving }
        return fields
    }
}
