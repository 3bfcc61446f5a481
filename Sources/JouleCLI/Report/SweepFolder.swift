import Foundation
import JouleSearch
import YAML

/// What a sweep's output folder holds, read with the readers `joule plot pareto` and
/// `joule sweep --resume` use: points.csv (every problem at its line and column), pareto.csv
/// when present, and sweep.json (the name and objectives) when present.
struct SweepFolder {
    var directory: String
    /// points.csv by column name, as the Pareto plot reads it.
    var points: CSVTable
    /// points.csv as typed rows.
    var table: SweepTable
    var manifest: SweepManifest?
    /// pareto.csv, when the sweep wrote one.
    var front: CSVTable?
    /// The line of points.csv left out because it has no newline yet (a sweep still running).
    var cutLine: Int?

    /// The sweep's name: from sweep.json, else the folder's name.
    var name: String { manifest?.name ?? (directory as NSString).lastPathComponent }

    /// The sweep's objectives (sweep.json), else energy per token and latency.
    var objectives: [Metric] {
        let named = (manifest?.objectives ?? []).compactMap { Metric(rawValue: $0) }
        return named.isEmpty ? [.energyPerToken, .latency] : named
    }

    /// The ids of the Pareto-optimal points: pareto.csv's, else the library's front over the objectives.
    var frontIDs: Set<Int> {
        if let front {
            return Set(front.rows.indices.compactMap { Int(front.id(row: $0)) })
        }
        return Set(Pareto.front(table.rows, objectives: objectives).map(\.id))
    }

    /// Reads a folder; a missing folder or points.csv, or a malformed file, is bad input (exit 65).
    static func read(_ directory: String) throws(CommandLineError) -> SweepFolder {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
            throw .data(
                Diagnostics([
                    Diagnostic(
                        path: directory, mark: nil, message: "no such folder",
                        hint: "give the output folder of `joule sweep` (its --out, by default out/NAME)")
                ]))
        }
        guard isDirectory.boolValue else {
            throw .data(
                Diagnostics([
                    Diagnostic(
                        path: directory, mark: nil, message: "not a folder",
                        hint: "give the output folder of `joule sweep`, which holds points.csv")
                ]))
        }
        let pointsPath = (directory as NSString).appendingPathComponent("points.csv")
        guard FileManager.default.fileExists(atPath: pointsPath) else {
            throw .data(
                Diagnostics([
                    Diagnostic(
                        path: directory, mark: nil, message: "the folder holds no points.csv",
                        hint: "is it the output folder of `joule sweep`?")
                ]))
        }
        let (text, cut) = try completeLines(pointsPath)
        let points = try CSVTable.parse(text, path: pointsPath)
        let table: SweepTable
        let manifest: SweepManifest?
        do {
            table = try SweepTable.read(path: pointsPath)
            manifest = try SweepManifest.read(directory: directory)
        } catch {
            throw SweepCommand.failure(error, path: pointsPath)
        }
        let frontPath = (directory as NSString).appendingPathComponent("pareto.csv")
        let front = FileManager.default.fileExists(atPath: frontPath) ? try CSVTable.read(frontPath) : nil
        return SweepFolder(
            directory: directory, points: points, table: table, manifest: manifest, front: front, cutLine: cut)
    }

    /// The complete lines of points.csv, as `SweepTable.read` takes them: a sweep still running
    /// (or killed) leaves its last line without a newline, perhaps cut short; it is left out.
    /// Returns the text and the line number left out, if any.
    static func completeLines(_ path: String) throws(CommandLineError) -> (String, Int?) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw .data(Diagnostics([Diagnostic(path: path, mark: nil, message: "cannot read the file")]))
        }
        guard !text.isEmpty, !text.hasSuffix("\n"), let last = text.lastIndex(of: "\n") else { return (text, nil) }
        let kept = String(text[...last])
        return (kept, kept.reduce(1) { $0 + ($1 == "\n" ? 1 : 0) })
    }
}
