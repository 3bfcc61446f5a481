import Foundation
import JouleSearch
import JouleSpec
import YAML

/// `joule sweep FILE` and `joule sweep merge DIR...`.
enum SweepCommand {
    static let usage =
        "usage: joule sweep FILE [--out DIR] [--resume | --force] [--shard I/N]\n       joule sweep FILE --slurm [--shards N] [--partition P] [--time T] [--submit | --print] [--only-missing]\n       joule sweep merge DIR... [--out DIR]"

    static let help = """
        \(usage)

        Evaluates every point of a sweep file on all cores. Each finished point is appended to
        DIR/points.csv as it completes (every axis value, feasibility, the violated constraint
        or the error, and every metric), so a killed sweep loses at most the points in flight:
        run the same command with --resume to complete it. When every point is done, the table
        is rewritten in id order, and DIR/pareto.csv (the non-dominated feasible points),
        DIR/summary.md (best point per objective, the front, how each axis moves the
        objectives) and DIR/pareto.svg are written. DIR defaults to out/NAME.

          --shard I/N   run only the points with id mod N = I - 1 (I from 1 to N), for a job
                        array; then combine the shard folders with `joule sweep merge`
          --resume      keep the finished points in DIR/points.csv and run the rest; refused
                        (exit 65, naming what differs) unless DIR holds this sweep's points:
                        same sweep file after defaults, hardware and model files, joule
                        version and shard. Rows that do not check out are recomputed
          --force       discard DIR's previous results (only the files a sweep writes, and
                        only when DIR/sweep.json shows a sweep wrote them) and start over

        A folder that holds results already is refused without --resume or --force (exit 65).
        One process at a time writes in DIR (DIR/sweep.lock): a second is refused with the
        holder's pid (exit 75); a lock left by a killed run is taken over.

        `merge` combines shard folders into --out (default: the shards' parent folder) and
        reports ids found twice and ids no shard has (exit 65 when any are missing). Shards
        of another sweep (other sweep file, hardware or model file, joule version, split) are
        refused, naming what differs.

        \(slurmHelp)

        examples:
          joule sweep Sweeps/bert-sram-array.yaml --out out/bert
          joule sweep Sweeps/bert-sram-array.yaml --slurm --shards 64 --out out/bert --submit
          joule sweep Sweeps/bert-sram-array.yaml --shard 3/8 --out out/bert/shard-3
          joule sweep merge out/bert/shard-*
        """

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        if words.first == "merge" { return try merge(Array(words.dropFirst())) }
        let arguments = try Arguments(
            words, valued: ["out", "shard", "shards", "partition", "time"],
            flags: ["resume", "force", "slurm", "submit", "print", "only-missing"], usage: usage)
        guard arguments.positionals.count == 1 else { throw .usage("name one sweep file", usage: usage) }
        var shard: (Int, Int)?
        if let text = arguments.options["shard"] {
            let parts = text.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, parts[0] >= 1, parts[0] <= parts[1] else {
                throw .usage("--shard takes I/N with 1 <= I <= N, found '\(text)'", usage: usage)
            }
            shard = (parts[0], parts[1])
        }
        let plan: SweepPlan
        do {
            plan = try SweepPlan(spec: try SweepSpec.load(arguments.positionals[0]))
        } catch {
            throw .data(error)
        }
        let directory = arguments.options["out"] ?? "out/" + plan.spec.name
        if arguments.flags.contains("slurm") {
            return try slurm(arguments, plan: plan, directory: directory)
        }
        for flag in ["submit", "print", "only-missing"] where arguments.flags.contains(flag) {
            throw .usage("--\(flag) goes with --slurm", usage: usage)
        }
        if arguments.flags.contains("resume") && arguments.flags.contains("force") {
            throw .usage("give --resume or --force, not both", usage: usage)
        }
        let runner = SweepRunner(
            plan: plan, directory: directory, shard: shard, resume: arguments.flags.contains("resume"),
            force: arguments.flags.contains("force"))
        let progress = ProgressBar(label: plan.spec.name)
        let outcome: SweepRunner.Outcome
        do {
            outcome = try runner.run(
                stop: { Interrupt.requested }, progress: { done, total in progress.update(done: done, total: total) })
        } catch {
            progress.finish()
            throw failure(error, path: directory)
        }
        progress.finish()
        for note in outcome.notes { FileHandle.standardError.write(Data("joule: note: \(note)\n".utf8)) }
        var text = report(outcome: outcome, plan: plan, directory: directory)
        do {
            _ = try ParetoPlot.writeParetoSVG(directory: directory)
            text += ", pareto.svg"
        } catch {
            FileHandle.standardError.write(Data("joule: warning: no pareto.svg: \(error)\n".utf8))
        }
        return text
    }

    /// A sweep error as the command's failure: bad data exits 65, I/O 74, a busy folder 75, a
    /// run stopped by Ctrl-C (only the REPL catches it) 130.
    static func failure(_ error: SweepError, path: String) -> CommandLineError {
        switch error.kind {
        case .data:
            return .data(Diagnostics([Diagnostic(path: path, mark: nil, message: error.message, hint: error.hint)]))
        case .io: return .io(error.description)
        case .busy: return .busy(error.description)
        case .interrupted: return .interrupted(error.description)
        }
    }

    static func report(outcome: SweepRunner.Outcome, plan: SweepPlan, directory: String) -> String {
        let rows = outcome.table.rows
        let feasible = rows.filter(\.feasible).count
        let failed = rows.filter { !$0.error.isEmpty }.count
        var counts = "\(rows.count) points ("
        if outcome.refined > 0 { counts += "\(rows.count - outcome.refined) of the design space: " }
        counts += "\(outcome.evaluated) evaluated now"
        if outcome.resumed > 0 { counts += ", \(outcome.resumed) resumed" }
        if outcome.refined > 0 { counts += "; \(outcome.refined) more found by refinement" }
        counts += ")"
        var out = [
            "\(plan.spec.name): \(counts), \(feasible) feasible, \(failed) failed; \(outcome.pareto.count) on the Pareto front"
        ]
        if outcome.rejected > 0 {
            out.append(
                "\(outcome.rejected) rows of the previous points.csv did not check out and were dropped; "
                    + "\(outcome.recomputed) of their points were recomputed")
        }
        var table = TextTable(["best", "value", "id", "settings"], alignments: [.left, .right, .right, .left])
        for metric in plan.spec.objectives {
            let candidates = rows.filter { $0.feasible && $0.metrics[metric] != nil }
            let best = candidates.min { a, b in
                let (x, y) = (a.metrics[metric] ?? 0, b.metrics[metric] ?? 0)
                return metric.maximise ? x > y : x < y
            }
            guard let best else { continue }
            table.add([
                metric.column, QuantityFormat.number(best.metrics[metric] ?? 0), "\(best.id)",
                zip(plan.keys, best.values).map { "\($0)=\($1)" }.joined(separator: ", "),
            ])
        }
        out.append(table.render())
        out.append("wrote \(directory)/points.csv, pareto.csv, summary.md")
        return out.joined(separator: "\n")
    }

    static func merge(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: ["out"], flags: [], usage: usage)
        let merged: SweepMerge
        do {
            merged = try SweepMerge(directories: arguments.positionals)
        } catch {
            throw failure(error, path: arguments.positionals.first ?? "merge")
        }
        let first = arguments.positionals.first ?? "."
        let directory = arguments.options["out"] ?? (first as NSString).deletingLastPathComponent
        do {
            try merged.write(directory: directory)
        } catch {
            throw failure(error, path: directory)
        }
        var out = [
            "merged \(arguments.positionals.count) shards into \(directory): \(merged.table.rows.count) of \(merged.total) points"
        ]
        if !merged.duplicates.isEmpty {
            out.append(
                "duplicates (kept the first): " + merged.duplicates.prefix(20).map(String.init).joined(separator: ", "))
        }
        if !merged.missing.isEmpty {
            let list =
                merged.missing.prefix(20).map(String.init).joined(separator: ", ")
                + (merged.missing.count > 20 ? ", …" : "")
            FileHandle.standardError.write(Data((out.joined(separator: "\n") + "\n").utf8))
            throw .data(
                Diagnostics([
                    Diagnostic(
                        path: directory, mark: nil, message: "\(merged.missing.count) points missing: \(list)",
                        hint: "rerun the shards that own them, with --resume")
                ]))
        }
        return out.joined(separator: "\n")
    }
}

