import Foundation
import JouleEval

/// Runs a sweep's points on every core and writes each finished point to `OUT/points.csv` as
/// it goes, so a killed run loses at most the points in flight and `resume` completes it.
/// On completion the table is rewritten in id order (equal to an uninterrupted run), with
/// `pareto.csv` and `summary.md` beside it.
public struct SweepRunner: Sendable {
    /// The sweep.
    public var plan: SweepPlan
    /// The output folder.
    public var directory: String
    /// Run only points with `id % count == index - 1` (1-based index, for job arrays).
    public var shard: (index: Int, count: Int)?
    /// Keep the points already in points.csv and run the rest.
    public var resume: Bool
    /// Points evaluated between writes (the most a kill can lose).
    public var chunk: Int

    /// A runner writing into `directory`.
    public init(
        plan: SweepPlan, directory: String, shard: (index: Int, count: Int)? = nil, resume: Bool = false,
        chunk: Int = 16
    ) {
        self.plan = plan
        self.directory = directory
        self.shard = shard
        self.resume = resume
        self.chunk = max(1, chunk)
    }

    /// What a finished run produced.
    public struct Outcome: Sendable {
        /// Every row of this run's points (this shard's, when sharded), by id.
        public var table: SweepTable
        /// The Pareto front of the feasible rows.
        public var pareto: [PointResult]
        /// Points evaluated by this call (the rest were resumed).
        public var evaluated: Int
    }

    var pointsPath: String { (directory as NSString).appendingPathComponent("points.csv") }

    /// The ids this run is responsible for.
    public var ids: [Int] {
        let all = Array(plan.points.indices)
        guard let shard else { return all }
        return all.filter { $0 % shard.count == shard.index - 1 }
    }

    /// Runs (or resumes) the sweep; `progress(done, total)` is called after every chunk. An
    /// unsharded run with `refine` then refines the best point (sharded runs skip refinement).
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws(SweepError) -> Outcome {
        let manager = FileManager.default
        do {
            try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SweepError("cannot create \(directory): \(error.localizedDescription)")
        }
        var table = SweepTable(keys: plan.keys)
        if manager.fileExists(atPath: pointsPath) {
            guard resume else {
                throw SweepError("\(pointsPath) exists", hint: "pass --resume to complete it, or choose another --out")
            }
            let previous = try SweepTable.read(path: pointsPath)
            guard previous.keys == plan.keys else {
                throw SweepError("\(pointsPath) was written by a sweep over other keys")
            }
            let mine = Set(ids)
            var seen = Set<Int>()
            table.rows = previous.rows.filter { mine.contains($0.id) && seen.insert($0.id).inserted }
        }
        try writeManifest()
        try table.write(path: pointsPath)  // drops a partial last line before appending
        guard let handle = FileHandle(forWritingAtPath: pointsPath) else {
            throw SweepError("cannot append to \(pointsPath)")
        }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        let done = Set(table.rows.map(\.id))
        let remaining = ids.filter { !done.contains($0) }
        let total = ids.count
        var finished = total - remaining.count
        progress(finished, total)
        let plan = self.plan
        for start in stride(from: 0, to: remaining.count, by: chunk) {
            let batch = Array(remaining[start..<min(remaining.count, start + chunk)])
            let results = batch.parallelMap { plan.evaluate($0) }
            let text = results.map(SweepTable.line).joined(separator: "\n") + "\n"
            do {
                try handle.write(contentsOf: Data(text.utf8))
            } catch {
                throw SweepError("cannot write \(pointsPath): \(error.localizedDescription)")
            }
            table.rows += results
            finished += results.count
            progress(finished, total)
        }
        if let iterations = plan.spec.refineIterations, shard == nil {
            let refined = Refinement.run(plan: plan, rows: table.rows, iterations: iterations)
            table.rows += refined
            progress(finished + refined.count, total + refined.count)
        }
        table.rows.sort { $0.id < $1.id }
        try table.write(path: pointsPath)
        let front = Pareto.front(table.rows, objectives: plan.spec.objectives)
        try SweepTable(keys: plan.keys, rows: front).write(
            path: (directory as NSString).appendingPathComponent("pareto.csv"))
        let summary = SweepSummary(
            spec: plan.spec, keys: plan.keys, rows: table.rows, pareto: front, total: plan.points.count)
        do {
            try summary.markdown().write(
                toFile: (directory as NSString).appendingPathComponent("summary.md"), atomically: true, encoding: .utf8)
        } catch {
            throw SweepError("cannot write summary.md: \(error.localizedDescription)")
        }
        return Outcome(table: table, pareto: front, evaluated: remaining.count)
    }

    /// `sweep.json`: what `merge` needs to check shards (the total and the keys).
    func writeManifest() throws(SweepError) {
        let object: [String: Any] = [
            "name": plan.spec.name, "total_points": plan.points.count, "keys": plan.keys,
            "objectives": plan.spec.objectives.map(\.rawValue), "shard": shard.map { "\($0.index)/\($0.count)" } ?? "",
            "sweep_file": plan.spec.path,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        else {
            throw SweepError("cannot encode the manifest")
        }
        do {
            try data.write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("sweep.json")))
        } catch {
            throw SweepError("cannot write sweep.json: \(error.localizedDescription)")
        }
    }
}
