import Foundation
import JouleEval
import JouleSpec
import YAML

/// `joule eval TARGET HARDWARE --speculative DRAFT --acceptance A [--draft-tokens K|auto]`:
/// energy and time per accepted token of speculative decoding, and a table over k.
extension EvalCommand {
    /// The k `--draft-tokens auto` tries.
    static let automaticDraftTokens = 1...16

    static func runSpeculative(
        _ arguments: Arguments, model: ModelConfig, hardware: Accelerator, format: String
    ) throws(CommandLineError) -> String {
        guard let draftName = arguments.options["speculative"] else {
            throw .usage("--speculative names the draft model, e.g. --speculative llama-2-7b", usage: usage)
        }
        var arguments = arguments
        let phase = arguments.options["phase"] ?? "decode"
        guard phase == "decode" else {
            throw .usage("--speculative applies to decode, found --phase \(phase)", usage: usage)
        }
        arguments.options["phase"] = "decode"
        guard let acceptanceText = arguments.options["acceptance"] else {
            throw .usage(
                "--speculative needs --acceptance A, the probability a draft token is accepted, e.g. --acceptance 0.8",
                usage: usage)
        }
        guard let acceptance = Double(acceptanceText), acceptance >= 0, acceptance <= 1 else {
            throw .usage(
                "--acceptance takes a probability in [0, 1] such as 0.8, found '\(acceptanceText)'", usage: usage)
        }
        let draftText = arguments.options["draft-tokens"] ?? "auto"
        let asked: Int?
        if draftText == "auto" {
            asked = nil
        } else {
            guard let k = Int(draftText), k >= 1, k <= SpeculativeDecoding.maximumDraftTokens else {
                throw .usage(
                    "--draft-tokens takes a whole number in 1...\(SpeculativeDecoding.maximumDraftTokens) or auto, found '\(draftText)'",
                    usage: usage)
            }
            asked = k
        }
        let draft: ModelConfig
        do {
            draft = try ModelConfig.load(draftName)
        } catch {
            throw .data(error)
        }
        let plain = try WorkloadArguments.graph(model: model, hardware: hardware, arguments, usage: usage)
        guard case .decode(let batch, let context) = plain.phase else {
            throw .usage("--speculative applies to decode", usage: usage)
        }
        let evaluator = try self.evaluator(arguments, hardware: hardware)
        let range = asked.map { 1...max($0, 8) } ?? automaticDraftTokens
        let table: [SpeculativeEvaluation]
        do {
            let first = SpeculativeDecoding(draftTokens: range.lowerBound, acceptance: acceptance)
            let graphs = try first.graphs(
                target: model, draft: draft, precision: plain.precision, options: plain.options, batch: batch,
                context: context)
            for warning in graphs.draft.warnings {
                FileHandle.standardError.write(Data("joule: warning: draft: \(warning)\n".utf8))
            }
            table = try evaluator.evaluateSpeculative(
                target: model, draft: draft, precision: plain.precision, options: plain.options, batch: batch,
                context: context, acceptance: acceptance, draftTokens: range)
        } catch {
            throw .usage(error.message, usage: usage)
        }
        let baseline: GraphEvaluation
        do {
            baseline = try evaluator.evaluate(plain)
        } catch {
            let named = arguments.positionals.count > 1 ? arguments.positionals[1] : hardware.name
            throw .data(WorkloadArguments.diagnostic(error, hardware: named))
        }
        guard let best = table.min(by: { $0.energyPerToken < $1.energyPerToken }) else {
            throw .usage("no draft-token count to evaluate", usage: usage)
        }
        let chosen = asked.flatMap { k in table.first { $0.setting.draftTokens == k } } ?? best
        let report = SpeculativeReport(
            target: model, draft: draft, baseline: baseline, rows: table, chosen: chosen, best: best,
            automatic: asked == nil)
        return format == "json" ? report.json() : report.table()
    }
}

