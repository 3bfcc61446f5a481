import Foundation
import JouleEval
import JouleSpec

/// Runs a sweep's points on every core and writes each finished point to `OUT/points.csv` as
/// it goes, so a killed run loses at most the points in flight and `resume` completes it.
/// On completion the table is rewritten in id order (equal to an uninterrupted run), with
/// `pareto.csv` and `summary.md` beside it.
///
/// The folder is held with a `SweepLock` while the run writes there, and `sweep.json` records
/// the fingerprint of its points. A folder that holds results already is refused unless
/// `resume` (same sweep, same shard: checked against the fingerprint, rows checked again) or
/// `force` (discard the files a sweep writes, and only those).
public struct SweepRunner: Sendable {
    /// The sweep.
    public var plan: SweepPlan
    /// The output folder.
    public var directory: String
    /// Run only points with `id % count == index - 1` (1-based index, for job arrays).
    public var shard: (index: Int, count: Int)?
    /// Keep the points already in points.csv and run the rest.
    public var resume: Bool
    /// Discard the folder's previous results (the files a sweep writes) and start over.
    public var force: Bool
    /// Points evaluated between writes (the most a kill can lose).
    public var chunk: Int

    /// The files a sweep writes in its folder: all that `force` removes.
    public static let ownFiles = [
        "points.csv", "pareto.csv", "summary.md", "pareto.svg", SweepManifest.fileName,
    ]

    /// A runner writing into `directory`.
    public init(
        plan: SweepPlan, directory: String, shard: (index: Int, count: Int)? = nil, resume: Bool = false,
        force: Bool = false, chunk: Int = 16
    ) {
        self.plan = plan
        self.directory = directory
        self.shard = shard
        self.resume = resume
        self.force = force
        self.chunk = max(1, chunk)
    }

    /// What a finished run produced.
    public struct Outcome: Sendable {
        /// Every row of this run's points (this shard's, when sharded), by id.
        public var table: SweepTable
        /// The Pareto front of the feasible rows.
        public var pareto: [PointResult]
        /// Points of the design space evaluated by this call (recomputed ones included).
        public var evaluated: Int
        /// Rows kept from a previous run.
        public var resumed: Int
        /// Rows of the previous points.csv that did not check out and were dropped.
        public var rejected: Int
        /// Points evaluated again because their previous row did not check out.
        public var recomputed: Int
        /// Points the refinement added, numbered after the design space's.
        public var refined: Int
        /// What the caller should tell the user: a lock taken over, previous results discarded.
        public var notes: [String]
    }

    var pointsPath: String { path("points.csv") }

