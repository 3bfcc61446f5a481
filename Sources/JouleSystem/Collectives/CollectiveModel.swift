import Foundation
import JouleSpec

/// Alpha-beta costs of collectives on a cluster's interconnect (Hockney's model; Thakur,
/// Rabenseifner and Gropp, "Optimization of Collective Communication Operations in MPICH",
/// IJHPCA 2005; Patarasuk and Yuan 2009 for the bandwidth-optimal ring).
///
/// With p devices, a buffer of S bytes per device, a per-step latency alpha and a per-device
/// bandwidth B in each direction:
///
/// - ring all-reduce: 2(p−1)·alpha + 2(p−1)/p · S/B (a reduce-scatter then an all-gather);
/// - ring all-gather and reduce-scatter: (p−1)·alpha + (p−1)/p · S/B, S the whole buffer;
/// - all-to-all (pairwise exchange through a switch): (p−1)·alpha + (p−1)/p · S/B;
/// - tree all-reduce (pipelined double binary tree, Sanders, Speck and Träff 2009, NCCL's
///   tree): 2⌈log2 p⌉·alpha + 2 · S/B;
/// - send/recv: alpha + S/B.
///
/// A group that spans nodes runs hierarchically (intra-node reduce-scatter, inter-node
/// all-reduce of S/g, intra-node all-gather for an all-reduce; the analogous split for the
/// others). A torus runs the ring algorithm one dimension after another on the shrinking
/// buffer, using both directions of each dimension's ring.
public struct CollectiveModel: Sendable {
    /// The cluster.
    public var cluster: Cluster
    /// The algorithm asked for.
    public var algorithm: CollectiveAlgorithm

    /// A model over a cluster's interconnect.
    public init(cluster: Cluster, algorithm: CollectiveAlgorithm = .auto) {
        self.cluster = cluster
        self.algorithm = algorithm
    }

    /// The cost of a collective of `bytes` per device over a group placed as given.
    public func cost(_ collective: Collective, bytes: Double, placement: GroupPlacement) -> CollectiveCost {
        guard placement.size > 1, bytes > 0 else { return .none(collective) }
        let local = placement.perNode
        let remote = placement.nodes
        if remote == 1 || cluster.clusterLink == nil {
            guard let link = cluster.nodeLink ?? cluster.clusterLink else { return .none(collective) }
            let step = flat(collective, bytes: bytes, p: placement.size, link: link)
            return finish(collective, bytes: bytes, p: placement.size, steps: [(link, step)])
        }
        guard let outer = cluster.clusterLink else { return .none(collective) }
        var steps: [(Interconnect, Step)] = []
        if local > 1, let inner = cluster.nodeLink {
            // Within the node first, then across nodes on 1/local of the buffer, then back.
            switch collective {
            case .allReduce:
                steps.append((inner, flat(.reduceScatter, bytes: bytes, p: local, link: inner)))
                steps.append((outer, flat(.allReduce, bytes: bytes / Double(local), p: remote, link: outer)))
                steps.append((inner, flat(.allGather, bytes: bytes, p: local, link: inner)))
            case .allGather, .reduceScatter:
                steps.append((outer, flat(collective, bytes: bytes / Double(local), p: remote, link: outer)))
                steps.append((inner, flat(collective, bytes: bytes, p: local, link: inner)))
            case .allToAll:
                // The share bound for other nodes crosses the network; the rest stays inside.
                let leaving = bytes * Double(placement.size - local) / Double(placement.size)
                steps.append((inner, flat(.allToAll, bytes: bytes - leaving, p: local, link: inner)))
                steps.append(
                    (
                        outer,
                        flat(.allToAll, bytes: leaving * Double(remote) / Double(remote - 1), p: remote, link: outer)
                    ))
            case .sendReceive:
                steps.append((outer, flat(.sendReceive, bytes: bytes, p: 2, link: outer)))
            }
        } else {
            steps.append((outer, flat(collective, bytes: bytes, p: remote, link: outer)))
        }
        return finish(collective, bytes: bytes, p: placement.size, steps: steps)
    }

    /// One phase of a collective on one level: its time, the bytes each device sends, and the
    /// algorithm's name.
    public struct Step: Sendable, Hashable {
        /// Time of the step.
        public var seconds: Double
        /// Bytes each participant sends.
        public var bytesPerDevice: Double
        /// Devices taking part in one copy of the step.
        public var participants: Int
        /// The algorithm's name.
        public var algorithm: String
    }

