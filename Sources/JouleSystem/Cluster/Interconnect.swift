import JouleSpec

/// One level of a cluster's interconnect: the links among a node's devices, or between nodes.
public struct Interconnect: Sendable, Hashable {
    /// Which devices the level connects.
    public enum Scope: String, Sendable, Hashable, CaseIterable {
        /// The devices of one node.
        case node
        /// The nodes of the cluster (one port per device, as DGX systems have one NIC per GPU).
        case cluster
    }

    /// The technology, which decides the estimates for anything left out.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case nvlink, pcie, infiniband, ethernet, ici
    }

    /// The level's name, e.g. `NVLink`.
    public var name: String
    /// The link technology.
    public var kind: Kind
    /// Within a node or between nodes.
    public var scope: Scope
    /// How the devices are wired.
    public var topology: Topology
    /// Bandwidth per device (switch) or per link (ring, torus), in each direction.
    public var bandwidth: Bandwidth
    /// Latency of one message step (the alpha of the alpha-beta model).
    public var latency: Figure<Time>
    /// Energy to move one bit from one device to another over the level (links, switch, NIC).
    public var energyPerBit: Figure<EnergyPerBit>
    /// Static power of the level's switches and NICs, per node.
    public var staticPower: Figure<Power>

    /// Bandwidth one device can drive in one direction: its switch port, or all its links.
    public var deviceBandwidth: Bandwidth {
        switch topology {
        case .switch: return bandwidth
        case .ring: return bandwidth * 2
        case .torus(let dims): return bandwidth * Double(2 * dims.count)
        }
    }
}
