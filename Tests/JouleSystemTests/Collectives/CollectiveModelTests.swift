import JouleSpec
import Testing

@testable import JouleSystem

/// Alpha-beta costs against the textbook formulas (Thakur, Rabenseifner and Gropp 2005),
/// evaluated by hand for p = 8, S = 1 GB, B = 450 GB/s, alpha = 2 us.
struct CollectiveModelTests {
    static let gigabyte = 1e9

    static func model(_ algorithm: CollectiveAlgorithm = .ring, nodes: Int = 1) throws -> CollectiveModel {
        CollectiveModel(
            cluster: Fixtures.cluster(device: try Fixtures.hardware("h100-sxm"), perNode: 8, nodes: nodes),
            algorithm: algorithm)
    }

    @Test func ringAllReduceIsTwoTimesPMinusOneOverPTimesSOverBPlusTwoPMinusOneAlpha() throws {
        let cost = try Self.model().cost(.allReduce, bytes: Self.gigabyte, placement: .init(perNode: 8, nodes: 1))
        // 2 x 7/8 x 1e9 / 450e9 = 3.888889 ms; 2 x 7 x 2 us = 28 us.
        #expect(abs(cost.seconds - (3.888_888_9e-3 + 28e-6)) < 1e-9)
        #expect(cost.algorithm == "ring")
        // Every device sends 2 x 7/8 GB: 14 GB over the 8, at 1 pJ/bit.
        #expect(abs((cost.linkBytes["NVLink"] ?? 0) - 14e9) < 1)
        #expect(abs(cost.energy - 14e9 * 8 * 1e-12) < 1e-9)
    }

    @Test func treeAllReduceIsTwoLogPAlphaPlusTwoSOverB() throws {
        let cost = try Self.model(.tree).cost(.allReduce, bytes: Self.gigabyte, placement: .init(perNode: 8, nodes: 1))
        // 2 x log2 8 x 2 us = 12 us; 2 x 1e9 / 450e9 = 4.444444 ms.
        #expect(abs(cost.seconds - (12e-6 + 4.444_444_4e-3)) < 1e-9)
    }

    @Test func autoPicksTheTreeForSmallMessagesAndTheRingForLargeOnes() throws {
        let model = try Self.model(.auto)
        let group = GroupPlacement(perNode: 8, nodes: 1)
        #expect(model.cost(.allReduce, bytes: 1e3, placement: group).algorithm == "tree")
        #expect(model.cost(.allReduce, bytes: 1e9, placement: group).algorithm == "ring")
    }

    @Test func allGatherAndReduceScatterAreHalfAnAllReduce() throws {
        let model = try Self.model()
        let group = GroupPlacement(perNode: 8, nodes: 1)
        for kind in [Collective.allGather, .reduceScatter] {
            // 7/8 x 1e9 / 450e9 = 1.944444 ms; 7 x 2 us = 14 us.
            #expect(
                abs(model.cost(kind, bytes: Self.gigabyte, placement: group).seconds - (1.944_444_4e-3 + 14e-6)) < 1e-9)
        }
    }

    @Test func sendReceiveIsAlphaPlusSOverB() throws {
        let cost = try Self.model().cost(.sendReceive, bytes: 9e8, placement: .init(perNode: 2, nodes: 1))
        #expect(abs(cost.seconds - (2e-6 + 2e-3)) < 1e-12)
        // One device sends the 9e8 bytes, the other only receives: 9e8 bytes on the link, at
        // the fixture's 1 pJ/bit 9e8 x 8 x 1e-12 = 7.2 mJ.
        #expect(cost.linkBytes["NVLink"] == 9e8)
        #expect(abs(cost.energy - 7.2e-3) < 1e-12)
    }

    @Test func hierarchicalAllReduceRunsInsideTheNodesThenAcrossThem() throws {
        let cost = try Self.model(nodes: 2).cost(.allReduce, bytes: 8e9, placement: .init(perNode: 8, nodes: 2))
        // Reduce-scatter in the node: 7/8 x 8e9 / 450e9 + 7 x 2 us; all-reduce of 1e9 between
        // the 2 nodes: 2 x 1/2 x 1e9 / 50e9 + 2 x 5 us; all-gather in the node as the first.
        let inside = 7.0 / 8 * 8e9 / 450e9 + 14e-6
        let across = 1e9 / 50e9 + 10e-6
        #expect(abs(cost.seconds - (2 * inside + across)) < 1e-9)
        #expect(cost.algorithm == "hierarchical")
        // Network bytes: each of 16 devices sends 1/2 x 1e9 once... 2 x 1/2 x 1e9 = 1e9 each.
        #expect(abs((cost.linkBytes["IB"] ?? 0) - 16e9) < 1)
    }

    @Test func aTorusRunsTheRingDimensionByDimension() throws {
        let cluster = Fixtures.cluster(device: try Fixtures.hardware("tpu-v4i"), perNode: 16, topology: .torus([4, 4]))
        let cost = CollectiveModel(cluster: cluster).cost(
            .allReduce, bytes: 1.6e9, placement: .init(perNode: 16, nodes: 1))
        // Both directions of each ring: 900 GB/s. Dimension 1 on 1.6 GB, dimension 2 on 0.4 GB,
        // each a reduce-scatter and an all-gather: 2 x (3 x 2 us + 3/4 x S / 900e9).
        let first = 2 * (6e-6 + 0.75 * 1.6e9 / 900e9)
        let second = 2 * (6e-6 + 0.75 * 0.4e9 / 900e9)
        #expect(abs(cost.seconds - (first + second)) < 1e-9)
    }

    @Test func placementFollowsTensorThenDataThenPipelineOrder() {
        #expect(GroupPlacement.of(size: 8, stride: 1, devicesPerNode: 8) == GroupPlacement(perNode: 8, nodes: 1))
        #expect(GroupPlacement.of(size: 16, stride: 1, devicesPerNode: 8) == GroupPlacement(perNode: 8, nodes: 2))
        #expect(GroupPlacement.of(size: 2, stride: 8, devicesPerNode: 8) == GroupPlacement(perNode: 1, nodes: 2))
        #expect(GroupPlacement.of(size: 4, stride: 2, devicesPerNode: 8) == GroupPlacement(perNode: 4, nodes: 1))
    }
}