/// Prints speculative decoding's cost per accepted token against plain decoding, over k.
struct SpeculativeReport {
    let target: ModelConfig
    let draft: ModelConfig
    /// The target's plain decode step (one token per sequence).
    let baseline: GraphEvaluation
    let rows: [SpeculativeEvaluation]
    let chosen: SpeculativeEvaluation
    let best: SpeculativeEvaluation
    let automatic: Bool

    private var plainEnergy: Double { baseline.energyPerToken }
    private var plainTime: Double { baseline.timePerToken }

    func table() -> String {
        let a = chosen.setting.acceptance
        let graph = baseline.graph
        var out = [
            "speculative decoding: \(target.name) verifies, \(draft.name) drafts, on \(baseline.hardware.name) · \(graph.phase) · precision \(graph.precision) · acceptance \(QuantityFormat.number(a))",
            "draft step \(QuantityFormat.scaled(chosen.draft.energy.total, unit: "J")), \(QuantityFormat.scaled(chosen.draft.seconds, unit: "s")) · plain target step \(QuantityFormat.scaled(baseline.energy.total, unit: "J")), \(QuantityFormat.scaled(baseline.seconds, unit: "s"))",
            "",
        ]
        var text = TextTable(["k", "tokens/verification", "J/token", "time/token", "energy vs plain", "time vs plain"])
        text.add(["0 (plain)", "1", scaled(plainEnergy, "J"), scaled(plainTime, "s"), "1", "1"])
        for row in self.rows {
            text.add([
                "\(row.setting.draftTokens)" + (row.setting.draftTokens == best.setting.draftTokens ? " *" : ""),
                QuantityFormat.number(row.setting.expectedTokens), scaled(row.energyPerToken, "J"),
                scaled(row.timePerToken, "s"), QuantityFormat.number(row.energyPerToken / plainEnergy, significant: 3),
                QuantityFormat.number(row.timePerToken / plainTime, significant: 3),
            ])
        }
        out.append(text.render())
        out.append("")
        let k = chosen.setting.draftTokens
        out.append(
            "k = \(k)\(automatic ? " (auto: lowest energy per token for k in \(EvalCommand.automaticDraftTokens))" : ""): \(QuantityFormat.number(chosen.setting.expectedTokens)) tokens per verification = (1 - \(QuantityFormat.number(a))^\(k + 1)) / (1 - \(QuantityFormat.number(a))); per accepted token \(scaled(chosen.energyPerToken, "J")) and \(scaled(chosen.timePerToken, "s")) (plain decoding: \(scaled(plainEnergy, "J")), \(scaled(plainTime, "s")))"
        )
        out.append("* lowest energy per accepted token: k = \(best.setting.draftTokens)")
        return out.joined(separator: "\n")
    }

    private func scaled(_ value: Double, _ unit: String) -> String { QuantityFormat.scaled(value, unit: unit) }

    func json() -> String {
        let objects: [[String: Any]] = rows.map { row in
            [
                "draft_tokens": row.setting.draftTokens, "expected_tokens": row.setting.expectedTokens,
                "energy_per_token_j": row.energyPerToken, "time_per_token_s": row.timePerToken,
                "latency_per_token_s": row.latencyPerToken, "energy_per_cycle_j": row.energyPerCycle,
                "seconds_per_cycle": row.secondsPerCycle,
            ]
        }
        let object: [String: Any] = [
            "target": target.name, "draft": draft.name, "hardware": baseline.hardware.name,
            "batch": baseline.graph.phase.batch, "acceptance": chosen.setting.acceptance,
            "draft_step": ["energy_j": chosen.draft.energy.total, "seconds": chosen.draft.seconds],
            "plain": ["energy_per_token_j": plainEnergy, "time_per_token_s": plainTime],
            "draft_tokens": chosen.setting.draftTokens, "best_draft_tokens": best.setting.draftTokens,
            "energy_per_token_j": chosen.energyPerToken, "time_per_token_s": chosen.timePerToken,
            "table": objects,
        ]
        return JSONOutput.render(object)
    }
}
