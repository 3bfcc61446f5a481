import Foundation

/// Shards of one sweep combined: every row once, with the ids seen twice and the ids missing.
/// Every shard must carry the same fingerprint (sweep file after defaults, hardware and model
/// files, Joule version) and be a shard of the same split; a shard of another sweep is refused,
/// naming what differs.
public struct SweepMerge: Sendable {
    /// The combined rows, by id.
    public var table: SweepTable
    /// Ids found in more than one shard (the first is kept).
    public var duplicates: [Int]
    /// Ids of the design space no shard has (failed or unfinished shards).
    public var missing: [Int]
    /// Points in the design space.
    public var total: Int
    /// The objectives the sweep named.
    public var objectives: [Metric]
    /// The sweep file the shards ran, as recorded.
    public var sweepFile: String
    /// The shards' fingerprint, as one unsharded run's.
    public var fingerprint: SweepFingerprint
    /// The sweep's name.
    public var name: String

    /// Reads `points.csv` and `sweep.json` of every shard folder.
    public init(directories: [String]) throws(SweepError) {
        guard !directories.isEmpty else {
            throw SweepError("name the shard folders to merge", hint: "joule sweep merge out/shard-*")
        }
        var reference: (directory: String, manifest: SweepManifest, fingerprint: SweepFingerprint)?
        var keys: [String]?
        var serving = false
        var rows: [Int: PointResult] = [:]
        var duplicates: [Int] = []
        for directory in directories {
            // A shard that never started has no folder: its points count as missing.
            guard FileManager.default.fileExists(atPath: directory) else { continue }
            guard let manifest = try SweepManifest.read(directory: directory) else {
                throw SweepError("\(directory) has no sweep.json; is it the output of joule sweep?")
            }
            guard let fingerprint = manifest.fingerprint else {
                throw SweepError(
                    "\(directory) was written before joule recorded what its points came from, "
                        + "so nothing shows it is a shard of the same sweep",
                    hint: "run that shard again with --force")
            }
            if let reference {
                let differences = fingerprint.differences(from: reference.fingerprint)
                guard differences.isEmpty else {
                    throw SweepError(
                        "\(directory) is not a shard of the sweep \(reference.directory) ran: "
                            + differences.joined(separator: "; "))
                }
                guard Self.split(fingerprint.shard) == Self.split(reference.fingerprint.shard) else {
                    throw SweepError(
                        "\(directory) is \(Self.describe(fingerprint.shard)) but \(reference.directory) is "
                            + "\(Self.describe(reference.fingerprint.shard)): a merge combines the shards of one split")
                }
                guard manifest.totalPoints == reference.manifest.totalPoints else {
                    throw SweepError(
                        "\(directory) belongs to a sweep of \(manifest.totalPoints) points, not "
                            + "\(reference.manifest.totalPoints)")
                }
            } else {
                reference = (directory, manifest, fingerprint)
            }
            let pointsPath = (directory as NSString).appendingPathComponent("points.csv")
            guard FileManager.default.fileExists(atPath: pointsPath) else { continue }
            let table = try SweepTable.read(path: pointsPath)
            if let keys, keys != table.keys { throw SweepError("\(directory) swept other keys than the first shard") }
            keys = table.keys
            serving = table.isServing
            for row in table.rows {
                if rows[row.id] != nil { duplicates.append(row.id) } else { rows[row.id] = row }
            }
        }
        guard let reference else { throw SweepError("none of the shard folders exists") }
        total = reference.manifest.totalPoints
        self.duplicates = duplicates.sorted()
        missing = (0..<total).filter { rows[$0] == nil }
        table = SweepTable(
            keys: keys ?? reference.manifest.keys, serving: serving, rows: rows.values.sorted { $0.id < $1.id })
        objectives = reference.manifest.objectives.compactMap(Metric.init(rawValue:))
        sweepFile = reference.manifest.sweepFile
        name = reference.manifest.name
        var whole = reference.fingerprint
        whole.shard = ""
        fingerprint = whole
    }

    /// The shard count of a recorded shard (`I/N`; 1 for an unsharded run).
    private static func split(_ shard: String) -> Int { Int(shard.split(separator: "/").last ?? "1") ?? 1 }

    private static func describe(_ shard: String) -> String { shard.isEmpty ? "an unsharded run" : "shard \(shard)" }

    /// Writes the merged points.csv, pareto.csv, sweep.json and (when the sweep file still
    /// reads) summary.md into `directory`, holding its lock. A folder that holds another
    /// sweep's results, or results no sweep.json vouches for, is refused.
    public func write(directory: String) throws(SweepError) {
        let lock = try SweepLock(directory: directory)
        defer { lock.release() }
        func path(_ file: String) -> String { (directory as NSString).appendingPathComponent(file) }
        let manifest = try SweepManifest.read(directory: directory)
        if let manifest {
            let differences =
                manifest.fingerprint.map { fingerprint.differences(from: $0) } ?? ["it has no fingerprint"]
            guard differences.isEmpty else {
                throw SweepError(
                    "\(directory) holds another sweep's results: " + differences.joined(separator: "; "),
                    hint: "merge into another --out")
            }
        } else if FileManager.default.fileExists(atPath: path("points.csv")) {
            throw SweepError(
                "\(path("points.csv")) has no sweep.json beside it, so joule did not write it",
                hint: "merge into another --out")
        }
        try SweepManifest(
            name: name, totalPoints: total, keys: table.keys, objectives: objectives.map(\.rawValue), shard: "",
            sweepFile: sweepFile, fingerprint: fingerprint
        ).write(directory: directory)
        try table.write(path: path("points.csv"))
        let front = Pareto.front(table.rows, objectives: objectives)
        try SweepTable(keys: table.keys, serving: table.isServing, rows: front).write(path: path("pareto.csv"))
        if let spec = try? SweepSpec.load(sweepFile) {
            let summary = SweepSummary(spec: spec, keys: table.keys, rows: table.rows, pareto: front, total: total)
            do {
                try summary.markdown().write(toFile: path("summary.md"), atomically: true, encoding: .utf8)
            } catch {
                throw SweepError("cannot write summary.md: \(error.localizedDescription)", kind: .io)
            }
        }
    }
}
