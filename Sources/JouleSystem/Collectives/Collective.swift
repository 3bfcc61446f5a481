/// A collective communication operation among the devices of a group.
public enum Collective: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Every device ends with the sum of every device's buffer.
    case allReduce = "all-reduce"
    /// Every device ends with every device's part.
    case allGather = "all-gather"
    /// Every device ends with its part of the sum.
    case reduceScatter = "reduce-scatter"
    /// Every device sends a distinct part to every other (MoE dispatch and combine).
    case allToAll = "all-to-all"
    /// One device sends its buffer to the next (pipeline stages).
    case sendReceive = "send/recv"

    public var description: String { rawValue }
}

/// How a collective is scheduled over the links.
public enum CollectiveAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// Ring: p − 1 steps each way, bandwidth-optimal.
    case ring
    /// Pipelined (double binary) tree: log2 p steps each way, latency-optimal.
    case tree
    /// The faster of ring and tree for each message (as NCCL's tuner picks).
    case auto
}

/// Where a group's devices sit: how many share a node, over how many nodes.
public struct GroupPlacement: Sendable, Hashable {
    /// Group members in one node.
    public var perNode: Int
    /// Nodes the group spans.
    public var nodes: Int
    /// Devices in the group.
    public var size: Int { perNode * nodes }

    /// A placement.
    public init(perNode: Int, nodes: Int) {
        self.perNode = perNode
        self.nodes = nodes
    }

    /// The placement of a group of `size` devices whose ranks are `stride` apart, on nodes of
    /// `devicesPerNode` devices numbered in order.
    public static func of(size: Int, stride: Int, devicesPerNode: Int) -> GroupPlacement {
        let span = max(1, devicesPerNode / max(1, stride))
        let perNode = stride >= devicesPerNode ? 1 : min(size, span)
        return GroupPlacement(perNode: perNode, nodes: (size + perNode - 1) / perNode)
    }

    /// The placement of a group of the given ranks on nodes of `devicesPerNode` devices
    /// numbered in order: the nodes they touch, the members spread evenly over them.
    public static func of(ranks: [Int], devicesPerNode: Int) -> GroupPlacement {
        let nodes = max(1, Set(ranks.map { $0 / max(1, devicesPerNode) }).count)
        return GroupPlacement(perNode: max(1, (ranks.count + nodes - 1) / nodes), nodes: nodes)
    }
}
