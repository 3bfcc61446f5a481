import Foundation
import Joule
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

    /// `--format csv`: one row per point in SI units. h100-sxm lists only its nominal point
    /// (1.83 GHz, 0.7 V), so the six points are 100%, 90%, ..., 50% of 1.83 GHz; the fastest
    /// has slowdown 1, and the minimum-energy point has energy_vs_min 1.
    @Test func dvfsWritesCSV() throws {
        let options = ["llama-2-7b", "h100-sxm", "--phase", "decode", "--batch", "8", "--roofline", "ideal"]
        let run = try joule(["dvfs"] + options + ["--format", "csv"])
        #expect(run.status == 0, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "frequency_hz,voltage_v,latency_s,slowdown,energy_j,energy_vs_min,average_power_w,bound,cost,choices"
        )
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == 6)
        // Six points from the 1.83 GHz clock down to h100-sxm's clock_range minimum, 345 MHz:
        // steps of (1830 - 345) / 5 = 297 MHz.
        for (k, row) in rows.enumerated() {
            let frequency = try #require(Double(row[0]))
            #expect(abs(frequency - (1.83e9 - 297e6 * Double(k))) <= 1, "row \(k): \(frequency)")
        }
        #expect(rows.first.flatMap { Double($0[1]) } == 0.7)
        #expect(rows.first.flatMap { Double($0[3]) } == 1)
        let minimum = try #require(rows.first { $0[9].contains("min energy") })
        #expect(Double(minimum[5]) == 1)
        // The same numbers as --format json.
        let json = try joule(["dvfs"] + options + ["--format", "json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let points = try #require(object["points"] as? [[String: Any]])
        for (column, key) in [(2, "latency_s"), (4, "energy_j")] {
            let fromJSON = points.compactMap { $0[key] as? Double }
            let fromCSV = rows.compactMap { Double($0[column]) }
            #expect(fromJSON.count == 6 && fromCSV.count == 6)
            for (a, b) in zip(fromJSON, fromCSV) { #expect(abs(a - b) <= 1e-12 * abs(b), "\(key): \(a) vs \(b)") }
        }
    }
}

/// Sweep folders are never lost or mixed: what `joule sweep` refuses, with which exit status,
/// and what it leaves in place.
struct SweepFolderCLITests {
    /// 4 batches x 3 sequences = 12 points.
    static func text(model: String = "bert-base-uncased", constraint: String = "area <= 200 mm^2") -> String {
        """
        name: folder-cli
        base: { hardware: tpu-like, model: \(model), phase: prefill, precision: int8, roofline: ideal }
        axes:
          - { key: batch, values: [1, 2, 4, 8] }
          - { key: sequence, values: [64, 128, 256] }
        constraints: [ \(constraint) ]
        """
    }

    /// A temporary folder holding `s.yaml` with `text`.
    static func setUp(_ text: String = text()) throws -> (folder: URL, file: String) {
        let folder = try SweepCLITests.folder()
        let file = folder.appendingPathComponent("s.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return (folder, file.path)
    }

    static func contents(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

    @Test func anExistingFolderNeedsResumeOrForce() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        #expect(try joule(["sweep", file, "--out", out]).status == 0)
        let again = try joule(["sweep", file, "--out", out])
        #expect(again.status == 65)
        #expect(again.stderr.contains("--resume") && again.stderr.contains("--force"), "\(again.stderr)")
        #expect(try joule(["sweep", file, "--out", out, "--resume", "--force"]).status == 64)
    }

    /// The constraint moves from 200 to 1 mm^2: resuming must not report the old verdicts.
    @Test func resumeAfterAChangedConstraintIsRefused() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        #expect(try joule(["sweep", file, "--out", out.path]).status == 0)
        let before = try Self.contents(out.appendingPathComponent("points.csv"))
        try Self.text(constraint: "area <= 1 mm^2").write(toFile: file, atomically: true, encoding: .utf8)
        let resumed = try joule(["sweep", file, "--out", out.path, "--resume"])
        #expect(resumed.status == 65)
        #expect(
            resumed.stderr.contains("constraint area changed: was area <= 200 mm^2, now area <= 1 mm^2"),
            "\(resumed.stderr)")
        #expect(try Self.contents(out.appendingPathComponent("points.csv")) == before)
    }

    /// Shard 1 of 3 holds ids 0, 3, 6, 9 (4 rows); shard 2 resumed there is refused, rows kept.
    @Test func anotherShardsFolderIsRefused() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("shard-1")
        #expect(try joule(["sweep", file, "--shard", "1/3", "--out", out.path]).status == 0)
        let wrong = try joule(["sweep", file, "--shard", "2/3", "--out", out.path, "--resume"])
        #expect(wrong.status == 65)
        #expect(wrong.stderr.contains("holds shard 1/3, this run is shard 2/3"), "\(wrong.stderr)")
        let ids = try Self.contents(out.appendingPathComponent("points.csv")).split(separator: "\n").dropFirst()
            .map { $0.prefix { $0 != "," } }
        #expect(ids == ["0", "3", "6", "9"])
    }

    /// A finished unsharded run keeps its 12 rows when shard 1 of 3 is resumed in its folder.
    @Test func anUnshardedFolderIsRefusedToAShard() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        #expect(try joule(["sweep", file, "--out", out.path]).status == 0)
        let shard = try joule(["sweep", file, "--shard", "1/3", "--out", out.path, "--resume"])
        #expect(shard.status == 65)
        #expect(shard.stderr.contains("holds an unsharded run, this run is shard 1/3"), "\(shard.stderr)")
        #expect(SweepCLITests.lines(out.appendingPathComponent("points.csv")) == 13)
    }

    /// Two shards of one split, but the second of another model (same keys, same 12 points).
    @Test func mergeRefusesAForeignShard() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let other = folder.appendingPathComponent("other.yaml")
        try Self.text(model: "gpt2").write(to: other, atomically: true, encoding: .utf8)
        let one = folder.appendingPathComponent("out/shard-1").path
        let two = folder.appendingPathComponent("out/shard-2").path
        #expect(try joule(["sweep", file, "--shard", "1/2", "--out", one]).status == 0)
        #expect(try joule(["sweep", other.path, "--shard", "2/2", "--out", two]).status == 0)
        let merged = try joule(["sweep", "merge", one, two])
        #expect(merged.status == 65)
        #expect(merged.stderr.contains("base.model changed: was bert-base-uncased, now gpt2"), "\(merged.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/points.csv").path))
    }

    /// Row 2's sequence is changed by hand and row 4's energy emptied: two rows recomputed, and
    /// the table is the one the first run wrote.
    @Test func handEditedRowsAreRecomputedAndCounted() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        #expect(try joule(["sweep", file, "--out", out.path]).status == 0)
        let points = out.appendingPathComponent("points.csv")
        let original = try Self.contents(points)
        var lines = original.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = lines[0].map(String.init)
        let sequence = try #require(header.firstIndex(of: "sequence"))
        let energy = try #require(header.firstIndex(of: "energy_j"))
        lines[1 + 2][sequence] = "64"
        lines[1 + 4][energy] = ""
        try (lines.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n").write(
            to: points, atomically: true, encoding: .utf8)
        let resumed = try joule(["sweep", file, "--out", out.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("12 points (2 evaluated now, 10 resumed)"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("2 rows of the previous points.csv did not check out"), "\(resumed.stdout)")
        #expect(try Self.contents(points) == original)
    }

    @Test func aHeldFolderIsRefusedWithExit75() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let lock = try SweepLock(directory: out.path)
        defer { lock.release() }
        let run = try joule(["sweep", file, "--out", out.path])
        #expect(run.status == 75)
        #expect(run.stderr.contains("pid \(getpid())"), "\(run.stderr)")
    }

    @Test func aStaleLockIsTakenOverWithANote() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // The pid of a process that has ended.
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        try "pid \(gone.processIdentifier) on somewhere\n".write(
            to: out.appendingPathComponent("sweep.lock"), atomically: true, encoding: .utf8)
        let run = try joule(["sweep", file, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("took over"), "\(run.stderr)")
        #expect(run.stderr.contains("pid \(gone.processIdentifier) on somewhere"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("sweep.lock").path))
    }

    /// --force starts over in a sweep's folder, leaving other files; it refuses a folder whose
    /// points.csv no sweep.json vouches for.
    @Test func forceRemovesOnlyASweepsOwnFiles() throws {
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        #expect(try joule(["sweep", file, "--out", out.path]).status == 0)
        try "mine".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try Self.text(constraint: "area <= 1 mm^2").write(toFile: file, atomically: true, encoding: .utf8)
        let forced = try joule(["sweep", file, "--out", out.path, "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect(forced.stdout.contains("12 points (12 evaluated now)"), "\(forced.stdout)")
        #expect(try Self.contents(out.appendingPathComponent("notes.txt")) == "mine")
        #expect(try Self.contents(out.appendingPathComponent("points.csv")).contains("area <= 1 mm^2"))

        let foreign = folder.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try "x,y\n1,2\n".write(to: foreign.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let refused = try joule(["sweep", file, "--out", foreign.path, "--force"])
        #expect(refused.status == 65)
        #expect(try Self.contents(foreign.appendingPathComponent("points.csv")) == "x,y\n1,2\n")
    }

    /// Two runs at once on one folder: one evaluates, the other is refused (75 while the first
    /// holds the folder, 65 once it has finished), never a failed write (74).
    @Test func twoProcessesDoNotShareAFolder() throws {
        let executable = try #require(jouleExecutable)
        let (folder, file) = try Self.setUp()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out").path
        let runs = (0..<2).map { _ in
            let process = Process()
            process.executableURL = executable
            process.arguments = ["sweep", file, "--out", out]
            process.currentDirectoryURL = repositoryRoot
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            return process
        }
        for process in runs { try process.run() }
        for process in runs { process.waitUntilExit() }
        let statuses = runs.map(\.terminationStatus).sorted()
        #expect(statuses == [0, 65] || statuses == [0, 75], "\(statuses)")
        #expect(SweepCLITests.lines(URL(fileURLWithPath: out).appendingPathComponent("points.csv")) == 13)
    }

    /// A billion random samples of the 12-point grid give its 12 points, drawn until all are
    /// seen (a billion held draws took 8 GB); a billion samples of a 10^12-point space are refused
    /// before any is drawn.
    @Test func hugeSampleCountsNeitherAllocateNorAbort() throws {
        let small = Self.text().replacingOccurrences(
            of: "constraints:", with: "strategy: { random: { samples: 1000000000, seed: 3 } }\nconstraints:")
        let (folder, file) = try Self.setUp(small)
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try joule(["sweep", file, "--out", folder.appendingPathComponent("small").path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("folder-cli: 12 points (12 evaluated now)"), "\(run.stdout)")
        let huge = """
            name: huge
            base: { hardware: tpu-like, model: bert-base-uncased, phase: prefill, roofline: ideal }
            axes:
              - { key: batch, range: { from: 1, to: 1000, step: 1 } }
              - { key: sequence, range: { from: 1, to: 1000, step: 1 } }
              - { key: memory.UnifiedBuffer.size, range: { from: 1 KiB, to: 1000 KiB, step: 1 KiB } }
              - { key: operating_point, range: { from: 0, to: 999, step: 1 } }
            strategy: { random: { samples: 1000000000 } }
            """
        let hugeFile = folder.appendingPathComponent("huge.yaml")
        try huge.write(to: hugeFile, atomically: true, encoding: .utf8)
        let refused = try joule(["sweep", hugeFile.path, "--out", folder.appendingPathComponent("huge").path])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("may give 1,000,000,000 points, over the limit of 10,000,000"))
        // Every joule this test process has waited for stayed under 1 GiB (ru_maxrss is in KiB).
        var usage = rusage()
        #if os(Linux)
            getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        #else
            getrusage(RUSAGE_CHILDREN, &usage)
        #endif
        #expect(usage.ru_maxrss < 1 << 20, "a child reached \(usage.ru_maxrss) KiB")
    }

    /// With refinement, the counts keep the design space and the refinement apart: 6 Sobol
    /// points of the design space, then R more, and summary.md never counts R against the 6.
    @Test func refinementPointsAreCountedApart() throws {
        let text = """
            name: refine-counts
            base: { hardware: toy-3level, model: gpt2, phase: decode, context: 256, precision: int8, roofline: ideal }
            axes:
              - { key: batch, range: { from: 1, to: 64, step: 1 } }
              - { key: memory.DRAM.bandwidth, values: [6.4 GB/s, 12.8 GB/s, 25.6 GB/s] }
            strategy: { sobol: { samples: 6 } }
            refine: { nelder_mead: { iterations: 30 } }
            """
        let (folder, file) = try Self.setUp(text)
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("out")
        let run = try joule(["sweep", file, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = SweepCLITests.lines(out.appendingPathComponent("points.csv")) - 1
        let refined = rows - 6
        #expect(refined > 0)
        #expect(
            run.stdout.contains(
                "\(rows) points (6 of the design space: 6 evaluated now; \(refined) more found by refinement)"),
            "\(run.stdout)")
        let summary = try Self.contents(out.appendingPathComponent("summary.md"))
        #expect(
            summary.contains("6 of 6 points of the design space evaluated, and \(refined) more found by refinement"),
            "\(summary)")
    }
}
