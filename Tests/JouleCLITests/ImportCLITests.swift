import Foundation
import Testing

/// `joule import timeloop`: files written, then evaluated by `eval op` as Timeloop counts them;
/// bad inputs exit 65 with positions; existing files are kept unless --force.
struct ImportCLITests {
    static let corpus = "Tests/Corpus/timeloop/"

    static func folder() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("joule-import-\(UUID().uuidString)").path
    }

    /// Exercise 01's output-stationary mapping: Timeloop's 7500.08 fJ per compute x 48 = 360.00 pJ.
    @Test func importedFilesEvaluateAsTimeloopCountsThem() throws {
        let out = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let run = try joule(
            "import", "timeloop", Self.corpus + "2level.arch.yaml", Self.corpus + "conv1d.prob.yaml",
            Self.corpus + "conv1d-2level-os.map.yaml", "--ert", Self.corpus + "2level.ERT.yaml", "--out", out)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\(out)/hardware.yaml"))
        #expect(run.stdout.contains("joule eval op \(out)/hardware.yaml --problem \(out)/problem.yaml"))
        let evaluated = try joule(
            "eval", "op", out + "/hardware.yaml", "--problem", out + "/problem.yaml", "--mapping",
            out + "/mapping.yaml",
            "--format", "json")
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(evaluated.stdout.utf8)) as? [String: Any]
        let energy = try #require(object?["energy_j"] as? Double)
        #expect(abs(energy * 1e12 - 360.00) <= 0.005)
        let again = try joule("import", "timeloop", Self.corpus + "2level.arch.yaml", "--out", out)
        #expect(again.status == 65)
        #expect(again.stderr.contains("hardware.yaml: error: the file exists; pass --force to replace it"))
        let forced = try joule("import", "timeloop", Self.corpus + "2level.arch.yaml", "--out", out, "--force")
        #expect(forced.status == 0, "\(forced.stderr)")
    }

    @Test func aBadInputExits65WithItsPosition() throws {
        let out = Self.folder()
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The problem given as the mapping: its root (line 3, after two comment lines) has no `mapping:`.
        let run = try joule(
            "import", "timeloop", Self.corpus + "2level.arch.yaml", Self.corpus + "conv1d.prob.yaml",
            Self.corpus + "conv1d.prob.yaml", "--out", out)
        #expect(run.status == 65)
        #expect(
            run.stderr.contains("conv1d.prob.yaml:3:1: error: a Timeloop mapping file has 'mapping:'"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out + "/hardware.yaml"))
    }

    @Test func usageErrorsExit64() throws {
        #expect(try joule("import", "timeloop", Self.corpus + "2level.arch.yaml").status == 64)
        #expect(try joule("import", "zigzag", "x.yaml", "--out", "o").status == 64)
        #expect(try joule("import", "timeloop", "--out", "o").status == 64)
    }
}
