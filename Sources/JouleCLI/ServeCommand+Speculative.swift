import Foundation
import JouleEval
import JouleSpec
import JouleSystem

/// `joule serve ... --speculative DRAFT --draft-tokens K --acceptance A`: each iteration of
/// continuous batching is one verification cycle.
extension ServeCommand {
    /// The draft and setting the options give (nil without --speculative).
    static func speculation(_ arguments: Arguments) throws(CommandLineError) -> ContinuousBatching.Speculation? {
        guard arguments.options["speculative"] != nil else {
            for option in ["draft-tokens", "acceptance"] where arguments.options[option] != nil {
                throw .usage("--\(option) applies with --speculative DRAFT", usage: usage)
            }
            return nil
        }
        var arguments = arguments
        arguments.options["phase"] = nil
        let setting = try SpeculativeArguments(&arguments, usage: usage)
        guard let k = setting.asked else {
            throw .usage(
                "serve needs a number of draft tokens, e.g. --draft-tokens 4 (joule eval TARGET CLUSTER --speculative DRAFT --acceptance A finds the k with the lowest energy per token)",
                usage: usage)
        }
        return .init(draft: setting.draft, setting: SpeculativeDecoding(draftTokens: k, acceptance: setting.acceptance))
    }

    /// The table row that replaces the decode step: the verification cycle.
    static func speculativeRow(_ cycle: SystemSpeculativeEvaluation) -> (String, String) {
        let k = cycle.setting.draftTokens
        return (
            "verification cycle",
            "\(k) draft steps of \(SystemReport.time(cycle.draft.seconds)) + verification \(SystemReport.time(cycle.verification.seconds)) = \(SystemReport.time(cycle.secondsPerCycle)), \(SystemReport.joules(cycle.energyPerCycle)); \(QuantityFormat.number(cycle.setting.expectedTokens)) tokens per sequence"
        )
    }

    /// The cycle in JSON (NSNull without speculative decoding).
    static func speculativeObject(_ cycle: SystemSpeculativeEvaluation?) -> Any {
        guard let cycle else { return NSNull() }
        return [
            "draft": cycle.draft.device.graph.model.name, "draft_tokens": cycle.setting.draftTokens,
            "acceptance": cycle.setting.acceptance, "expected_tokens": cycle.setting.expectedTokens,
            "draft_step_s": cycle.draft.seconds, "draft_step_j": cycle.draft.energy,
            "verification_s": cycle.verification.seconds, "verification_j": cycle.verification.energy,
            "cycle_s": cycle.secondsPerCycle, "cycle_j": cycle.energyPerCycle,
        ] as [String: Any]
    }
}
