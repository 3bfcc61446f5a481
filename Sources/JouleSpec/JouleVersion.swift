/// Joule's version: printed by `joule --version`, and recorded with every sweep's results, whose
/// numbers it computed.
public enum JouleVersion {
    /// The version of this build.
    public static let current = "0.1.0"
}
