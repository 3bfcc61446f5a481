/// How the devices of one interconnect level are wired.
public enum Topology: Sendable, Hashable, CustomStringConvertible {
    /// Every device has its own port into a non-blocking switch (NVSwitch, an InfiniBand fat
    /// tree, a PCIe switch): any pattern runs at each device's full port bandwidth.
    case `switch`
    /// Neighbours are wired in one ring: a device reaches only the next and the previous one.
    case ring
    /// A torus of the given extents (4 x 4): each device has two links per dimension.
    case torus([Int])

    public var description: String {
        switch self {
        case .switch: return "switch"
        case .ring: return "ring"
        case .torus(let dims): return "torus " + dims.map(String.init).joined(separator: "x")
        }
    }
}
