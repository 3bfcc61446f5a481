import Foundation
import JouleEval
import JouleSpec
import JouleSystem
import YAML

/// `joule eval TARGET CLUSTER --tp N --speculative DRAFT --acceptance A`: speculative decoding
/// on a cluster, the draft under the target's plan on the same devices.
extension ClusterEvalCommand {
    static func runSpeculative(
        _ arguments: Arguments, model: ModelConfig, system: SystemEvaluator, graph: Graph, format: String
    ) throws(CommandLineError) -> String {
        var arguments = arguments
        let setting = try SpeculativeArguments(&arguments, usage: usage)
        let name = arguments.positionals[1]
        guard case .decode(let batch, let context) = graph.phase else {
            throw .usage("--speculative applies to decode", usage: usage)
        }
        let table: [SystemSpeculativeEvaluation]
        let plain: SystemEvaluation
        do {
            plain = try system.evaluate(
                model: model, phase: graph.phase, precision: graph.precision, options: graph.options)
        } catch {
            throw SystemArguments.error(error, cluster: name, usage: usage)
        }
        do {
            table = try system.evaluateSpeculative(
                target: model, draft: setting.draft, precision: graph.precision, options: graph.options, batch: batch,
                context: context, acceptance: setting.acceptance, draftTokens: setting.range)
        } catch {
            switch error {
            case .setting(let problem): throw .usage(problem.message, usage: usage)
            case .target(let problem): throw SystemArguments.error(problem, cluster: name, usage: usage)
            case .draft(let problem):
                let message = "the draft \(setting.draft.name): \(problem.description)"
                if case .graph = problem { throw .usage(message, usage: usage) }
                throw .data(Diagnostics([Diagnostic(path: name, mark: nil, message: message)]))
            }
        }
        guard let footprint = table.first?.footprint else {
            throw .usage("no draft-token count to evaluate", usage: usage)
        }
        if let message = footprint.overflowMessage {
            guard arguments.flags.contains("allow-overflow") else {
                throw .data(
                    Diagnostics([
                        Diagnostic(
                            path: name, mark: nil, message: "target and draft together: \(message)",
                            hint:
                                "spread the models over more devices (--tp, --pp), shrink the batch or context, or pass --allow-overflow"
                        )
                    ]))
            }
            FileHandle.standardError.write(Data("joule: warning: target and draft together: \(message)\n".utf8))
        }
        let rows = table.map {
            SpeculativeReport.Row(
                setting: $0.setting, energyPerToken: $0.energyPerToken, timePerToken: $0.timePerToken,
                latencyPerToken: $0.latencyPerToken, energyPerCycle: $0.energyPerCycle,
                secondsPerCycle: $0.secondsPerCycle, draftEnergy: $0.draft.energy, draftSeconds: $0.draft.seconds)
        }
        var report = try SpeculativeReport(
            target: model, draft: setting.draft, on: "\(name) (\(system.plan))",
            header: "\(graph.phase) · precision \(graph.precision)", batch: batch, plainEnergy: plain.energy,
            plainSeconds: plain.seconds, plainEnergyPerToken: plain.energyPerToken,
            plainTimePerToken: plain.seconds / Double(max(1, plain.tokens)), rows: rows, asked: setting.asked,
            usage: usage)
        report.notes = ["memory per device (target and draft): \(SystemReport.footprintLine(footprint))"]
        return format == "json"
            ? report.json([
                "cluster": name, "plan": "\(system.plan)", "memory": SystemReport.footprintObject(footprint),
            ])
            : report.table()
    }
}
