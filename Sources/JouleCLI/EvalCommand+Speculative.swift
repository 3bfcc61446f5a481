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
        var arguments = arguments
        let setting = try SpeculativeArguments(&arguments, usage: usage)
        let plain = try WorkloadArguments.graph(model: model, hardware: hardware, arguments, usage: usage)
        guard case .decode(let batch, let context) = plain.phase else {
            throw .usage("--speculative applies to decode", usage: usage)
        }
        let evaluator = try self.evaluator(arguments, hardware: hardware)
        let table: [SpeculativeEvaluation]
        do {
            let first = SpeculativeDecoding(draftTokens: setting.range.lowerBound, acceptance: setting.acceptance)
            let graphs = try first.graphs(
                target: model, draft: setting.draft, precision: plain.precision, options: plain.options, batch: batch,
                context: context)
            for warning in graphs.draft.warnings {
                FileHandle.standardError.write(Data("joule: warning: draft: \(warning)\n".utf8))
            }
            table = try evaluator.evaluateSpeculative(
                target: model, draft: setting.draft, precision: plain.precision, options: plain.options, batch: batch,
                context: context, acceptance: setting.acceptance, draftTokens: setting.range)
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
        let rows = table.map {
            SpeculativeReport.Row(
                setting: $0.setting, energyPerToken: $0.energyPerToken, timePerToken: $0.timePerToken,
                latencyPerToken: $0.latencyPerToken, energyPerCycle: $0.energyPerCycle,
                secondsPerCycle: $0.secondsPerCycle, draftEnergy: $0.draft.energy.total, draftSeconds: $0.draft.seconds)
        }
        let report = try SpeculativeReport(
            target: model, draft: setting.draft, on: baseline.hardware.name,
            header: "\(baseline.graph.phase) · precision \(baseline.graph.precision)", batch: batch,
            plainEnergy: baseline.energy.total, plainSeconds: baseline.seconds,
            plainEnergyPerToken: baseline.energyPerToken,
            plainTimePerToken: baseline.timePerToken, rows: rows, asked: setting.asked, usage: usage)
        return format == "json" ? report.json() : report.table()
    }
}

/// `--speculative DRAFT --acceptance A [--draft-tokens K|auto]`, read and checked.
struct SpeculativeArguments {
    /// The draft model.
    let draft: ModelConfig
    /// The probability that a draft token is accepted.
    let acceptance: Double
    /// The k asked for (nil: auto).
    let asked: Int?

    /// The k evaluated: 1...max(k, 8) for a given k (the table shows its neighbours), else
    /// `EvalCommand.automaticDraftTokens`.
    var range: ClosedRange<Int> { asked.map { 1...max($0, 8) } ?? EvalCommand.automaticDraftTokens }

    /// Reads the options; the phase must be decode (and is set to it when left out).
    init(_ arguments: inout Arguments, usage: String) throws(CommandLineError) {
        guard let draftName = arguments.options["speculative"] else {
            throw .usage("--speculative names the draft model, e.g. --speculative llama-2-7b", usage: usage)
        }
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
        self.acceptance = acceptance
        let draftText = arguments.options["draft-tokens"] ?? "auto"
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
        do {
            draft = try ModelConfig.load(draftName)
        } catch {
            throw .data(error)
        }
    }
}

/// Prints speculative decoding's cost per accepted token against plain decoding, over k, on
/// one device or a cluster.
struct SpeculativeReport {
    /// One k's figures.
    struct Row {
        let setting: SpeculativeDecoding
        let energyPerToken: Double
        let timePerToken: Double
        let latencyPerToken: Double
        let energyPerCycle: Double
        let secondsPerCycle: Double
        /// One draft step's joules and seconds.
        let draftEnergy: Double
        let draftSeconds: Double
    }

    let target: ModelConfig
    let draft: ModelConfig
    /// The hardware or cluster name.
    let on: String
    /// "decode batch 8, context 2048 · precision bf16" and the like.
    let header: String
    let batch: Int
    /// The target's plain decode step (one token per sequence): joules and seconds, and per token.
    let plainEnergy: Double
    let plainSeconds: Double
    let plainEnergyPerToken: Double
    let plainTimePerToken: Double
    let rows: [Row]
    let chosen: Row
    let best: Row
    let automatic: Bool
    /// Extra lines after the table (a cluster's memory per device).
    var notes: [String] = []

