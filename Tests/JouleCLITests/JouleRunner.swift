import Foundation
import Testing

/// The repository root, from this file's path (Tests/JouleCLITests/JouleRunner.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The built `joule` executable: beside the running test binary (which honours `--scratch-path`),
/// else in the default `.build/debug`.
let jouleExecutable: URL? = {
    var starts: [URL] = []
    if let path = Bundle.main.executablePath { starts.append(URL(fileURLWithPath: path)) }
    if let first = CommandLine.arguments.first { starts.append(URL(fileURLWithPath: first)) }
    var candidates: [URL] = []
    for start in starts {
        // On Linux the test binary sits in the build folder; on macOS it is inside a .xctest bundle.
        var folder = start.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("joule"))
            folder.deleteLastPathComponent()
        }
    }
    candidates.append(repositoryRoot.appendingPathComponent(".build/debug/joule"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}()

/// What one run of `joule` did.
struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `joule` with `arguments` in the repository root, with `$JOULE_PATH` unset.
func joule(_ arguments: String...) throws -> Run {
    try joule(arguments)
}

func joule(_ arguments: [String]) throws -> Run {
    try joule(arguments, in: repositoryRoot, environment: ["JOULE_PATH": nil])
}

/// Runs `joule` with `arguments` in `folder`, with `input` on standard input and `environment`
/// overriding (or, with nil, removing) variables of this process's environment.
func joule(_ arguments: [String], input: String = "", in folder: URL, environment changes: [String: String?]) throws
    -> Run
{
    let executable = try #require(jouleExecutable, "build the joule executable first (swift build --build-tests)")
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("joule-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: scratch) }
    let inURL = scratch.appendingPathComponent("stdin")
    let outURL = scratch.appendingPathComponent("stdout")
    let errURL = scratch.appendingPathComponent("stderr")
    try input.write(to: inURL, atomically: true, encoding: .utf8)
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let stdin = try FileHandle(forReadingFrom: inURL)
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = folder
    var environment = ProcessInfo.processInfo.environment
    for (name, value) in changes { environment[name] = value }
    process.environment = environment
    process.standardInput = stdin
    process.standardOutput = out
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    try stdin.close()
    try out.close()
    try err.close()
    return Run(
        status: process.terminationStatus,
        stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
        stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
}
