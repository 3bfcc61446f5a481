import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// Imperfect factors: a bound that does not divide its dimension leaves a smaller last tile,
/// costed as what it is (hand-counted here), not padded to a full one.
struct TileCountsTests {
    /// P = 10 under a loop of 3 then one of 2: nominal tiles ceil(10/3) = 4 (real 4, 4, 2),
    /// then ceil(10/6) = 2 (real 2, 2, 2, 2, 2): 3 then 5 tiles where padding would step 3 then
    /// 6. Under a spatial loop of 4 instead, each instance gets at most ceil(10/12) = 1: the
    /// 3 tiles stay 3 per instance.
    @Test func remaindersAreCountedAsTheyAre() {
        let cases: [([ReuseAnalysis.FlatLoop], [Double], Double)] = [
            (
                [
                    .init(level: 0, dimension: 0, bound: 3, spatial: false),
                    .init(level: 1, dimension: 0, bound: 2, spatial: false),
                ], [3, 5], 5
            ),
            (
                [
                    .init(level: 0, dimension: 0, bound: 3, spatial: false),
                    .init(level: 0, dimension: 0, bound: 4, spatial: true),
                ], [3, 3], 3
            ),
            // Perfect factors: the product of the bounds.
            (
                [
                    .init(level: 0, dimension: 0, bound: 5, spatial: false),
                    .init(level: 1, dimension: 0, bound: 2, spatial: false),
                ], [5, 10], 10
            ),
        ]
        for (loops, expected, steps) in cases {
            var tiles = [Double](repeating: 0, count: loops.count)
            var stepped = [0.0]
            [10].withUnsafeBufferPointer { bounds in
                loops.withUnsafeBufferPointer { loops in
                    tiles.withUnsafeMutableBufferPointer { tiles in
                        stepped.withUnsafeMutableBufferPointer { stepped in
                            TileCounts.count(bounds: bounds, loops: loops, into: tiles, steps: stepped)
                        }
                    }
                }
            }
            #expect(tiles == expected)
            #expect(stepped == [steps])
        }
    }

    /// A 10 x 4 x 8 int8 GEMM (M x N x K) through one buffer: DRAM loops N 2 (outer), M 3; the
    /// buffer's tile is ceil(10/3) = 4 rows (real 4, 4, 2), 2 columns, all of K.
    /// - inputs (M x K): the M loop is their innermost relevant one, the N loop outside it
    ///   refetches them: 2 x 80 = 160 words (padding would move 2 x 3 x 4 x 8 = 192);
    /// - weights (K x N): resident across the inner M loop, fetched once: 32;
    /// - outputs (M x N): each written once, 40 updates, no read-backs;
    /// - compute: 10 rows x 4 columns x 8 = 320 steps, one per MAC (padding: 384).
    @Test func anImperfectGEMMMovesItsRealTiles() throws {
        let hardware = try PebblingBoundTests.buffer(words: 4096)
        let (m, n, k) = (0, 1, 2)
        let mapping = Mapping(levels: [
            LevelMapping(temporal: [Loop(n, 2), Loop(m, 3)]),
            LevelMapping(temporal: [Loop(k, 8), Loop(m, 4), Loop(n, 2)]),
        ])
        let counts = try ReuseAnalysis.analyze(
            problem: Problem.gemm(m: 10, n: 4, k: 8), mapping: mapping, hardware: hardware)
        let (weights, inputs, outputs) = (0, 1, 2)
        #expect(counts.access(level: 1, operand: inputs).fills == 160)
        #expect(counts.access(level: 0, operand: inputs).reads == 160)
        #expect(counts.access(level: 1, operand: weights).fills == 32)
        #expect(counts.access(level: 0, operand: outputs).updates == 40)
        #expect(counts.access(level: 0, operand: outputs).reads == 0)
        #expect(counts.temporalCycles == 320)
        #expect(counts.access(level: 1, operand: inputs).reads == 320)
        // The buffer holds its nominal tiles: inputs 4 x 8, weights 8 x 2, outputs 4 x 2.
        #expect(counts.access(level: 1, operand: inputs).tile == 32)
        #expect(counts.access(level: 1, operand: outputs).tile == 8)
    }
}
