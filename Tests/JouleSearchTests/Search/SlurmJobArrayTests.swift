import Foundation
import Testing

@testable import JouleSearch

struct SlurmJobArrayTests {
    @Test(arguments: [
        ([1, 2, 3, 4], "1-4"), ([2], "2"), ([1, 2, 4, 6, 7, 8, 10], "1-2,4,6-8,10"), ([3, 1, 2, 2], "1-3"),
    ])
    func arraySpecsCompressRuns(_ tasks: [Int], _ expected: String) {
        #expect(SlurmJobArray.arraySpec(tasks) == expected)
    }

    @Test func scriptsRunEveryShardThenMergeThem() {
        let job = SlurmJobArray(
            joule: "/opt/joule", sweepFile: "/s/sweep.yaml", directory: "/o/run", shards: 3, partition: "cpu",
            time: "01:00:00")
        let array = job.arrayScript
        #expect(array.hasPrefix("#!/bin/bash\n"))
        #expect(array.contains("#SBATCH --array=1-3\n"))
        #expect(array.contains("#SBATCH --partition=cpu\n"))
        #expect(array.contains("#SBATCH --time=01:00:00\n"))
        #expect(
            array.contains(
                "exec '/opt/joule' sweep '/s/sweep.yaml' --shard ${SLURM_ARRAY_TASK_ID}/3 --out '/o/run'/shard-${SLURM_ARRAY_TASK_ID} --resume"
            ))
        #expect(
            job.mergeScript.contains(
                "exec '/opt/joule' sweep merge '/o/run/shard-1' '/o/run/shard-2' '/o/run/shard-3' --out '/o/run'"))
        let missingOnly = SlurmJobArray(joule: "/j", sweepFile: "/s", directory: "/o", shards: 8, tasks: [3, 5, 6])
        #expect(missingOnly.arrayScript.contains("#SBATCH --array=3,5-6\n"))
    }

    @Test func incompleteShardsAreTheOnesMissingPoints() throws {
        let plan = try SweepRunnerTests.plan()
        let directory = try temporaryFolder()
        for index in [1, 3] {
            _ = try SweepRunner(plan: plan, directory: directory + "/shard-\(index)", shard: (index, 3)).run()
        }
        #expect(SlurmJobArray.incompleteShards(directory: directory, shards: 3, totalPoints: plan.points.count) == [2])
    }
}
