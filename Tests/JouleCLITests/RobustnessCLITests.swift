import Foundation
import Testing

/// Regression cases from fuzzing and from new users: each once trapped, ran silently or gave an
/// unpositioned error; each must now be a clean, positioned rejection or a warning.
struct RobustnessCLITests {
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("joule-robust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// toy-3level with one line replaced, written to a scratch folder.
    static func toyHardware(replacing old: String, with new: String, in folder: URL) throws -> URL {
        let text = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Hardware/toy-3level.yaml"), encoding: .utf8)
        let edited = text.replacingOccurrences(of: old, with: new)
        #expect(edited != text, "\(old) is not in toy-3level.yaml")
        let url = folder.appendingPathComponent("toy.yaml")
        try edited.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// `technology: 1e400 nm` once trapped converting infinity to an integer. Line 7 of
    /// toy-3level is `technology: 45 nm`; the value starts at column 13.
    @Test func anInfiniteTechnologyNodeIsAPositionedError() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try Self.toyHardware(replacing: "technology: 45 nm", with: "technology: 1e400 nm", in: folder)
        let run = try joule("check", file.path)
        #expect(run.status == 65)
        #expect(run.stdout.contains("toy.yaml:7:13: error:") || run.stderr.contains("toy.yaml:7:13: error:"))
    }

    /// A 1 kHz clock (the smallest accepted) still plots a roofline: the chart's axes once made a
    /// reversed range and trapped on extreme clocks.
    @Test(arguments: ["1 kHz", "10 THz"]) func rooflineOfAnExtremeClockPlots(_ clock: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try Self.toyHardware(replacing: "clock: 1 GHz", with: "clock: \(clock)", in: folder)
        let out = folder.appendingPathComponent("r.svg")
        let run = try joule([
            "plot", "roofline", "gpt2", file.path, "--sequence", "16", "--roofline", "ideal", "--out", out.path,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let svg = try String(contentsOf: out, encoding: .utf8)
        #expect(svg.hasPrefix("<?xml") || svg.hasPrefix("<svg"))
        #expect(!svg.contains("nan") && !svg.contains("inf\""))
    }

    /// `--points` is a count of whole evaluations: 10^9 once tried to allocate 32 GB.
    @Test func dvfsRefusesAHugePointCount() throws {
        let run = try joule("dvfs", "gpt2", "toy-3level", "--points", "1000000000")
        #expect(run.status == 64)
        #expect(run.stderr.contains("--points takes a count from 2 to 1000"))
    }

    /// A whole-model eval has no single loop nest to pin: `--mapping` is refused, not ignored.
    @Test func mappingOnAWholeModelIsRefused() throws {
        let run = try joule("eval", "gpt2", "toy-3level", "--mapping", "whatever.yaml")
        #expect(run.status == 64)
        #expect(run.stderr.contains("joule eval op HARDWARE"))
    }

    /// llama-2-70b at batch 64 and 4,096 tokens of context: its weights are 68,976,648,192
    /// parameters x 2 B = 138 GB (Touvron et al. 2023 report 70B; the count is the model file's),
    /// and its KV cache 2 (K, V) x 80 layers x 8 KV heads x 128 x 2 B x 64 x 4,096 = 80 GiB,
    /// against 80 GB of HBM: the evaluation warns with the numbers.
    @Test func aModelThatDoesNotFitIsWarnedAbout() throws {
        let run = try joule([
            "eval", "llama-2-70b", "h100-sxm", "--phase", "decode", "--batch", "64", "--context", "4096",
            "--roofline", "ideal",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("weights 138 GB + KV cache 80 GiB"), "\(run.stderr)")
        #expect(run.stderr.contains("do not fit in h100-sxm's HBM (80 GB)"))
        let fits = try joule(["eval", "llama-2-7b", "h100-sxm", "--phase", "decode", "--roofline", "ideal"])
        #expect(fits.status == 0 && !fits.stderr.contains("do not fit"), "\(fits.stderr)")
    }

    /// A sweep naming hardware or a model that cannot be loaded points at the name in the sweep
    /// file (line 3 `  hardware: ...`, line 4 `  model: ...`, values at columns 13 and 10).
    @Test(arguments: [
        ("hardware: .", "model: gpt2", "sweep.yaml:3:13: error: no hardware named '.'"),
        ("hardware: toy-3levle", "model: gpt2", "sweep.yaml:3:13: error: no hardware named 'toy-3levle'"),
        ("hardware: toy-3level", "model: /dev/null", "sweep.yaml:4:10: error: /dev/null: cannot read the file"),
    ])
    func aSweepReferenceThatCannotLoadIsPositioned(hardware: String, model: String, expected: String) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sweep = """
            name: s
            base:
              \(hardware)
              \(model)
            axes:
              - key: batch
                values: [1, 2]
            """
        let file = folder.appendingPathComponent("sweep.yaml")
        try sweep.write(to: file, atomically: true, encoding: .utf8)
        let run = try joule(["sweep", file.path, "--out", folder.appendingPathComponent("out").path])
        #expect(run.status == 65)
        #expect(run.stderr.contains(expected), "\(run.stderr)")
    }

    /// Every shipped problem file runs through the mapper on toy-3level (int8, bf16 MACs): JSON
    /// with the problem's dims, a mapping, and the mapper's effort. The work is the file's MAC
    /// count: for ResNet-50's 3x3 layer 64 x 64 x 56 x 56 x 3 x 3 = 115,605,504 MACs, each at least
    /// one cycle of one of the 64 PEs, so at least 1,806,336 cycles.
    @Test func problemFilesAreSearched() throws {
        let folder = repositoryRoot.appendingPathComponent("Examples/problems")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 6)
        for file in files {
            let run = try joule([
                "eval", "op", "toy-3level", "--problem", folder.appendingPathComponent(file).path, "--format", "json",
            ])
            #expect(run.status == 0, "\(file): \(run.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let mapper = try #require(object["mapper"] as? [String: Any], "\(file)")
            #expect((mapper["evaluated"] as? Int ?? 0) > 0)
            #expect(object["mapping"] is String && object["dims"] is [String: Any])
            if file == "resnet50-conv3x3.yaml" {
                #expect((object["cycles"] as? Double ?? 0) >= 1_806_336)
            }
        }
    }
}
