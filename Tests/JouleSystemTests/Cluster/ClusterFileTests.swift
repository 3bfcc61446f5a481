import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSystem

/// Cluster files: the shipped ones load; bad ones get positioned errors with suggestions.
struct ClusterFileTests {
    @Test(arguments: ["dgx-h100", "dgx-a100", "dgx-h100-2x8-ndr", "tpu-v4i-4x4-torus", "pcie-tpu-v1-x4"])
    func shippedClustersLoad(_ name: String) throws {
        let cluster = try Cluster.load(name, catalog: Fixtures.catalog)
        #expect(cluster.devices >= 4)
        #expect(cluster.nodeLink != nil)
    }

    @Test func dgxH100HasEightGPUsAt450GBPerSecondEachWay() throws {
        let cluster = try Cluster.load("dgx-h100", catalog: Fixtures.catalog)
        #expect(cluster.devices == 8 && cluster.device.name == "h100-sxm")
        // 900 GB/s bidirectional per GPU (H100 datasheet) is 450 GB/s each way.
        #expect(cluster.nodeLink?.bandwidth.si == 450e9)
        #expect(cluster.nodeLink?.energyPerBit.provenance.isEstimated == true)
        #expect(cluster.nodeLink?.latency.provenance.isEstimated == false)
    }

    static func errors(_ text: String) -> [Diagnostic] {
        do {
            _ = try YAMLDecoder().decode(ClusterDescription.self, from: text, path: "bad.yaml")
            return []
        } catch {
            return error.items
        }
    }

    @Test func unknownKeysSuggestTheNearestAndBareNumbersNeedUnits() {
        let errors = Self.errors(
            """
            name: bad
            device: h100-sxm
            devices_per_nod: 8
            interconnect:
              - { name: NVLink, kind: nvlnk, scope: node, topology: switch, bandwidth: 450 }
            """)
        let messages = errors.map(\.description).joined(separator: "\n")
        #expect(messages.contains("bad.yaml:3:1: error: unknown key 'devices_per_nod'"))
        #expect(messages.contains("did you mean 'devices_per_node'?"))
        #expect(messages.contains("unknown interconnect kind 'nvlnk'"))
        #expect(messages.contains("did you mean 'nvlink'?"))
        #expect(errors.contains { $0.mark?.line == 5 && $0.message.contains("bare number 450") })
    }

    @Test func aTorusMustCoverTheDevices() {
        let errors = Self.errors(
            """
            name: bad
            device: tpu-v4i
            devices_per_node: 16
            interconnect:
              - { name: ICI, kind: ici, scope: node, topology: torus, dims: [4, 2], bandwidth: 50 GB/s }
            """)
        #expect(errors.contains { $0.message.contains("torus 4x2 has 8 positions") && $0.mark?.line == 5 })
    }

    @Test func manyNodesNeedAClusterLevel() {
        let errors = Self.errors(
            """
            name: bad
            device: h100-sxm
            devices_per_node: 8
            nodes: 2
            interconnect:
              - { name: NVLink, kind: nvlink, scope: node, topology: switch, bandwidth: 450 GB/s }
            """)
        #expect(errors.contains { $0.message.contains("2 nodes need an interconnect level with scope: cluster") })
    }

    @Test func anUnknownDeviceIsReportedAtTheDeviceLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joule-cluster-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("c.yaml").path
        try "name: c\ndevice: h100-sx\ndevices_per_node: 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try Cluster.load(path, catalog: Fixtures.catalog)
            Issue.record("expected an error")
        } catch {
            #expect(error.items.contains { $0.mark?.line == 2 && $0.message.contains("h100-sx") })
            #expect(error.items.contains { $0.hint?.contains("h100-sxm") == true })
        }
    }
}
