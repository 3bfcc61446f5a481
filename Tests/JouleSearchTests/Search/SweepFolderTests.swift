import Foundation
import Testing

@testable import JouleSearch

/// A sweep folder's results are never lost or mixed: `resume` refuses a folder whose points came
/// from another sweep (naming what differs) and leaves its rows alone, rows that do not check
/// out are recomputed, and one process at a time writes in a folder.
struct SweepFolderTests {
    /// 4 batches x 3 sequences x 2 buffer sizes = 24 points; the model is a copy in `folder`.
    static func text(model: String, batches: String = "[1, 2, 4, 8]", constraint: String = "latency <= 5 ms")
        -> String
    {
        """
        name: folder-test
        base: { hardware: tpu-like, model: \(model), phase: prefill, precision: int8, roofline: ideal }
        axes:
          - { key: batch, values: \(batches) }
          - { key: sequence, values: [32, 64, 128] }
          - { key: memory.UnifiedBuffer.size, values: [8 MiB, 24 MiB] }
        objectives: [energy_per_token, latency]
        constraints: [ \(constraint) ]
        """
    }

    /// A folder with a copy of bert-base-uncased as `model.yaml`; returns the folder and the copy.
    static func workspace() throws -> (folder: String, model: String) {
        let folder = try temporaryFolder()
        let model = (folder as NSString).appendingPathComponent("model.yaml")
        try FileManager.default.copyItem(
            atPath: repositoryRoot.appendingPathComponent("Models/bert-base-uncased.yaml").path, toPath: model)
        return (folder, model)
    }

    static func plan(_ text: String) throws -> SweepPlan {
        try SweepPlan(spec: sweep(text), catalog: repositoryCatalog)
    }

    static func points(_ directory: String) throws -> String {
        try String(contentsOfFile: (directory as NSString).appendingPathComponent("points.csv"), encoding: .utf8)
    }

    /// Runs `first`, then resumes with `second` into the same folder: the resume must be refused
    /// with every message fragment in `expected`, and points.csv must be as `first` left it.
    static func expectRefusal(first: String, second: String, expected: [String]) throws {
        let out = try temporaryFolder()
        let initial = try SweepRunner(plan: plan(first), directory: out).run()
        #expect(initial.table.rows.count == 24)
        let before = try points(out)
        let runner = SweepRunner(plan: try plan(second), directory: out, resume: true)
        do {
            _ = try runner.run()
            Issue.record("the resume should be refused")
        } catch {
            #expect(error.kind == .data)
            for fragment in expected { #expect(error.message.contains(fragment), "\(error.message)") }
        }
        #expect(try points(out) == before)
    }

    @Test func resumeRefusesAChangedModelFile() throws {
        let (_, model) = try Self.workspace()
        let out = try temporaryFolder()
        _ = try SweepRunner(plan: Self.plan(Self.text(model: model)), directory: out).run()
        let before = try Self.points(out)
        // Same path, same name in the sweep file: only the file's content moves (12 -> 6 layers).
        let edited = try String(contentsOfFile: model, encoding: .utf8).replacingOccurrences(
            of: "layers: 12", with: "layers: 6")
        try edited.write(toFile: model, atomically: true, encoding: .utf8)
        let runner = SweepRunner(plan: try Self.plan(Self.text(model: model)), directory: out, resume: true)
        do {
            _ = try runner.run()
            Issue.record("the resume should be refused")
        } catch {
            #expect(error.message.contains("the base model file \(model) changed"), "\(error.message)")
        }
        #expect(try Self.points(out) == before)
    }

    @Test func resumeRefusesAChangedConstraint() throws {
        let (_, model) = try Self.workspace()
        try Self.expectRefusal(
            first: Self.text(model: model, constraint: "area <= 2 mm^2"),
            second: Self.text(model: model, constraint: "area <= 1 mm^2"),
            expected: ["constraint area changed: was area <= 2 mm^2, now area <= 1 mm^2"])
    }

    @Test func resumeRefusesAChangedAxisRange() throws {
        let (_, model) = try Self.workspace()
        try Self.expectRefusal(
            first: Self.text(model: model, batches: "[1, 2, 4, 8]"),
            second: Self.text(model: model, batches: "[2, 4, 8, 16]"),
            expected: ["axis batch changed: was 1, 2, 4, 8, now 2, 4, 8, 16"])
    }

    /// Shard 1 of 3 owns ids 0, 3, ..., 21: 8 rows. Shard 2 resumed in its folder is refused
    /// and the 8 rows stay.
    @Test func aShardRefusesAnotherShardsFolder() throws {
        let (_, model) = try Self.workspace()
        let plan = try Self.plan(Self.text(model: model))
        let out = try temporaryFolder()
        let first = try SweepRunner(plan: plan, directory: out, shard: (1, 3)).run()
        #expect(first.table.rows.map(\.id) == Array(stride(from: 0, to: 24, by: 3)))
        let before = try Self.points(out)
        do {
            _ = try SweepRunner(plan: plan, directory: out, shard: (2, 3), resume: true).run()
            Issue.record("the resume should be refused")
        } catch {
            #expect(error.message.contains("this folder holds shard 1/3, this run is shard 2/3"), "\(error.message)")
        }
        #expect(try Self.points(out) == before)
    }

    /// A finished unsharded run keeps its 24 rows when shard 1 of 3 is pointed at it.
    @Test func aShardRefusesAnUnshardedFolder() throws {
        let (_, model) = try Self.workspace()
        let plan = try Self.plan(Self.text(model: model))
        let out = try temporaryFolder()
        _ = try SweepRunner(plan: plan, directory: out).run()
        let before = try Self.points(out)
        #expect(before.split(separator: "\n").count == 25)
        #expect(throws: SweepError.self) {
            try SweepRunner(plan: plan, directory: out, shard: (1, 3), resume: true).run()
        }
        #expect(try Self.points(out) == before)
    }

