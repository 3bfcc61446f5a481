import Foundation
import JouleSearch
import YAML

/// `joule sweep FILE --slurm`: a job array per shard and a dependent merge job.
extension SweepCommand {
    static let slurmHelp = """
        joule sweep FILE --slurm [--shards N] [--partition P] [--time T] [--out DIR] [--submit | --print] [--only-missing]

        Writes DIR/slurm/sweep.sbatch (a job array, one task per shard, each running
        `joule sweep FILE --shard $SLURM_ARRAY_TASK_ID/N --out DIR/shard-$SLURM_ARRAY_TASK_ID --resume`)
        and DIR/slurm/merge.sbatch (`joule sweep merge` over every shard folder). --print only
        prints them; --submit also submits both with sbatch, the merge after the array
        (--dependency=afterany), and prints the job ids. --only-missing submits only the shards
        whose points are not all in their points.csv (a failed or cancelled task). N defaults to 8.
        """

    /// The running executable's absolute path (so array tasks run the same joule).
    static var executablePath: String {
        if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return target }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? "joule").standardizedFileURL.path
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            .standardizedFileURL.path
    }

    static func slurm(_ arguments: Arguments, plan: SweepPlan, directory: String) throws(CommandLineError) -> String {
        var shards = 8
        if let text = arguments.options["shards"] {
            guard let value = Int(text), value >= 1 else {
                throw .usage("--shards takes a count of at least 1, found '\(text)'", usage: usage)
            }
            shards = value
        }
        if arguments.flags.contains("submit") && arguments.flags.contains("print") {
            throw .usage("give --submit or --print, not both", usage: usage)
        }
        let out = absolute(directory)
        var tasks: [Int]?
        if arguments.flags.contains("only-missing") {
            let missing = SlurmJobArray.incompleteShards(directory: out, shards: shards, totalPoints: plan.points.count)
            if missing.isEmpty { return "every one of the \(shards) shards in \(out) is complete: nothing to resubmit" }
            tasks = missing
        }
        let job = SlurmJobArray(
            joule: executablePath, sweepFile: absolute(plan.spec.path), directory: out, shards: shards, tasks: tasks,
            partition: arguments.options["partition"], time: arguments.options["time"])
        if arguments.flags.contains("print") {
            return "# \(job.scriptFolder)/sweep.sbatch\n" + job.arrayScript + "\n# \(job.scriptFolder)/merge.sbatch\n"
                + job.mergeScript
        }
        let arrayPath = (job.scriptFolder as NSString).appendingPathComponent("sweep.sbatch")
        let mergePath = (job.scriptFolder as NSString).appendingPathComponent("merge.sbatch")
        do {
            try FileManager.default.createDirectory(atPath: job.scriptFolder, withIntermediateDirectories: true)
            try job.arrayScript.write(toFile: arrayPath, atomically: true, encoding: .utf8)
            try job.mergeScript.write(toFile: mergePath, atomically: true, encoding: .utf8)
        } catch {
            throw .io("cannot write the Slurm scripts to \(job.scriptFolder): \(error.localizedDescription)")
        }
        let shardsText = "shards \(SlurmJobArray.arraySpec(job.tasks)) of \(shards)"
        guard arguments.flags.contains("submit") else {
            return
                "wrote \(arrayPath) (\(shardsText)) and \(mergePath)\nsubmit with: joule sweep \(plan.spec.path) --slurm --shards \(shards) --out \(directory) --submit"
        }
        let arrayJob = try sbatch([arrayPath])
        let mergeJob = try sbatch(["--dependency=afterany:\(arrayJob)", mergePath])
        return
            "submitted job array \(arrayJob) (\(shardsText)) and merge job \(mergeJob) (after the array)\nresults: \(out)/points.csv"
    }

    /// Runs `sbatch --parsable ARGS` and returns the job id.
    static func sbatch(_ arguments: [String]) throws(CommandLineError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sbatch", "--parsable"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw .io("cannot run sbatch: \(error.localizedDescription)")
        }
        let outText = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw .io(
                "sbatch failed (exit \(process.terminationStatus)): \(errText.trimmingCharacters(in: .whitespacesAndNewlines))"
            )
        }
        let id =
            outText.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        guard !id.isEmpty else { throw .io("sbatch printed no job id") }
        return id
    }
}
