import JouleSpec

/// Many copies of one accelerator, grouped in nodes, with the interconnect between them.
public struct Cluster: Sendable, Hashable {
    /// The cluster's name.
    public var name: String
    /// Where its numbers come from (free text).
    public var source: String?
    /// The accelerator every device is.
    public var device: Accelerator
    /// Devices in one node.
    public var devicesPerNode: Int
    /// Nodes in the cluster.
    public var nodes: Int
    /// The interconnect among a node's devices (nil for a one-device node).
    public var nodeLink: Interconnect?
    /// The interconnect between nodes (nil for a one-node cluster).
    public var clusterLink: Interconnect?

    /// A cluster from its parts.
    public init(
        name: String, source: String? = nil, device: Accelerator, devicesPerNode: Int, nodes: Int,
        nodeLink: Interconnect?, clusterLink: Interconnect?
    ) {
        self.name = name
        self.source = source
        self.device = device
        self.devicesPerNode = devicesPerNode
        self.nodes = nodes
        self.nodeLink = nodeLink
        self.clusterLink = clusterLink
    }

    /// One accelerator on its own: no interconnect.
    public static func single(_ device: Accelerator) -> Cluster {
        Cluster(name: device.name, device: device, devicesPerNode: 1, nodes: 1, nodeLink: nil, clusterLink: nil)
    }

    /// Devices in the whole cluster.
    public var devices: Int { devicesPerNode * nodes }

    /// The interconnect levels, node level first.
    public var interconnects: [Interconnect] { [nodeLink, clusterLink].compactMap { $0 } }

    /// Static power of every switch and NIC in the cluster.
    public var interconnectStaticPower: Power {
        interconnects.reduce(Power.zero) { $0 + $1.staticPower.value * Double(nodes) }
    }
}
