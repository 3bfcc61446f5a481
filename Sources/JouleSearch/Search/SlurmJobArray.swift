import Foundation

/// The scripts that run a sweep as a Slurm job array: one array task per shard, each running
/// `joule sweep FILE --shard I/N --out DIR/shard-I --resume`, and a merge job that runs after
/// the array (`--dependency=afterany`) and combines the shards with `joule sweep merge`.
public struct SlurmJobArray: Sendable, Equatable {
    /// The joule executable the jobs run (an absolute path).
    public var joule: String
    /// The sweep file (absolute).
    public var sweepFile: String
    /// The output folder (absolute): shards go to DIR/shard-I, the merged result to DIR.
    public var directory: String
    /// Shards in the whole sweep.
    public var shards: Int
    /// The shards this submission runs (all of them, or only the missing ones).
    public var tasks: [Int]
    /// `#SBATCH --partition`, when given.
    public var partition: String?
    /// `#SBATCH --time`, when given.
    public var time: String?

    /// A job array over `tasks` of `shards` shards.
    public init(
        joule: String, sweepFile: String, directory: String, shards: Int, tasks: [Int]? = nil, partition: String? = nil,
        time: String? = nil
    ) {
        self.joule = joule
        self.sweepFile = sweepFile
        self.directory = directory
        self.shards = shards
        self.tasks = tasks ?? Array(1...max(1, shards))
        self.partition = partition
        self.time = time
    }

    /// The folder the scripts and job logs go in.
    public var scriptFolder: String { (directory as NSString).appendingPathComponent("slurm") }

    /// Compresses task indices into Slurm's array syntax (`1-4,7,9-10`).
    public static func arraySpec(_ tasks: [Int]) -> String {
        var parts: [String] = []
        var index = 0
        let sorted = Array(Set(tasks)).sorted()
        while index < sorted.count {
            var end = index
            while end + 1 < sorted.count && sorted[end + 1] == sorted[end] + 1 { end += 1 }
            parts.append(end > index ? "\(sorted[index])-\(sorted[end])" : "\(sorted[index])")
            index = end + 1
        }
        return parts.joined(separator: ",")
    }

    private func quoted(_ path: String) -> String { "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    private var options: [String] {
        var lines: [String] = []
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        if let time { lines.append("#SBATCH --time=\(time)") }
        return lines
    }

    /// The job-array script.
    public var arrayScript: String {
        ([
            "#!/bin/bash", "#SBATCH --job-name=joule-sweep", "#SBATCH --array=\(Self.arraySpec(tasks))",
            "#SBATCH --output=\(scriptFolder)/shard-%a.log", "#SBATCH --cpus-per-task=1",
        ]
            + options
            + [
                "# One shard per array task; --resume keeps the points a killed task already finished.",
                "exec \(quoted(joule)) sweep \(quoted(sweepFile)) --shard ${SLURM_ARRAY_TASK_ID}/\(shards) --out \(quoted(directory))/shard-${SLURM_ARRAY_TASK_ID} --resume",
            ]).joined(separator: "\n") + "\n"
    }

    /// The merge script, to run after the array.
    public var mergeScript: String {
        let shardFolders = (1...max(1, shards)).map {
            quoted((directory as NSString).appendingPathComponent("shard-\($0)"))
        }
        return
            (["#!/bin/bash", "#SBATCH --job-name=joule-merge", "#SBATCH --output=\(scriptFolder)/merge.log"] + options
            + [
                "# Combines every shard; exits 65 and lists the missing points when a shard did not finish.",
                "exec \(quoted(joule)) sweep merge \(shardFolders.joined(separator: " ")) --out \(quoted(directory))",
            ]).joined(separator: "\n") + "\n"
    }

    /// The shards of `directory` whose points are not all in their points.csv (for `--only-missing`).
    public static func incompleteShards(directory: String, shards: Int, totalPoints: Int) -> [Int] {
        (1...max(1, shards)).filter { shard in
            let path = (directory as NSString).appendingPathComponent("shard-\(shard)/points.csv")
            let expected = Set((0..<totalPoints).filter { $0 % shards == shard - 1 })
            guard let table = try? SweepTable.read(path: path) else { return !expected.isEmpty }
            return !expected.isSubset(of: Set(table.rows.map(\.id)))
        }
    }
}