    private func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }

    /// Whether point `id` is this run's (its shard's).
    public func owns(_ id: Int) -> Bool {
        guard id >= 0, id < plan.points.count else { return false }
        guard let shard else { return true }
        return id % shard.count == shard.index - 1
    }

    /// The ids this run is responsible for.
    public var ids: [Int] { plan.points.indices.filter(owns) }

    /// Runs (or resumes) the sweep; `progress(done, total)` is called after every chunk. An
    /// unsharded run with `refine` then refines the best point (sharded runs skip refinement).
    /// `stop` is asked before every chunk and before the refinement: when it says yes, the run
    /// ends with an `.interrupted` error, the finished points kept in points.csv for `resume`.
    public func run(stop: () -> Bool = { false }, progress: (Int, Int) -> Void = { _, _ in }) throws(SweepError)
        -> Outcome
    {
        let lock = try SweepLock(directory: directory)
        defer { lock.release() }
        var notes: [String] = []
        if let holder = lock.takenOver {
            notes.append("took over \(path(SweepLock.fileName)) from \(holder), which ended without letting go")
        }
        let fingerprint = try SweepFingerprint(plan: plan, shard: shard, version: JouleVersion.current)
        let manifest = try SweepManifest.read(directory: directory)
        var table = SweepTable(keys: plan.keys, serving: plan.isServing)
        var rejected = 0
        var recomputed = 0
        if manifest != nil || FileManager.default.fileExists(atPath: pointsPath) {
            if force {
                try discardPrevious(manifest)
                notes.append("discarded the previous results in \(directory)")
            } else if resume {
                try checkResumable(manifest, fingerprint)
                (table, rejected, recomputed) = try previousRows()
            } else {
                throw SweepError(
                    "this folder holds a sweep's results already",
                    hint: "pass --resume to complete the same sweep, --force to discard them and start over, "
                        + "or choose another --out")
            }
        }
        try SweepManifest(
            name: plan.spec.name, totalPoints: plan.points.count, keys: plan.keys,
            objectives: plan.spec.objectives.map(\.rawValue), shard: fingerprint.shard, sweepFile: plan.spec.path,
            fingerprint: fingerprint
        ).write(directory: directory)
        try table.write(path: pointsPath)  // drops a partial last line, and rows that did not check out
        guard let handle = FileHandle(forWritingAtPath: pointsPath) else {
            throw SweepError("cannot append to \(pointsPath)", kind: .io)
        }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        let done = Set(table.rows.map(\.id))
        let remaining = ids.filter { !done.contains($0) }
        let total = remaining.count + table.rows.count
        var finished = table.rows.count
        progress(finished, total)
        let plan = self.plan
        for start in stride(from: 0, to: remaining.count, by: chunk) {
            if stop() { throw interrupted(finished: finished, total: total) }
            let batch = Array(remaining[start..<min(remaining.count, start + chunk)])
            let results = batch.parallelMap { plan.evaluate($0) }
            let text = results.map(table.line).joined(separator: "\n") + "\n"
            do {
                try handle.write(contentsOf: Data(text.utf8))
            } catch {
                throw SweepError("cannot write \(pointsPath): \(error.localizedDescription)", kind: .io)
            }
            table.rows += results
            finished += results.count
            progress(finished, total)
        }
        var refined = 0
        if stop() { throw interrupted(finished: finished, total: total) }
        if let iterations = plan.spec.refineIterations, shard == nil {
            let added = Refinement.run(plan: plan, rows: table.rows, iterations: iterations)
            table.rows += added
            refined = added.count
            progress(finished + refined, total + refined)
        }
        table.rows.sort { $0.id < $1.id }
        try table.write(path: pointsPath)
        let front = Pareto.front(table.rows, objectives: plan.spec.objectives)
        try SweepTable(keys: plan.keys, serving: plan.isServing, rows: front).write(path: path("pareto.csv"))
        let summary = SweepSummary(
            spec: plan.spec, keys: plan.keys, rows: table.rows, pareto: front, total: plan.points.count)
        do {
            try summary.markdown().write(toFile: path("summary.md"), atomically: true, encoding: .utf8)
        } catch {
            throw SweepError("cannot write summary.md: \(error.localizedDescription)", kind: .io)
        }
        return Outcome(
            table: table, pareto: front, evaluated: remaining.count, resumed: done.count, rejected: rejected,
            recomputed: recomputed, refined: refined, notes: notes)
    }

    /// The error of a run stopped by its caller, with what it kept.
    private func interrupted(finished: Int, total: Int) -> SweepError {
        SweepError(
            "interrupted with \(finished) of \(total) points done; they are kept in \(pointsPath)",
            hint: "run the sweep again with --resume to complete it", kind: .interrupted)
    }

    /// `force`: removes the files a sweep writes, once sweep.json shows the folder is a sweep's.
    private func discardPrevious(_ manifest: SweepManifest?) throws(SweepError) {
        guard manifest != nil else {
            throw SweepError(
                "\(pointsPath) has no \(SweepManifest.fileName) beside it, so joule sweep did not write it; "
                    + "--force removes only a sweep's own files",
                hint: "choose another --out, or move the file away yourself")
        }
        for file in Self.ownFiles where FileManager.default.fileExists(atPath: path(file)) {
            do {
                try FileManager.default.removeItem(atPath: path(file))
            } catch {
                throw SweepError("cannot remove \(path(file)): \(error.localizedDescription)", kind: .io)
            }
        }
    }

    /// `resume`: the folder must hold this sweep's points, for this shard.
    private func checkResumable(_ manifest: SweepManifest?, _ fingerprint: SweepFingerprint) throws(SweepError) {
        let fresh = "--force to discard its results and start over, or choose another --out"
        guard let manifest else {
            throw SweepError(
                "\(pointsPath) has no \(SweepManifest.fileName) beside it: nothing says which sweep wrote it",
                hint: "choose another --out")
        }
        guard let recorded = manifest.fingerprint else {
            throw SweepError(
                "cannot resume: this folder was written before joule recorded what its points came from",
                hint: fresh)
        }
        if recorded.shard != fingerprint.shard {
            func describe(_ shard: String) -> String { shard.isEmpty ? "an unsharded run" : "shard \(shard)" }
            throw SweepError(
                "cannot resume: this folder holds \(describe(recorded.shard)), this run is \(describe(fingerprint.shard))",
                hint: "give each shard its own --out, or " + fresh)
        }
        let differences = fingerprint.differences(from: recorded)
        guard differences.isEmpty else {
            throw SweepError(
                "cannot resume: this folder holds another sweep's points: " + differences.joined(separator: "; "),
                hint: "undo the change, or " + fresh)
        }
    }

    /// The rows of the previous points.csv that check out, with the count of rows dropped and
    /// of this run's points among them (evaluated again). Refinement rows are dropped silently:
    /// the refinement finds them again.
    private func previousRows() throws(SweepError) -> (SweepTable, rejected: Int, recomputed: Int) {
        var table = SweepTable(keys: plan.keys, serving: plan.isServing)
        guard FileManager.default.fileExists(atPath: pointsPath) else { return (table, 0, 0) }
        let previous = try SweepTable.read(path: pointsPath)
        guard previous.keys == plan.keys else {
            throw SweepError(
                "\(pointsPath) has the columns of other keys (\(previous.keys.joined(separator: ", "))) than its sweep",
                hint: "--force to discard its results and start over")
        }
        var kept = Set<Int>()
        var suspect = Set(previous.malformed.compactMap { $0 }.filter(owns))
        var rejected = previous.malformed.count
        let refinedAgain = plan.spec.refineIterations != nil && shard == nil
        for row in previous.rows {
            if refinedAgain && row.id >= plan.points.count { continue }
            guard owns(row.id), plan.accepts(row), kept.insert(row.id).inserted else {
                rejected += 1
                if owns(row.id) { suspect.insert(row.id) }
                continue
            }
            table.rows.append(row)
        }
        return (table, rejected, suspect.subtracting(kept).count)
    }
}