    /// Four hand edits of a finished table: an axis value changed (row 3), a feasible flag
    /// flipped (row 5), an energy emptied (row 7), and a metric that is not a number (row 9).
    /// Resuming recomputes exactly those four points and restores the table.
    @Test func handEditedRowsAreRecomputed() throws {
        let (_, model) = try Self.workspace()
        let plan = try Self.plan(Self.text(model: model))
        let out = try temporaryFolder()
        _ = try SweepRunner(plan: plan, directory: out).run()
        let original = try Self.points(out)
        var lines = original.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let header = lines[0].map(String.init)
        let batch = try #require(header.firstIndex(of: "batch"))
        let feasible = try #require(header.firstIndex(of: "feasible"))
        let energy = try #require(header.firstIndex(of: "energy_j"))
        let latency = try #require(header.firstIndex(of: "latency_s"))
        lines[1 + 3][batch] = "3"
        lines[1 + 5][feasible] = lines[1 + 5][feasible] == "true" ? "false" : "true"
        lines[1 + 7][energy] = ""
        lines[1 + 9][latency] = "fast"
        let edited = lines.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        try edited.write(
            toFile: (out as NSString).appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let resumed = try SweepRunner(plan: plan, directory: out, resume: true).run()
        #expect(resumed.rejected == 4)
        #expect(resumed.recomputed == 4)
        #expect(resumed.evaluated == 4)
        #expect(resumed.resumed == 20)
        #expect(try Self.points(out) == original)
    }

    @Test func aHeldFolderIsRefusedWithTheHoldersPid() throws {
        let (_, model) = try Self.workspace()
        let out = try temporaryFolder()
        let lock = try SweepLock(directory: out)
        defer { lock.release() }
        let runner = SweepRunner(plan: try Self.plan(Self.text(model: model)), directory: out)
        do {
            _ = try runner.run()
            Issue.record("the run should be refused")
        } catch {
            #expect(error.kind == .busy)
            #expect(error.message.contains("pid \(getpid()) on "), "\(error.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent("points.csv")))
    }

    /// A lock file left by a killed run (nobody holds it) is taken over, with a note naming the
    /// old holder, and removed when the run ends.
    @Test func aStaleLockIsTakenOver() throws {
        let (_, model) = try Self.workspace()
        let out = try temporaryFolder()
        let lockPath = (out as NSString).appendingPathComponent(SweepLock.fileName)
        try "pid 4194305 on gone-host\n".write(toFile: lockPath, atomically: true, encoding: .utf8)
        let outcome = try SweepRunner(plan: Self.plan(Self.text(model: model)), directory: out).run()
        #expect(outcome.table.rows.count == 24)
        #expect(outcome.notes.contains { $0.contains("from pid 4194305 on gone-host") })
        #expect(!FileManager.default.fileExists(atPath: lockPath))
    }

    /// An existing sweep folder is refused without resume or force; force removes the sweep's
    /// own files only (a note beside them stays) and starts over.
    @Test func forceDiscardsOnlyASweepsOwnFiles() throws {
        let (_, model) = try Self.workspace()
        let out = try temporaryFolder()
        _ = try SweepRunner(plan: Self.plan(Self.text(model: model, batches: "[1, 2]")), directory: out).run()
        let note = (out as NSString).appendingPathComponent("notes.txt")
        try "keep me".write(toFile: note, atomically: true, encoding: .utf8)
        let plan = try Self.plan(Self.text(model: model))
        do {
            _ = try SweepRunner(plan: plan, directory: out).run()
            Issue.record("the run should be refused")
        } catch {
            #expect(error.kind == .data)
            #expect(error.hint?.contains("--resume") == true && error.hint?.contains("--force") == true)
        }
        let forced = try SweepRunner(plan: plan, directory: out, force: true).run()
        #expect(forced.evaluated == 24 && forced.resumed == 0)
        #expect(try Self.points(out).split(separator: "\n").count == 25)
        #expect(try String(contentsOfFile: note, encoding: .utf8) == "keep me")
    }

    /// A points.csv with no sweep.json beside it is not a sweep's: force removes nothing.
    @Test func forceRefusesAFolderJouleDidNotWrite() throws {
        let (_, model) = try Self.workspace()
        let out = try temporaryFolder()
        let foreign = (out as NSString).appendingPathComponent("points.csv")
        try "a,b\n1,2\n".write(toFile: foreign, atomically: true, encoding: .utf8)
        #expect(throws: SweepError.self) {
            try SweepRunner(plan: Self.plan(Self.text(model: model)), directory: out, force: true).run()
        }
        #expect(try String(contentsOfFile: foreign, encoding: .utf8) == "a,b\n1,2\n")
    }

    /// Two shards of different models (same keys, same 24 points) do not merge.
    @Test func mergeRefusesAShardOfAnotherSweep() throws {
        let (_, model) = try Self.workspace()
        let root = try temporaryFolder()
        let one = (root as NSString).appendingPathComponent("shard-1")
        let two = (root as NSString).appendingPathComponent("shard-2")
        _ = try SweepRunner(plan: Self.plan(Self.text(model: model)), directory: one, shard: (1, 2)).run()
        _ = try SweepRunner(plan: Self.plan(Self.text(model: "gpt2")), directory: two, shard: (2, 2)).run()
        let directories = [one, two]
        do {
            _ = try SweepMerge(directories: directories)
            Issue.record("the merge should be refused")
        } catch {
            #expect(error.message.contains("\(two) is not a shard of the sweep \(one) ran"), "\(error.message)")
            #expect(error.message.contains("base.model changed: was \(model), now gpt2"), "\(error.message)")
        }
    }

    /// FIPS 180-4 examples: "abc", the empty message, and the two-block 448-bit message.
    @Test func sha256MatchesThePublishedDigests() {
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
