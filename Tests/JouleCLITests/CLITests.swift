import Foundation
import Testing

/// Paths relative to the repository root of the `.yaml` files in a folder.
private func yamlFiles(in folder: String) -> [String] {
    let names =
        (try? FileManager.default.contentsOfDirectory(atPath: repositoryRoot.appendingPathComponent(folder).path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted().map { folder + "/" + $0 }
}

/// Whether `line` is a compiler-style `path:line:col: error: message` headline for `path`.
private func isPositionedError(_ line: Substring, path: String) -> Bool {
    guard line.hasPrefix(path + ":") else { return false }
    let parts = line.dropFirst(path.count + 1).split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
    guard parts.count == 3, let row = Int(parts[0]), let column = Int(parts[1]) else { return false }
    return row >= 1 && column >= 1 && parts[2].hasPrefix(" error: ")
}

@Suite struct CLITests {
    @Test func showHardwarePrintsThePeakAndTheDRAMBandwidth() throws {
        let run = try joule("show", "hardware", "tpu-v1")
        #expect(run.status == 0, "\(run.stderr)")
        // 65,536 MACs x 2 x 700 MHz = 91.7504 TOPS, printed to four significant digits.
        #expect(run.stdout.contains("91.75 TOPS"))
        #expect(run.stdout.contains("34 GB/s"))
        #expect(run.stdout.contains("tpu-v1"))
        #expect(run.stderr.isEmpty)
    }

    @Test func showHardwareAsJSON() throws {
        let run = try joule("show", "hardware", "tpu-v1", "--format", "json")
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["name"] as? String == "tpu-v1")
        #expect(object["clock_hz"] as? Double == 700e6)
        let compute = try #require(object["compute"] as? [String: Any])
        let precisions = try #require(compute["precisions"] as? [[String: Any]])
        #expect(precisions.first?["precision"] as? String == "int8")
        // Exactly 65,536 x 2 x 700e6 (the published "92 TOPS" is this, rounded).
        #expect(precisions.first?["peak_ops_per_s"] as? Double == 91_750_400_000_000)
        let memory = try #require(object["memory"] as? [[String: Any]])
        #expect(memory.first?["read_bandwidth_bytes_per_s"] as? Double == 34e9)
        #expect(memory.first?["name"] as? String == "DRAM")
    }

    @Test func showHardwareByPath() throws {
        let run = try joule("show", "hardware", "Hardware/h100-sxm.yaml")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("989.4 TOPS"))
        #expect(run.stdout.contains("3.35 TB/s"))
    }

    @Test(arguments: yamlFiles(in: "Tests/Corpus/hardware"))
    func checkRejectsEveryCorpusFileWithPositions(_ path: String) throws {
        let run = try joule("check", path)
        #expect(run.status == 65)
        let headlines = run.stderr.split(separator: "\n").filter { $0.hasPrefix(path + ":") }
        #expect(!headlines.isEmpty, "\(run.stderr)")
        for headline in headlines {
            #expect(isPositionedError(headline, path: path), "\(headline)")
        }
    }

    @Test func checkReportsEveryErrorOfAFile() throws {
        let path = "Tests/Corpus/hardware/three-errors.yaml"
        let run = try joule("check", path)
        #expect(run.status == 65)
        let headlines = run.stderr.split(separator: "\n").filter { isPositionedError($0, path: path) }
        #expect(headlines.count == 3, "\(run.stderr)")
        #expect(run.stderr.contains("\n3 errors"))
    }

    @Test func checkAcceptsTheWholeLibrary() throws {
        let files = yamlFiles(in: "Hardware")
        #expect(files.count >= 11)
        let run = try joule(["check"] + files)
        #expect(run.status == 0, "\(run.stderr)")
        for file in files {
            #expect(run.stdout.contains("\(file): ok"), "\(file)")
        }
    }

    @Test func checkWithoutFilesIsAUsageError() throws {
        #expect(try joule("check").status == 64)
    }

    @Test func unknownCommandIsAUsageError() throws {
        let run = try joule("frobnicate")
        #expect(run.status == 64)
        #expect(run.stderr.contains("unknown command 'frobnicate'"))
    }

    @Test func noCommandIsAUsageError() throws {
        #expect(try joule().status == 64)
    }

    @Test func unknownFormatIsAUsageError() throws {
        let run = try joule("show", "hardware", "tpu-v1", "--format", "xml")
        #expect(run.status == 64)
        #expect(run.stderr.contains("unknown format 'xml'"))
    }

    @Test func versionPrintsTheVersion() throws {
        let run = try joule("--version")
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("joule "))
        // A dotted version number follows.
        let version = run.stdout.dropFirst("joule ".count).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(version.split(separator: ".").count >= 2)
        #expect(version.split(separator: ".").allSatisfy { Int($0) != nil })
    }

    @Test func unknownHardwareNameIsBadDataWithTheChoices() throws {
        let run = try joule("show", "hardware", "no-such-name")
        #expect(run.status == 65)
        #expect(run.stderr.contains("no hardware file or library entry named 'no-such-name'"))
        // Nothing is close to "no-such-name", so the note lists the library.
        #expect(run.stderr.contains("note: expected one of: "))
        #expect(run.stderr.contains("tpu-v1"))
    }

    @Test func misspeltHardwareNameGetsADidYouMean() throws {
        let run = try joule("show", "hardware", "tpu-v2")
        #expect(run.status == 65)
        #expect(run.stderr.contains("did you mean 'tpu-v1'?"))
    }
}
