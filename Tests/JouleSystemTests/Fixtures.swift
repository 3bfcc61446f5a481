import Foundation
import JouleSpec

@testable import JouleSystem

/// Files of the repository, and clusters built in code with round numbers.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var catalog: Catalog { Catalog(roots: [root.path]) }

    static func model(_ name: String) throws -> ModelConfig {
        try ModelConfig.load(root.appendingPathComponent("Models/\(name).yaml").path)
    }

    static func hardware(_ name: String) throws -> Accelerator {
        try Accelerator.load(root.appendingPathComponent("Hardware/\(name).yaml").path)
    }

    /// A link with given figures.
    static func link(
        _ name: String, scope: Interconnect.Scope, topology: Topology = .switch, bandwidth: Double, latency: Double,
        energyPerBit: Double = 1e-12
    ) -> Interconnect {
        Interconnect(
            name: name, kind: scope == .node ? .nvlink : .infiniband, scope: scope, topology: topology,
            bandwidth: Bandwidth(si: bandwidth), latency: .given(Time(si: latency)),
            energyPerBit: .given(EnergyPerBit(si: energyPerBit)), staticPower: .given(.zero))
    }

    /// `nodes` nodes of `perNode` devices: 450 GB/s, 2 us inside a node; 50 GB/s, 5 us between.
    static func cluster(device: Accelerator, perNode: Int, nodes: Int = 1, topology: Topology = .switch) -> Cluster {
        Cluster(
            name: "test", device: device, devicesPerNode: perNode, nodes: nodes,
            nodeLink: link("NVLink", scope: .node, topology: topology, bandwidth: 450e9, latency: 2e-6),
            clusterLink: nodes > 1 ? link("IB", scope: .cluster, bandwidth: 50e9, latency: 5e-6) : nil)
    }
}