/// A progress line with rate and ETA on a terminal; plain lines every 10 % otherwise.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let terminal = isatty(2) != 0
    private let start = Date()
    private var lastDecile = -1
    private var drawn = false
    private var width = 0

    init(label: String) { self.label = label }

    func update(done: Int, total: Int) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        if terminal {
            let line = Self.line(label: label, done: done, total: total, rate: rate, eta: eta)
            // Blank out what a longer previous line leaves behind ("ETA 10 s" then "ETA 9 s").
            let padding = String(repeating: " ", count: max(0, width - line.count))
            FileHandle.standardError.write(Data(("\r" + line + padding).utf8))
            width = line.count
            drawn = true
        } else {
            let decile = Int(fraction * 10)
            if decile != lastDecile {
                lastDecile = decile
                FileHandle.standardError.write(
                    Data("\(label): \(done)/\(total) points, \(QuantityFormat.number(rate)) points/s\n".utf8))
            }
        }
    }

    /// One progress line: a bar, the count, the rate and the time left (unknown before a rate).
    static func line(label: String, done: Int, total: Int, rate: Double, eta: Double) -> String {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let left = rate > 0 ? "ETA \(Int(eta.rounded())) s" : "ETA unknown"
        return "\(label) [\(bar)] \(done)/\(total)  \(QuantityFormat.number(rate)) points/s  \(left)"
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
