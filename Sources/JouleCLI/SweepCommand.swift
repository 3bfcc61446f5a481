import Foundation
import JouleSearch
import JouleSpec
import YAML

/// `joule sweep FILE` and `joule sweep merge DIR...`.
enum SweepCommand {
    static let usage =
        "usage: joule sweep FILE [--out DIR] [--resume] [--shard I/N]\n       joule sweep FILE --slurm [--shards N] [--partition P] [--time T] [--submit | --print] [--only-missing]\n       joule sweep merge DIR... [--out DIR]"

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
          --resume      keep the finished points in DIR/points.csv and run the rest

        `merge` combines shard folders into --out (default: the shards' parent folder) and
        reports ids found twice and ids no shard has (exit 65 when any are missing).

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
            flags: ["resume", "slurm", "submit", "print", "only-missing"], usage: usage)
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
        let runner = SweepRunner(
            plan: plan, directory: directory, shard: shard, resume: arguments.flags.contains("resume"))
        let progress = ProgressBar(label: plan.spec.name)
        let outcome: SweepRunner.Outcome
        do {
            outcome = try runner.run { done, total in progress.update(done: done, total: total) }
        } catch {
            progress.finish()
            throw .io(error.description)
        }
        progress.finish()
        var text = report(outcome: outcome, plan: plan, directory: directory)
        do {
            _ = try ParetoPlot.writeParetoSVG(directory: directory, objectives: plan.spec.objectives.map(\.column))
            text += ", pareto.svg"
        } catch {
            FileHandle.standardError.write(Data("joule: warning: no pareto.svg: \(error)\n".utf8))
        }
        return text
    }

    static func report(outcome: SweepRunner.Outcome, plan: SweepPlan, directory: String) -> String {
        let rows = outcome.table.rows
        let feasible = rows.filter(\.feasible).count
        let failed = rows.filter { !$0.error.isEmpty }.count
        var out = [
            "\(plan.spec.name): \(rows.count) points (\(outcome.evaluated) evaluated now), \(feasible) feasible, \(failed) failed; \(outcome.pareto.count) on the Pareto front"
        ]
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
            throw .data(
                Diagnostics([
                    Diagnostic(path: arguments.positionals.first ?? "merge", mark: nil, message: error.description)
                ]))
        }
        let first = arguments.positionals.first ?? "."
        let directory = arguments.options["out"] ?? (first as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try merged.table.write(path: (directory as NSString).appendingPathComponent("points.csv"))
            let front = Pareto.front(merged.table.rows, objectives: merged.objectives)
            try SweepTable(keys: merged.table.keys, rows: front).write(
                path: (directory as NSString).appendingPathComponent("pareto.csv"))
            if let spec = try? SweepSpec.load(merged.sweepFile) {
                let summary = SweepSummary(
                    spec: spec, keys: merged.table.keys, rows: merged.table.rows, pareto: front, total: merged.total)
                try summary.markdown().write(
                    toFile: (directory as NSString).appendingPathComponent("summary.md"), atomically: true,
                    encoding: .utf8)
            }
        } catch {
            throw .io("cannot write the merged sweep to \(directory): \(error)")
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

    init(label: String) { self.label = label }

    func update(done: Int, total: Int) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        if terminal {
            let width = 30
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line =
                "\r\(label) [\(bar)] \(done)/\(total)  \(QuantityFormat.number(rate)) points/s  ETA \(Int(eta.rounded())) s "
            FileHandle.standardError.write(Data(line.utf8))
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

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
