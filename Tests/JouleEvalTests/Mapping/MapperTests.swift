import Foundation
import JouleSpec
import Testing

@testable import JouleEval

struct MapperTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func hardware(_ name: String) throws -> Accelerator {
        try Accelerator.load(root.appendingPathComponent("Hardware/\(name).yaml").path)
    }

    /// A flat tiling's loop bounds, as the search derives them.
    static func loopBounds(_ tiling: some Collection<Int>) -> [Int] {
        let tiling = Array(tiling)
        var bounds = [Int](repeating: 0, count: tiling.count)
        tiling.withUnsafeBufferPointer { tiling in
            bounds.withUnsafeMutableBufferPointer { Mapper.loopBounds(tiling, dims: 5, into: $0) }
        }
        return bounds
    }

    /// A tiling's loop bounds are each level's tile over the next level's, rounded up (700
    /// over 300 pads to 3 steps), and the innermost level's tile itself.
    @Test func loopBoundsDivideEachTileByTheNext() {
        #expect(
            Self.loopBounds([1, 1, 200, 300, 700, 1, 1, 100, 150, 300, 1, 1, 2, 2, 2])
                == [1, 1, 2, 2, 3, 1, 1, 50, 75, 150, 1, 1, 2, 2, 2])
    }

    /// Tile extents are the parent's divisors and its splits into 1, 2, 3, 4, 6, 8, 12, ...
    /// steps, rounded up.
    @Test func tileExtentsAreDivisorsAndEvenSplitsOfTheParent() {
        #expect(
            Mapper.tileExtents(inside: 768) == [768, 384, 256, 192, 128, 96, 64, 48, 32, 24, 16, 12, 8, 6, 4, 3, 2, 1])
        // 28 = 4 x 7: ceil(28 / 3) = 10 and ceil(28 / 6) = 5 pad by 2 (30); 28 / 12 rounds up to 3.
        #expect(Mapper.tileExtents(inside: 28) == [28, 14, 10, 7, 5, 4, 3, 2, 1])
        #expect(Mapper.tileExtents(inside: 1) == [1])
        // 35 = 5 x 7: the divisor 7 is no even split; 18, 12, 9, 6 and 3 pad.
        #expect(Mapper.tileExtents(inside: 35) == [35, 18, 12, 9, 7, 6, 5, 3, 2, 1])
        // A prime has only the padded splits besides 1 and itself.
        #expect(Mapper.tileExtents(inside: 13) == [13, 7, 5, 4, 3, 2, 1])
    }

    /// Only orders that can differ are tried: a level needs two of M, N, K looping there, and
    /// the innermost level's order changes no count. A GEMM level has three (each operand
    /// ignores one of M, N, K, so only the innermost loop decides what it keeps).
    @Test func loopOrdersAreTriedOnlyWhereTheyCanDiffer() throws {
        // G, H, M, N, K tiles for DRAM, GlobalBuffer and PE.
        let tiling = [1, 1, 64, 64, 64, 1, 1, 64, 8, 64, 1, 1, 2, 2, 2]
        // DRAM loops only over N (64 / 8); GlobalBuffer over M, N and K; PE is innermost.
        let gemm = GEMM(
            b: 1, m: 64, n: 64, k: 64, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let problem = Problem.gemm(gemm)
        #expect(problem.orderDimensions == [2, 3, 4])
        let orders = LoopOrders(problem: problem, constraints: .none, levels: 3)
        let choices = Self.loopBounds(tiling).withUnsafeBufferPointer { bounds in
            (0..<3).map { orders.choices(level: $0, bounds: bounds, dims: 5) }
        }
        // One order where one dimension loops and at the innermost level; M, N or K innermost.
        #expect(choices == [[LoopOrders.code([2])], [2, 3, 4].map { LoopOrders.code([$0]) }, [LoopOrders.code([2])]])
    }

    /// Every tiling the search returns fits every level with the padding it really spans
    /// (700 = 7 x 100 and 300 = 3 x 100 split unevenly inside the 8 x 8 array's folds).
    @Test func tilingsFitWithTheirPadding() throws {
        let hw = try Self.hardware("toy-3level")
        let mapper = Mapper(hardware: hw, tilingBudget: 50)
        let gemm = GEMM(
            b: 1, m: 200, n: 300, k: 700, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let problem = Problem.gemm(gemm)
        let spatial = mapper.spatialLoops(problem: problem, dataflow: .weightStationary, macsPerPE: 1)
        let holds = mapper.holdMatrix(problem)
        let tilings = TilingSpace(problem: problem, hardware: hw, spatial: spatial, holds: holds)
            .enumerate(budget: 50)
        let size = 3 * 5
        #expect(!tilings.isEmpty && tilings.count % size == 0 && tilings.count / size <= 50)
        for start in stride(from: 0, to: tilings.count, by: size) {
            let mapping = mapper.mapping(
                Self.loopBounds(tilings[start..<start + size]), dims: 5, spatial: spatial, orders: [2, 2, 2],
                dataflow: .weightStationary, bypass: [[], [], []])
            #expect(throws: Never.self) {
                try ReuseAnalysis.checkCapacity(problem: problem, mapping: mapping, hardware: hw, holds: holds)
            }
        }
    }

    /// The search scores a tiling without building its `Mapping`; the score must equal costing
    /// the mapping it stands for, for every tiling, loop order and keep/bypass choice (a 3-level
    /// hierarchy, so the outer two levels' orders both matter).
    @Test(arguments: [Dataflow.weightStationary, .outputStationary, .inputStationary])
    func scoringATilingEqualsCostingItsMapping(_ dataflow: Dataflow) throws {
        let hw = try Self.hardware("toy-3level")
        let mapper = Mapper(hardware: hw)
        let gemm = GEMM(
            b: 12, m: 200, n: 300, k: 700, secondInstances: 4, inputPrecision: .int8, secondPrecision: .int8,
            outputPrecision: .int8)
        let problem = Problem.gemm(gemm)
        let spatial = mapper.spatialLoops(problem: problem, dataflow: dataflow, macsPerPE: 1)
        let table = try CostTable(hardware: hw, precision: .int8, at: mapper.operatingPoint)
        let choices = mapper.bypassChoices(problem, holds: mapper.holdMatrix(problem))
        // Two levels below DRAM, each free to keep or bypass all three operands.
        #expect(choices.count == 6)
        for variant in [0, 0b000_111, 0b101_010, 0b111_000] {
            let bypassed = choices.indices.map { variant & (1 << $0) != 0 }
            let holds = mapper.holdMatrix(problem, bypassing: bypassed, of: choices)
            let scorer = NestScorer(
                problem: problem, spatial: spatial, holds: holds, dataflow: dataflow, table: table, objective: .edp)
            let tilings = TilingSpace(problem: problem, hardware: hw, spatial: spatial, holds: holds)
                .enumerate(budget: 30)
            #expect(tilings.count >= 10 * 15)
            for start in stride(from: 0, to: tilings.count, by: 15) {
                let bounds = Self.loopBounds(tilings[start..<start + 15])
                for outer in [2, 3, 4] {
                    for middle in [2, 3, 4] {
                        let orders = [outer, middle, 2].map { LoopOrders.code([$0]) }
                        let mapping = mapper.mapping(
                            bounds, dims: 5, spatial: spatial, orders: orders, dataflow: dataflow,
                            bypass: mapper.bypassSets(bypassed, of: choices))
                        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hw)
                        let (energy, seconds) = table.energyAndSeconds(counts, problem: problem, dataflow: dataflow)
                        #expect(
                            scorer.score(bounds, orders: orders, tileCounts: scorer.tileCounts(bounds)) == energy
                                * seconds)
                    }
                }
            }
        }
    }

    /// GEMM operands are projections (the counting's fast path); a convolution's input, indexed
    /// by `p + r`, is not.
    @Test func projectionsAreRecognised() {
        let gemm = Problem.gemm(m: 4, n: 4, k: 4).operands.map(\.isProjection)
        #expect(gemm == [true, true, true])
        let conv = Problem.conv1D(k: 2, r: 3, p: 8)
        #expect(conv.operands.map(\.isProjection) == [true, false, true])
        let diagonal = ProblemOperand(.inputs, indices: [[IndexTerm(0)], [IndexTerm(0)]], wordBits: 8)
        #expect(!diagonal.isProjection)
    }

    /// An operator no mapping can fit is reported with the level and the bytes it would need:
    /// toy-1level's one 64-word buffer holds every operand of the whole problem, and a
    /// 16 x 16 x 16 int8 GEMM needs 256 B of weights, 256 B of inputs and 256 int32 partial
    /// sums (1 KiB, its one level accumulates them) there: 1.5 KiB.
    @Test func anOperatorTooLargeForEveryMappingNamesTheLevelAndTheBytes() throws {
        let hw = try Self.hardware("toy-1level")
        let gemm = GEMM(
            b: 1, m: 16, n: 16, k: 16, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        do {
            _ = try Mapper(hardware: hw).best(problem: .gemm(gemm), macPrecision: .int8)
            Issue.record("a 1.5 KiB problem cannot fit a 64-byte buffer")
        } catch {
            #expect(
                error.message.contains("Buffer holds weights 256 B, inputs 256 B, outputs 1 KiB"), "\(error.message)")
            #expect(error.message.contains("1.5 KiB in all, but its size is 64 B"), "\(error.message)")
        }
    }

    @Test func findsAValidMappingForTheLlamaFFN() throws {
        let tpu = try Self.hardware("tpu-v1")
        let gemm = GEMM(
            b: 1, m: 2048, n: 11008, k: 4096, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let problem = Problem.gemm(gemm)
        let result = try Mapper(hardware: tpu).best(problem: problem, macPrecision: .int8)
        #expect(result.cost.counts?.macs == 2048.0 * 11008 * 4096)
        // The weights must come from DRAM at least once: 4096 x 11008 bytes.
        #expect((result.cost.counts?.levels[0][0].reads ?? 0) >= 4096.0 * 11008)
    }

    /// With the branch and bound off the search evaluates every mapping of every pair and
    /// finds the same optimum: the bound only skips what cannot win.
    @Test(arguments: ["toy-3level", "eyeriss-v1"])
    func theBoundOffFindsTheSameOptimumByEvaluatingEverything(_ name: String) throws {
        let hardware = try Self.hardware(name)
        let problem = Problem.gemm(m: 96, n: 200, k: 72, wordBits: 16)
        let precision = try #require([Precision.int16, .fp16].first { hardware.compute.precisions[$0] != nil })
        let pruned = try Mapper(hardware: hardware).best(problem: problem, macPrecision: precision)
        var mapper = Mapper(hardware: hardware)
        mapper.pruning = false
        let every = try mapper.best(problem: problem, macPrecision: precision)
        #expect(every.exhaustive && pruned.exhaustive)
        #expect(every.searchedPairs == every.pairs)
        #expect(every.evaluated > pruned.evaluated, "\(every.evaluated) against \(pruned.evaluated)")
        let (a, b) = (every.cost.energy.total, pruned.cost.energy.total)
        #expect(abs(a - b) <= 1e-12 * b, "\(a) J against \(b) J")
    }
}

/// The mapper scores with `CostTable`; the reported cost comes from `EnergyModel`. They must agree.
struct CostTableTests {
    @Test(arguments: ["tpu-v1", "eyeriss-v1", "toy-3level", "h100-sxm"])
    func tableAgreesWithTheEnergyModel(_ name: String) throws {
        let hw = try MapperTests.hardware(name)
        let precision = hw.compute.supportedPrecisions.first { [.int8, .int16, .bf16].contains($0) } ?? .fp32
        let gemm = GEMM(
            b: 1, m: 256, n: 512, k: 384, inputPrecision: precision, secondPrecision: precision,
            outputPrecision: precision)
        let problem = Problem.gemm(gemm)
        let result = try Mapper(hardware: hw, tilingBudget: 20).best(problem: problem, macPrecision: precision)
        let counts = try #require(result.cost.counts)
        let table = try CostTable(hardware: hw, precision: precision, at: hw.operatingPoints[0])
        let (energy, seconds) = table.energyAndSeconds(counts, problem: problem, dataflow: result.mapping.dataflow)
        #expect(abs(energy - result.cost.energy.total) <= 1e-9 * energy)
        #expect(abs(seconds - result.cost.seconds) <= 1e-12 * seconds)
    }
}
