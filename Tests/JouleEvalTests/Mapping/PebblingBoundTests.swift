import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// The mapper's DRAM traffic against the red-blue pebbling lower bound for a GEMM through one
/// on-chip buffer of S words (Kwasniewski et al., SC'19, "Red-blue pebbling revisited"):
/// Q >= 2MNK / sqrt(S) + MN, and never below the compulsory M K + K N + M N.
struct PebblingBoundTests {
    /// DRAM, then one buffer of `words` int8 words that serves a single MAC.
    static func buffer(words: Int) throws -> Accelerator {
        try BufferHierarchy.accelerator(
            size: "\(words) B", macEnergy: 0.3, dram: (20, nil), buffer: (0.1, nil))
    }

    /// Words moved between DRAM and the buffer: operand reads, output updates and the partial
    /// sums read back.
    static func dramWords(_ counts: AccessCounts) -> Double {
        (0..<3).reduce(0) { total, o in
            let access = counts.access(level: 0, operand: o)
            return total + access.reads + access.updates
        }
    }

    /// The bound itself.
    static func bound(m: Int, n: Int, k: Int, words: Int) -> Double {
        let (m, n, k, s) = (Double(m), Double(n), Double(k), Double(words))
        return max(m * k + k * n + m * n, 2 * m * n * k / s.squareRoot() + m * n)
    }

    /// The mapped traffic never beats the bound on any case (the counts are physical), and the
    /// mean ratio over the corpus is within the 1.10x: 1.091 with the ladder of extents
    /// and N taking every extent (`TilingSpace.takesEveryExtent`); 1.126 with the ladder alone.
    @Test func mappedTrafficStaysNearThePebblingBound() throws {
        let mean = try Self.meanRatio(constraints: .none)
        #expect(mean <= 1.10, "mean ratio \(mean)")
    }

    /// With the buffer's tiles free to take every extent along every dimension (`extents:
    /// every` in a constraints file) the traffic is lower still: 1.087x.
    @Test func everyTileExtentGoesLower() throws {
        var level = MapspaceConstraints.Level()
        level.everyExtent = true
        let every = try Self.meanRatio(constraints: MapspaceConstraints(levels: [1: level]))
        #expect(every <= 1.09, "mean ratio \(every)")
    }

    /// The mean ratio over the corpus, checking each case against the bound.
    static func meanRatio(constraints: MapspaceConstraints) throws -> Double {
        var ratios: [Double] = []
        for (m, n, k) in [(256, 256, 256), (512, 256, 1024), (384, 640, 512), (1000, 1000, 1000), (128, 4096, 512)] {
            for words in [1024, 4096, 16384, 65536] {
                let hw = try Self.buffer(words: words)
                let result = try Mapper(hardware: hw, constraints: constraints).best(
                    problem: Problem.gemm(m: m, n: n, k: k), macPrecision: .int8)
                let counts = try #require(result.cost.counts)
                let ratio = Self.dramWords(counts) / Self.bound(m: m, n: n, k: k, words: words)
                #expect(ratio >= 1 - 1e-9, "\(m)x\(n)x\(k) in \(words) words: \(ratio)")
                ratios.append(ratio)
            }
        }
        return ratios.reduce(0, +) / Double(ratios.count)
    }
}
