import Foundation
import JouleSpec

/// `sweep.json`: what a sweep folder holds (the name, the design space's size, the swept keys,
/// the objectives, the shard, the sweep file) and the fingerprint of its points.
public struct SweepManifest: Sendable, Codable, Equatable {
    /// The file name in a sweep folder.
    public static let fileName = "sweep.json"

    /// The sweep's name.
    public var name: String
    /// Points in the whole design space (every shard).
    public var totalPoints: Int
    /// The swept keys, in column order.
    public var keys: [String]
    /// The objectives, by metric name.
    public var objectives: [String]
    /// `I/N`, or empty for an unsharded run or a merge.
    public var shard: String
    /// The sweep file, as given.
    public var sweepFile: String
    /// What defines the points (nil in folders written before Joule recorded it).
    public var fingerprint: SweepFingerprint?
    /// The shape of this file (`JouleVersion.jsonSchema` when written; nil in folders written
    /// before Joule recorded it).
    public var schemaVersion: Int?

    enum CodingKeys: String, CodingKey {
        case name, keys, objectives, shard, fingerprint
        case schemaVersion = "schema_version"
        case totalPoints = "total_points"
        case sweepFile = "sweep_file"
    }

    /// A manifest.
    public init(
        name: String, totalPoints: Int, keys: [String], objectives: [String], shard: String, sweepFile: String,
        fingerprint: SweepFingerprint?
    ) {
        self.name = name
        self.totalPoints = totalPoints
        self.keys = keys
        self.objectives = objectives
        self.shard = shard
        self.sweepFile = sweepFile
        self.fingerprint = fingerprint
        self.schemaVersion = JouleVersion.jsonSchema
    }

    /// The manifest of a folder; nil when it has no sweep.json.
    public static func read(directory: String) throws(SweepError) -> SweepManifest? {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
            let manifest = try? JSONDecoder().decode(SweepManifest.self, from: data)
        else {
            throw SweepError("\(path) is not a sweep manifest Joule wrote")
        }
        return manifest
    }

    /// Writes `DIR/sweep.json`.
    public func write(directory: String) throws(SweepError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = (directory as NSString).appendingPathComponent(Self.fileName)
        do {
            try (try encoder.encode(self)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SweepError("cannot write \(path): \(error.localizedDescription)", kind: .io)
        }
    }
}
