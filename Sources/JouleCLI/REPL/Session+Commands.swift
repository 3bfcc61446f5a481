import Foundation
import JouleSpec

/// What a command printed, the warnings it raised, and whether it ends the session.
struct SessionOutput {
    var text: String
    var warnings: [String] = []
    var quit = false
}

extension Session {
    /// Runs one command. The caller runs it on a copy and keeps the copy only on success.
    mutating func execute(_ command: SessionCommand) throws(SessionError) -> SessionOutput {
        switch command {
        case .help(let topic):
            return SessionOutput(text: topic.map(SessionHelp.text(for:)) ?? SessionHelp.overview)
        case .load(let subject, let name):
            return SessionOutput(text: try load(subject, name))
        case .show(let target, let name):
            let (text, warnings) = try show(target, name)
            return SessionOutput(text: text, warnings: warnings)
        case .set(let key, let value):
            return SessionOutput(text: try set(key, to: value))
        case .unset(let key):
            return SessionOutput(text: try unset(key))
        case .diff:
            return SessionOutput(text: diff())
        case .eval(let perOperator):
            if workload.speculative != nil { return SessionOutput(text: try speculative()) }
            let evaluation = try evaluate()
            return SessionOutput(
                text: evalReport(evaluation, perOperator: perOperator), warnings: evaluation.graph.warnings)
        case .breakdown(let cut):
            let evaluation = try evaluate()
            return SessionOutput(text: breakdown(cut, evaluation), warnings: evaluation.graph.warnings)
        case .roofline:
            let evaluation = try evaluate()
            return SessionOutput(text: roofline(evaluation), warnings: evaluation.graph.warnings)
        case .dvfs:
            return SessionOutput(text: try dvfs())
        case .serve:
            return SessionOutput(text: try serve())
        case .top(let count, let rank):
            let evaluation = try evaluate()
            return SessionOutput(text: top(count, by: rank, evaluation), warnings: evaluation.graph.warnings)
        case .compare(let name):
            return SessionOutput(text: try compare(name))
        case .save(let name):
            return SessionOutput(text: save(name))
        case .restore(let name):
            return SessionOutput(text: try restore(name))
        case .export(let subject, let file):
            return SessionOutput(text: try export(subject, to: file))
        case .sweepValues(let key, let values):
            return SessionOutput(text: try sweep(key, values))
        case .sweepFile(var words):
            // A bare name is looked up in the Sweeps/ library, as hardware and models are.
            if let first = words.first, !FileManager.default.fileExists(atPath: first),
                let path = catalog.resolve(first, shelf: .sweeps)
            {
                words[0] = path
            }
            do {
                return SessionOutput(text: try SweepCommand.run(words))
            } catch {
                throw SessionError(error)
            }
        case .plot(let kind, let file):
            let (text, warnings) = try plot(kind, to: file)
            return SessionOutput(text: text, warnings: warnings)
        case .format(let format):
            self.format = format
            return SessionOutput(text: "format = \(format.rawValue)")
        case .quit:
            return SessionOutput(text: "", quit: true)
        }
    }
}