    /// A collective among `p` devices on one level.
    public func flat(_ collective: Collective, bytes s: Double, p: Int, link: Interconnect) -> Step {
        let alpha = link.latency.value.si
        let n = Double(p)
        guard p > 1 else { return Step(seconds: 0, bytesPerDevice: 0, participants: p, algorithm: "none") }
        if case .torus(let dims) = link.topology, collective != .sendReceive, collective != .allToAll {
            return torus(collective, bytes: s, dims: dims, link: link)
        }
        // A ring of links carries traffic both ways (two counter-rotating rings, as NCCL builds).
        let b = link.topology == .switch ? link.bandwidth.si : link.deviceBandwidth.si
        switch collective {
        case .allReduce:
            let ring = Step(
                seconds: 2 * (n - 1) * alpha + 2 * (n - 1) / n * s / b, bytesPerDevice: 2 * (n - 1) / n * s,
                participants: p, algorithm: "ring")
            let depth = (n).log2Ceiling
            let tree = Step(
                seconds: 2 * depth * alpha + 2 * s / b, bytesPerDevice: 2 * s, participants: p, algorithm: "tree")
            switch algorithm {
            case .ring: return ring
            case .tree: return link.topology == .switch ? tree : ring
            case .auto: return link.topology == .switch && tree.seconds < ring.seconds ? tree : ring
            }
        case .allGather, .reduceScatter:
            return Step(
                seconds: (n - 1) * alpha + (n - 1) / n * s / b, bytesPerDevice: (n - 1) / n * s, participants: p,
                algorithm: "ring")
        case .allToAll:
            // On a ring, the average message travels p/4 hops each way.
            let hops = link.topology == .switch ? 1 : max(1, n / 4)
            return Step(
                seconds: (n - 1) * alpha + (n - 1) / n * s * hops / b, bytesPerDevice: (n - 1) / n * s * hops,
                participants: p, algorithm: "pairwise")
        case .sendReceive:
            // One of the pair sends S, the other receives: S/2 per participant on average.
            return Step(
                seconds: alpha + s / link.bandwidth.si, bytesPerDevice: s / n, participants: p, algorithm: "p2p")
        }
    }

    /// A collective on a torus, dimension by dimension.
    private func torus(_ collective: Collective, bytes s: Double, dims: [Int], link: Interconnect) -> Step {
        let alpha = link.latency.value.si
        let b = 2 * link.bandwidth.si  // both directions of the dimension's ring
        var seconds = 0.0
        var sent = 0.0
        var buffer = s
        // Reduce-scatter along each dimension on a shrinking buffer (all-gather mirrors it).
        let passes = collective == .allReduce ? 2.0 : 1.0
        for d in dims {
            let n = Double(d)
            seconds += passes * ((n - 1) * alpha + (n - 1) / n * buffer / b)
            sent += passes * (n - 1) / n * buffer
            buffer /= n
        }
        return Step(
            seconds: seconds, bytesPerDevice: sent, participants: dims.reduce(1, *),
            algorithm: "torus ring per dimension")
    }

    private func finish(_ collective: Collective, bytes: Double, p: Int, steps: [(Interconnect, Step)])
        -> CollectiveCost
    {
        var linkBytes: [String: Double] = [:]
        var energy = 0.0
        var seconds = 0.0
        for (link, step) in steps {
            // Every participant of every copy of the step sends its bytes.
            let copies = Double(p) / Double(max(1, step.participants))
            let total = step.bytesPerDevice * Double(step.participants) * copies
            linkBytes[link.name, default: 0] += total
            energy += total * 8 * link.energyPerBit.value.si
            seconds += step.seconds
        }
        let algorithm = steps.count > 1 ? "hierarchical" : (steps.first?.1.algorithm ?? "none")
        return CollectiveCost(
            collective: collective, bytes: bytes, group: p, seconds: seconds, linkBytes: linkBytes, energy: energy,
            algorithm: algorithm)
    }
}

extension Double {
    /// ⌈log2 self⌉ for a device count.
    fileprivate var log2Ceiling: Double { (Foundation.log2(self)).rounded(.up) }
}
