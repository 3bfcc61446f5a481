import JouleSpec

/// The cost of one collective: its time, the bytes it puts on links, and their energy.
public struct CollectiveCost: Sendable, Hashable {
    /// The operation.
    public var collective: Collective
    /// The buffer size S of the alpha-beta model, per device.
    public var bytes: Double
    /// Devices in the group.
    public var group: Int
    /// Time on the critical path.
    public var seconds: Double
    /// Bytes every device sends, summed over the group, by interconnect level name.
    public var linkBytes: [String: Double]
    /// Energy of moving those bytes.
    public var energy: Double
    /// The algorithm used.
    public var algorithm: String

    /// No communication.
    public static func none(_ collective: Collective) -> CollectiveCost {
        CollectiveCost(
            collective: collective, bytes: 0, group: 1, seconds: 0, linkBytes: [:], energy: 0, algorithm: "none")
    }
}
