import Foundation
import Testing

/// `joule sweep` killed in the middle of a real run and resumed gives the same table as an
/// uninterrupted run; shards merge back; dvfs prints its choices.
struct SweepCLITests {
    static let sweepText = """
        name: kill-test
        base: { hardware: tpu-like, model: bert-base-uncased, phase: prefill, precision: int8 }
        tiling_budget: 8
        axes:
          - { key: batch, range: { from: 1, to: 20, step: 1 } }
          - { key: sequence, values: [64, 128] }
          - { key: memory.UnifiedBuffer.size, values: [2 MiB, 4 MiB, 8 MiB, 16 MiB, 24 MiB] }
        objectives: [energy_per_token, latency]
        """

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("joule-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func lines(_ url: URL) -> Int {
        guard let data = try? Data(contentsOf: url) else { return 0 }
        return data.reduce(0) { $0 + ($1 == 10 ? 1 : 0) }
    }

    @Test func killedSweepResumesToTheUninterruptedTable() throws {
        let executable = try #require(jouleExecutable)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("kill.yaml")
        try Self.sweepText.write(to: file, atomically: true, encoding: .utf8)
        let killedOut = folder.appendingPathComponent("killed")
        let points = killedOut.appendingPathComponent("points.csv")

        let process = Process()
        process.executableURL = executable
        process.arguments = ["sweep", file.path, "--out", killedOut.path]
        process.currentDirectoryURL = repositoryRoot
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        while process.isRunning && Self.lines(points) < 33 && Date() < deadline { usleep(5_000) }
        let killedMidRun = process.isRunning
        if killedMidRun { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        if !killedMidRun {
            // The machine finished first: cut the table as a kill would have.
            let text = try String(contentsOf: points, encoding: .utf8)
            let kept = text.split(separator: "\n").prefix(33).joined(separator: "\n") + "\n41,2"
            try kept.write(to: points, atomically: true, encoding: .utf8)
        }
        let written = Self.lines(points) - 1
        #expect(written >= 16 && written < 200, "the kill should leave a partial table, found \(written) rows")

        let resumed = try joule(["sweep", file.path, "--out", killedOut.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("200 points"))

        let fullOut = folder.appendingPathComponent("full")
        let full = try joule(["sweep", file.path, "--out", fullOut.path])
        #expect(full.status == 0, "\(full.stderr)")
        let a = try String(contentsOf: points, encoding: .utf8)
        let b = try String(contentsOf: fullOut.appendingPathComponent("points.csv"), encoding: .utf8)
        #expect(a == b)
        #expect(Self.lines(points) == 201)
        #expect(FileManager.default.fileExists(atPath: killedOut.appendingPathComponent("summary.md").path))
    }

    @Test func shardsMergeAndMissingShardsAreReported() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        let text = """
            name: shard-test
            base: { hardware: tpu-like, model: bert-base-uncased, phase: prefill, precision: int8, roofline: ideal }
            axes:
              - { key: batch, values: [1, 2, 4, 8] }
              - { key: sequence, values: [64, 128, 256] }
            """
        try text.write(to: file, atomically: true, encoding: .utf8)
        for index in 1...2 {
            let run = try joule([
                "sweep", file.path, "--shard", "\(index)/2", "--out",
                folder.appendingPathComponent("out/shard-\(index)").path,
            ])
            #expect(run.status == 0, "\(run.stderr)")
        }
        let merged = try joule([
            "sweep", "merge", folder.appendingPathComponent("out/shard-1").path,
            folder.appendingPathComponent("out/shard-2").path,
        ])
        #expect(merged.status == 0, "\(merged.stderr)")
        #expect(merged.stdout.contains("12 of 12 points"))
        let whole = try joule(["sweep", file.path, "--out", folder.appendingPathComponent("whole").path])
        #expect(whole.status == 0)
        #expect(
            try String(contentsOf: folder.appendingPathComponent("out/points.csv"), encoding: .utf8)
                == String(contentsOf: folder.appendingPathComponent("whole/points.csv"), encoding: .utf8))
        let gap = try joule([
            "sweep", "merge", folder.appendingPathComponent("out/shard-1").path, "--out",
            folder.appendingPathComponent("gap").path,
        ])
        #expect(gap.status == 65)
        #expect(gap.stderr.contains("6 points missing: 1, 3, 5, 7, 9, 11"))
        let badShard = try joule(["sweep", file.path, "--shard", "3/2"])
        #expect(badShard.status == 64)
    }

    @Test func exampleSweepsRunAtASmallSize() throws {
        // Each shipped sweep runs as its first shard of many, so the test stays short.
        let names = try FileManager.default.contentsOfDirectory(
            atPath: repositoryRoot.appendingPathComponent("Sweeps").path
        )
        .filter { $0.hasSuffix(".yaml") }
        #expect(names.count >= 4)
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in names {
            let run = try joule([
                "sweep", "Sweeps/" + name, "--shard", "1/6", "--out", folder.appendingPathComponent(name).path,
            ])
            #expect(run.status == 0, "\(name): \(run.stderr)")
        }
    }

    @Test func dvfsMarksItsChoices() throws {
        let run = try joule([
            "dvfs", "llama-2-7b", "h100-sxm", "--phase", "decode", "--roofline", "ideal", "--power-limit", "200 W",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("min energy"))
        #expect(run.stdout.contains("min time"))
        #expect(run.stdout.contains("least energy within 1.1x"))
        let bad = try joule(["dvfs", "llama-2-7b", "h100-sxm", "--power-limit", "200 GB"])
        #expect(bad.status == 64)
    }
}
