import Foundation

/// Shards of one sweep combined: every row once, with the ids seen twice and the ids missing.
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

    /// Reads `points.csv` and `sweep.json` of every shard folder.
    public init(directories: [String]) throws(SweepError) {
        guard !directories.isEmpty else {
            throw SweepError("name the shard folders to merge", hint: "joule sweep merge out/shard-*")
        }
        var keys: [String]?
        var total: Int?
        var objectives: [Metric] = []
        var sweepFile = ""
        var rows: [Int: PointResult] = [:]
        var duplicates: [Int] = []
        for directory in directories {
            // A shard that never started has no folder: its points count as missing.
            guard FileManager.default.fileExists(atPath: directory) else { continue }
            let manifestPath = (directory as NSString).appendingPathComponent("sweep.json")
            guard let data = FileManager.default.contents(atPath: manifestPath),
                let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let shardTotal = manifest["total_points"] as? Int
            else {
                throw SweepError("\(directory) has no readable sweep.json; is it the output of joule sweep?")
            }
            if let total, total != shardTotal {
                throw SweepError("\(directory) belongs to a sweep of \(shardTotal) points, not \(total)")
            }
            total = shardTotal
            objectives = ((manifest["objectives"] as? [String]) ?? []).compactMap(Metric.init(rawValue:))
            sweepFile = manifest["sweep_file"] as? String ?? ""
            let pointsPath = (directory as NSString).appendingPathComponent("points.csv")
            guard FileManager.default.fileExists(atPath: pointsPath) else { continue }
            let table = try SweepTable.read(path: pointsPath)
            if let keys, keys != table.keys { throw SweepError("\(directory) swept other keys than the first shard") }
            keys = table.keys
            for row in table.rows {
                if rows[row.id] != nil { duplicates.append(row.id) } else { rows[row.id] = row }
            }
        }
        guard let count = total else { throw SweepError("none of the shard folders exists") }
        self.total = count
        self.duplicates = duplicates.sorted()
        missing = (0..<count).filter { rows[$0] == nil }
        table = SweepTable(keys: keys ?? [], rows: rows.values.sorted { $0.id < $1.id })
        self.objectives = objectives
        self.sweepFile = sweepFile
    }
}
