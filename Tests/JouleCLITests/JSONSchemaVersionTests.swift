import Foundation
import Testing

/// Every JSON output, from every command and from the REPL, is an object that says which shape
/// it has: `schema_version` 2.
struct JSONSchemaVersionTests {
    /// The schema version the README documents.
    static let version = 2

    static func version(of text: String) throws -> Int? {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        return object["schema_version"] as? Int
    }

    static let commands: [[String]] = [
        ["show", "hardware", "toy-3level"],
        ["show", "model", "gpt2"],
        ["graph", "gpt2", "--sequence", "64"],
        ["eval", "gpt2", "toy-3level", "--sequence", "64", "--roofline", "ideal"],
        ["eval", "op", "toy-3level", "--dims", "M=64,N=64,K=64", "--precision", "int8"],
        ["dvfs", "gpt2", "toy-3level", "--phase", "decode", "--context", "128", "--roofline", "ideal"],
        ["calibrate", "h100-sxm", "Measurements/example-h100-synthetic.csv"],
    ]

    @Test(arguments: commands) func everyCommandsJSONCarriesTheSchemaVersion(_ command: [String]) throws {
        let run = try joule(command + ["--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.version(of: run.stdout) == Self.version)
    }

    /// The REPL prints one document per command; each is an object with the version.
    @Test func everyREPLJSONCarriesTheSchemaVersion() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let commands = [
            "show hardware", "show model", "show graph", "show mapping L0.q_proj", "eval", "breakdown by level",
            "breakdown by layer", "roofline", "dvfs", "top 3 energy", "compare baseline", "sweep batch in [1, 2]",
        ]
        let script =
            ["load hardware toy-3level", "load model gpt2", "set sequence 64", "save baseline", "format json"]
            + commands
        let run = try REPLTests.jouleIn(["repl", "--no-echo"], input: script.joined(separator: "\n"), in: folder)
        #expect(run.status == 0, "\(run.stderr)")
        let start = try #require(run.stdout.range(of: "format = json\n"))
        // Each document is pretty-printed: from a line "{" to a line "}".
        var documents: [String] = []
        var current: [Substring]?
        for line in run.stdout[start.upperBound...].split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "{" { current = [] }
            current?.append(line)
            if line == "}", let lines = current {
                documents.append(lines.joined(separator: "\n"))
                current = nil
            }
        }
        #expect(documents.count == commands.count)
        for (command, document) in zip(commands, documents) {
            #expect(try Self.version(of: document) == Self.version, "\(command)")
        }
    }

    /// sweep.json, which `merge` and `--resume` read, carries it too.
    @Test func aSweepFoldersManifestCarriesTheSchemaVersion() throws {
        let folder = try REPLTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("s.yaml")
        try """
        name: schema
        base: { hardware: toy-3level, model: gpt2, phase: decode, context: 128, precision: int8, roofline: ideal }
        axes: [ { key: batch, values: [1, 2] } ]
        """.write(to: file, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let run = try joule(["sweep", file.path, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let manifest = try String(contentsOf: out.appendingPathComponent("sweep.json"), encoding: .utf8)
        #expect(try Self.version(of: manifest) == Self.version)
    }
}