    /// The report; `asked` is the k the user gave (nil: auto, the lowest energy per token).
    init(
        target: ModelConfig, draft: ModelConfig, on: String, header: String, batch: Int, plainEnergy: Double,
        plainSeconds: Double, plainEnergyPerToken: Double, plainTimePerToken: Double, rows: [Row], asked: Int?,
        usage: String
    ) throws(CommandLineError) {
        guard let best = rows.min(by: { $0.energyPerToken < $1.energyPerToken }) else {
            throw .usage("no draft-token count to evaluate", usage: usage)
        }
        (self.target, self.draft, self.on, self.header, self.batch) = (target, draft, on, header, batch)
        (self.plainEnergy, self.plainSeconds) = (plainEnergy, plainSeconds)
        (self.plainEnergyPerToken, self.plainTimePerToken) = (plainEnergyPerToken, plainTimePerToken)
        self.rows = rows
        self.best = best
        chosen = asked.flatMap { k in rows.first { $0.setting.draftTokens == k } } ?? best
        automatic = asked == nil
    }

    func table() -> String {
        let a = chosen.setting.acceptance
        var out = [
            "speculative decoding: \(target.name) verifies, \(draft.name) drafts, on \(on) · \(header) · acceptance \(QuantityFormat.number(a))",
            "draft step \(scaled(chosen.draftEnergy, "J")), \(scaled(chosen.draftSeconds, "s")) · plain target step \(scaled(plainEnergy, "J")), \(scaled(plainSeconds, "s"))",
            "",
        ]
        var text = TextTable(["k", "tokens/verification", "J/token", "time/token", "energy vs plain", "time vs plain"])
        text.add(["0 (plain)", "1", scaled(plainEnergyPerToken, "J"), scaled(plainTimePerToken, "s"), "1", "1"])
        for row in self.rows {
            text.add([
                "\(row.setting.draftTokens)" + (row.setting.draftTokens == best.setting.draftTokens ? " *" : ""),
                QuantityFormat.number(row.setting.expectedTokens), scaled(row.energyPerToken, "J"),
                scaled(row.timePerToken, "s"),
                QuantityFormat.number(row.energyPerToken / plainEnergyPerToken, significant: 3),
                QuantityFormat.number(row.timePerToken / plainTimePerToken, significant: 3),
            ])
        }
        out.append(text.render())
        out.append("")
        let k = chosen.setting.draftTokens
        out.append(
            "k = \(k)\(automatic ? " (auto: lowest energy per token for k in \(EvalCommand.automaticDraftTokens))" : ""): \(QuantityFormat.number(chosen.setting.expectedTokens)) tokens per verification = (1 - \(QuantityFormat.number(a))^\(k + 1)) / (1 - \(QuantityFormat.number(a))); per accepted token \(scaled(chosen.energyPerToken, "J")) and \(scaled(chosen.timePerToken, "s")) (plain decoding: \(scaled(plainEnergyPerToken, "J")), \(scaled(plainTimePerToken, "s")))"
        )
        out.append("* lowest energy per accepted token: k = \(best.setting.draftTokens)")
        out += notes
        return out.joined(separator: "\n")
    }

    private func scaled(_ value: Double, _ unit: String) -> String { QuantityFormat.scaled(value, unit: unit) }

    /// The JSON object; `extra` adds keys (a cluster's plan and footprint).
    func json(_ extra: [String: Any] = [:]) -> String {
        let objects: [[String: Any]] = rows.map { row in
            [
                "draft_tokens": row.setting.draftTokens, "expected_tokens": row.setting.expectedTokens,
                "energy_per_token_j": row.energyPerToken, "time_per_token_s": row.timePerToken,
                "latency_per_token_s": row.latencyPerToken, "energy_per_cycle_j": row.energyPerCycle,
                "seconds_per_cycle": row.secondsPerCycle,
            ]
        }
        var object: [String: Any] = [
            "target": target.name, "draft": draft.name, "hardware": on, "batch": batch,
            "acceptance": chosen.setting.acceptance,
            "draft_step": ["energy_j": chosen.draftEnergy, "seconds": chosen.draftSeconds],
            "plain": ["energy_per_token_j": plainEnergyPerToken, "time_per_token_s": plainTimePerToken],
            "draft_tokens": chosen.setting.draftTokens, "best_draft_tokens": best.setting.draftTokens,
            "energy_per_token_j": chosen.energyPerToken, "time_per_token_s": chosen.timePerToken,
            "table": objects,
        ]
        object.merge(extra) { _, new in new }
        return JSONOutput.render(object)
    }
}
