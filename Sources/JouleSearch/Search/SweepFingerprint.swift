import Foundation

/// Everything that defines the points of a sweep folder: the sweep file after defaults (in
/// named, canonical parts), the bytes of the hardware and model files the points are computed
/// from, the version of Joule that computed them, and the shard. `sweep.json` records it;
/// `--resume` and `merge` compare it and name what differs.
public struct SweepFingerprint: Sendable, Equatable, Codable {
    /// One named part of the sweep file after defaults (`axis batch`, `constraint area`, `base.model`).
    public struct Part: Sendable, Equatable, Codable {
        /// What the part is.
        public var name: String
        /// Its values after defaults (ranges expanded), compared.
        public var values: [String]
        /// How it reads, for messages.
        public var written: String

        /// A part of a sweep.
        public init(name: String, values: [String], written: String) {
            self.name = name
            self.values = values
            self.written = written
        }
    }

    /// A file the points are computed from, and the SHA-256 of its bytes.
    public struct InputFile: Sendable, Equatable, Codable {
        /// What the file is to the sweep (`base hardware file`).
        public var role: String
        /// Where it was read.
        public var path: String
        /// SHA-256 of its bytes, in hex.
        public var sha256: String
    }

    /// The version of Joule that computed the points.
    public var version: String
    /// `I/N` for shard I of N; empty for an unsharded run (or a merge of shards).
    public var shard: String
    /// The sweep file after defaults.
    public var spec: [Part]
    /// The base hardware and model files (and every model a `model` axis names).
    public var files: [InputFile]
    /// SHA-256 over the version, the parts and the files' digests, not the shard: every shard of
    /// one sweep has the same.
    public var digest: String

    /// The fingerprint of a plan's points for one shard (nil: all points) under a Joule version.
    public init(plan: SweepPlan, shard: (index: Int, count: Int)?, version: String) throws(SweepError) {
        var files: [InputFile] = []
        for file in plan.inputFiles {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw SweepError("cannot read \(file.path) to fingerprint it", kind: .io)
            }
            files.append(InputFile(role: file.role, path: file.path, sha256: SHA256.hex(data)))
        }
        self.init(
            version: version, shard: shard.map { "\($0.index)/\($0.count)" } ?? "", spec: plan.spec.parts, files: files)
    }

    /// A fingerprint from its parts (the digest is computed).
    public init(version: String, shard: String, spec: [Part], files: [InputFile]) {
        self.version = version
        self.shard = shard
        self.spec = spec
        self.files = files
        var text = "joule \(version)\n"
        for part in spec { text += part.name + "\u{1F}" + part.values.joined(separator: "\u{1F}") + "\n" }
        for file in files { text += file.role + "\u{1F}" + file.sha256 + "\n" }
        digest = SHA256.hex(Array(text.utf8))
    }

    /// What differs between the sweep `recorded` fingerprinted and this one, as sentences; the
    /// shard is not compared (the callers say what they need of it). Empty when the same sweep.
    public func differences(from recorded: SweepFingerprint) -> [String] {
        var out: [String] = []
        if recorded.version != version {
            out.append("its points were computed by joule \(recorded.version), this is joule \(version)")
        }
        let old = Dictionary(recorded.spec.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let new = Dictionary(spec.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let axesChanged =
            Set(old.keys.filter { $0.hasPrefix("axis ") }) != Set(new.keys.filter { $0.hasPrefix("axis ") })
        for part in recorded.spec where new[part.name] == nil {
            out.append("\(part.name) is gone (was \(part.written))")
        }
        for part in spec {
            guard let before = old[part.name] else {
                out.append("\(part.name) is new (\(part.written))")
                continue
            }
            if before.values != part.values && !(part.name == Self.axisOrder && axesChanged) {
                out.append("\(part.name) changed: was \(before.written), now \(part.written)")
            }
        }
        let oldFiles = Dictionary(recorded.files.map { ($0.role, $0) }, uniquingKeysWith: { first, _ in first })
        for file in files {
            guard let before = oldFiles[file.role] else { continue }
            if before.sha256 != file.sha256 {
                out.append(
                    before.path == file.path
                        ? "the \(file.role) \(file.path) changed"
                        : "the \(file.role) changed (was \(before.path), now \(file.path))")
            }
        }
        return out
    }

    /// The name of the part that lists the axes in order (ids depend on it).
    static let axisOrder = "axis order"
}
