/// Joule's version: printed by `joule --version`, and recorded with every sweep's results, whose
/// numbers it computed.
public enum JouleVersion {
    /// The version of this build.
    public static let current = "0.1.0"
    /// The version of the shape of Joule's JSON (every `--format json` output and a sweep
    /// folder's sweep.json carry it as `schema_version`). It goes up when a key is removed,
    /// renamed or changes meaning; added keys leave it as it is. 2: `joule eval`'s
    /// `time_per_token_s` is latency / tokens in every phase, as in a sweep (1 gave a decode
    /// step's latency).
    public static let jsonSchema = 2
}
