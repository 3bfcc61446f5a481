import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Fused chains against FlashAttention's I/O analysis and traffic derived by hand.
struct FusedChainTests {
    /// A DRAM, one on-chip buffer of `buffer` bytes and a 4 x 4 array of register PEs, with
    /// round energies (1 pJ/bit DRAM, 0.1 pJ/bit buffer).
    static func hardware(buffer: Int) throws -> Accelerator {
        let text = """
            name: fusion-test
            technology: 45 nm
            clock: 1 GHz
            static_power: 0 W
            compute: { kind: parallel, array: { rows: 4, cols: 4 }, precisions: { bf16: 1 pJ }, vector: { lanes: 16, energy_per_op: 0.5 pJ } }
            memory:
              - { name: DRAM, kind: dram, size: 1 TiB, bandwidth: 100 GB/s, read_energy: 1 pJ/bit, write_energy: 1 pJ/bit }
              - { name: Buffer, size: \(buffer) B, read_energy: 0.1 pJ/bit, write_energy: 0.1 pJ/bit }
              - { name: PE, kind: register, instances: 16, size: 64 KiB, read_energy: 0.01 pJ/bit, write_energy: 0.01 pJ/bit }
            """
        return try YAMLDecoder().decode(Accelerator.self, from: text, path: "fusion-test.yaml")
    }

    /// One head of attention over n queries and keys of width d, bf16, dense or causal.
    static func attention(n: Int, d: Int, causal: Bool = false) throws -> FusedChain {
        let density = causal ? Double(n + 1) / (2 * Double(n)) : 1
        let score = GEMM(
            b: 1, m: n, n: n, k: d, density: density, second: .activation, inputPrecision: .bf16,
            secondPrecision: .bf16, outputPrecision: .bf16)
        let context = GEMM(
            b: 1, m: n, n: d, k: n, density: density, second: .activation, inputPrecision: .bf16,
            secondPrecision: .bf16, outputPrecision: .bf16)
        let scores = Double(n) * Double(n) * density
        let softmax = VectorOp(elements: scores, opsPerElement: 5, bytesRead: 2 * scores, bytesWritten: 2 * scores)
        return try #require(
            FusedChain(
                kind: .attention, producers: [score], between: [softmax], consumer: context,
                mask: causal ? FusedChain.Mask(causal: true) : .dense))
    }

    /// The least-squares slope of log y against log x.
    static func logSlope(_ x: [Double], _ y: [Double]) -> Double {
        let lx = x.map { Foundation.log($0) }
        let ly = y.map { Foundation.log($0) }
        let mx = lx.reduce(0, +) / Double(lx.count)
        let my = ly.reduce(0, +) / Double(ly.count)
        let covariance = zip(lx, ly).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let variance = lx.reduce(0) { $0 + ($1 - mx) * ($1 - mx) }
        return covariance / variance
    }

    /// FlashAttention (Dao et al. 2022, Theorem 2): with on-chip size M (d <= M <= Nd elements)
    /// fused attention moves Θ(N²d²/M) elements: K and V are read once per row tile of about
    /// M / d queries, Θ(Nd x N / (M/d)), against Θ(Nd) for Q and O. For N of 1k, 4k and 16k,
    /// d = 128 and M from 16 KiB to 1 MiB (within the theorem's range) the least DRAM traffic
    /// Joule finds never falls below the compulsory 4Nd elements (Q, K, V read, O written
    /// once), and its N²d²/M term (all but Q's read and O's write) falls as 1/M: log-log slope
    /// -1 within 5%.
    @Test(arguments: [1024, 4096, 16384])
    func fusedAttentionTrafficFollowsFlashAttentionsBound(_ n: Int) throws {
        let d = 128
        let chain = try Self.attention(n: n, d: d)
        var sizes: [Double] = []
        var excess: [Double] = []  // bytes beyond Q's read and O's write
        var size = 16 * 1024
        while size <= 1024 * 1024 && size / 2 <= n * d {
            let evaluator = try Evaluator(hardware: Self.hardware(buffer: size))
            let best = try #require(evaluator.leastFusedTraffic(chain, level: 1))
            let compulsory = 4 * Double(n) * Double(d) * 2
            #expect(best.bytes >= compulsory)
            sizes.append(Double(size))
            excess.append(best.bytes - compulsory / 2)
            size *= 2
        }
        #expect(sizes.count >= 5)
        let slope = Self.logSlope(sizes, excess)
        #expect(abs(slope + 1) <= 0.05, "slope \(slope) for N = \(n)")
    }

    /// Unfused attention writes the N x N scores, the softmax reads them and writes the
    /// probabilities, the context reads those: 4N² elements, counted by hand, on top of Q, K,
    /// V and O (4Nd). With a 1 MiB buffer the mapped one-by-one traffic matches that count
    /// within 5% (the rest is the GEMMs re-reading Q or K tiles), and never falls below it.
    /// (Standard attention as the theorem states it, without a mask: the mapper writes and
    /// reads whole score tiles, masked or not.)
    @Test func unfusedAttentionMovesTheScoresFourTimes() throws {
        let (n, d) = (4096, 128)
        let chain = try Self.attention(n: n, d: d)
        let evaluator = try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), tilingBudget: 60)
        var bytes = 0.0
        for gemm in [chain.producers[0], chain.consumer] {
            let counts = try #require(try evaluator.evaluate(gemm).cost.counts)
            bytes += (0..<3).reduce(0.0) {
                let access = counts.access(level: 0, operand: $1)
                return $0 + access.total * access.wordBits / 8
            }
        }
        bytes += chain.between[0].bytesRead + chain.between[0].bytesWritten
        let scores = Double(n) * Double(n)
        let hand = (4 * scores + 4 * Double(n) * Double(d)) * 2
        #expect(bytes >= hand)
        #expect(bytes <= 1.05 * hand, "unfused \(bytes) B against \(hand) B by hand")
        // Fused on the same buffer: far less (the scores never leave the chip).
        let fused = try #require(evaluator.leastFusedTraffic(chain, level: 1))
        #expect(fused.bytes < 0.5 * hand)
    }

    /// Causal attention with row tiles of 512 over 2,048 queries: tile i sees keys up to
    /// (i + 1) x 512, so K and V are read 512 + 1,024 + 1,536 + 2,048 = 5,120 rows each; a
    /// sliding window of 256 keeps only the last 256 + 511 keys per tile: 512 + 767 x 3 = 2,813.
    @Test func causalMasksReadOnlyTheKeysEachRowTileSees() throws {
        let chain = try Self.attention(n: 2048, d: 64, causal: true)
        let tiling = FusedTiling(level: 1, rows: 512, shared: 256, order: .rowsOuter)
        let traffic = chain.traffic(tiling)
        #expect(traffic.producerSecond == 5120 * 64)
        #expect(traffic.consumerSecond == 5120 * 64)
        #expect(traffic.input == 2048 * 64)
        #expect(traffic.outputWrites == 2048 * 64)
        // Pairs: 2 + 4 + 6 + 8 shared tiles of 256.
        #expect(traffic.pairs == 20)
        var windowed = chain
        windowed.mask.window = 256
        #expect(windowed.traffic(tiling).producerSecond == Double(512 + 767 * 3) * 64)
    }

    /// A gated FFN (64 tokens, hidden 256, intermediate 512, bf16) fused on toy-3level's 64 KiB
    /// buffer with row tiles of 16 and shared tiles of 16, rows outside. By hand:
    /// - the buffer holds X 16 x 256, two weight tiles 16 x 256 and two intermediates 16 x 16
    ///   (bf16), W_down 16 x 256 (bf16) and Y 16 x 256 as fp32 partial sums (the 512-wide
    ///   reduction runs over 32 shared tiles): 8,192 + 16,384 + 1,024 + 8,192 + 16,384 = 50,176 B;
    /// - DRAM reads X once (16,384 elements), each of W_gate, W_up and W_down once per row tile
    ///   (4 x 131,072), and writes Y once (16,384); 4 x 32 = 128 tile pairs;
    /// - at 20 pJ/bit those reads and writes cost (16,384 + 3 x 524,288) x 16 x 20 pJ and
    ///   16,384 x 16 x 20 pJ.
    @Test func fusedFFNTrafficOnToy3LevelMatchesTheHandCount() throws {
        let hw = try RooflineTests.hardware("toy-3level")
        func gemm(m: Int, n: Int, k: Int) -> GEMM {
            GEMM(b: 1, m: m, n: n, k: k, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16)
        }
        let act = VectorOp(
            elements: 64 * 512, opsPerElement: 5, bytesRead: 2 * 64 * 512 * 2, bytesWritten: 64 * 512 * 2)
        let chain = try #require(
            FusedChain(
                kind: .ffn, producers: [gemm(m: 64, n: 512, k: 256), gemm(m: 64, n: 512, k: 256)], between: [act],
                consumer: gemm(m: 64, n: 256, k: 512)))
        let tiling = FusedTiling(level: 1, rows: 16, shared: 16, order: .rowsOuter)
        #expect(chain.footprint(tiling) == 50_176)
        let traffic = chain.traffic(tiling)
        #expect(traffic.input == 16_384)
        #expect(traffic.producerSecond == 524_288)
        #expect(traffic.consumerSecond == 524_288)
        #expect(traffic.outputWrites == 16_384)
        #expect(traffic.outputReads == 0)
        #expect(traffic.pairs == 128)
        let evaluator = try Evaluator(hardware: hw, tilingBudget: 40)
        let cost = try evaluator.cost(chain, tiling: tiling, traffic: traffic)
        var dram = 0.0
        for member in cost.members { dram += member.energy.level(0) }
        let hand = (16_384 + 3 * 524_288) * 16 * 20e-12 + 16_384 * 16 * 20e-12
        #expect(abs(dram - hand) <= 1e-9 * hand)
        // The intermediate never reaches DRAM: the producers write nothing there.
        for member in cost.members.prefix(2) { #expect(member.counts?.access(level: 0, operand: 2).total == 0) }
    }

    /// Fusion is never free: where no level holds the smallest fused tile, the chain is
    /// unfit, and a graph evaluated with attention fusion asked for costs exactly what it
    /// costs unfused.
    @Test func aChainThatCannotFitGetsNoSaving() throws {
        let hw = try Self.hardware(buffer: 256)
        let evaluator = try Evaluator(hardware: hw, tilingBudget: 30)
        let chain = try Self.attention(n: 256, d: 128)
        guard case .unfit(let why) = evaluator.fuse(chain) else {
            Issue.record("a 256 B buffer cannot hold a 128-wide attention tile")
            return
        }
        #expect(why.contains("Buffer"))
        let model = try RooflineTests.model("gpt2")
        let phase = Phase.prefill(batch: 1, sequence: 128)
        let plain = try GraphBuilder(model: model).build(phase)
        let asked = try GraphBuilder(model: model, options: GraphOptions(fusedAttention: true)).build(phase)
        let a = try evaluator.evaluate(plain)
        let b = try evaluator.evaluate(asked)
        #expect(b.fusion.count == model.layers)
        #expect(b.fusion.allSatisfy { !$0.fused && $0.reason.hasPrefix("does not fit") })
        #expect(abs(a.energy.total - b.energy.total) <= 1e-12 * a.energy.total)
        #expect(abs(a.seconds - b.seconds) <= 1e-12 * a.seconds)
    }

    /// Where the buffer holds fused tiles, asking for attention fusion removes the scores'
    /// DRAM traffic (less DRAM energy than unfused), and the answer moves with the buffer's
    /// size (larger row tiles read K and V fewer times): nothing cached hides the change.
    /// Bidirectional attention, so that larger tiles waste no masked scores.
    @Test func fusedAttentionSavesDRAMAndFollowsTheBufferSize() throws {
        let model = try RooflineTests.model("gpt2")
        let phase = Phase.prefill(batch: 1, sequence: 512)
        let plain = try GraphBuilder(model: model, options: GraphOptions(attention: .full)).build(phase)
        let fused = try GraphBuilder(model: model, options: GraphOptions(attention: .full, fusedAttention: true))
            .build(phase)
        let cache = MapperCache()
        let small = try Evaluator(hardware: Self.hardware(buffer: 256 * 1024), cache: cache, tilingBudget: 30)
        let large = try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), cache: cache, tilingBudget: 30)
        let unfused = try small.evaluate(plain)
        let atSmall = try small.evaluate(fused)
        let atLarge = try large.evaluate(fused)
        #expect(atSmall.fusion.allSatisfy { $0.fused })
        #expect(atSmall.energy.dram < unfused.energy.dram)
        let tiles = Set(atSmall.fusion.compactMap { $0.best?.tiling })
        let largerTiles = Set(atLarge.fusion.compactMap { $0.best?.tiling })
        #expect(tiles != largerTiles)
        #expect(atLarge.energy.dram < atSmall.energy.dram)
    }

    /// A fused chain's outcome is cached with the mappings (`MapperCache`), keyed by all that
    /// decides it: an evaluator sharing the cache answers every setting as a fresh cache does,
    /// and each edited input (the hardware, the objective, the clock and voltage, the budget,
    /// the levels searched) moves the answer or, where it cannot, still reaches the fresh one.
    @Test func theFusionCacheKeysOnEverySetting() throws {
        let chain = try Self.attention(n: 256, d: 64)
        let shared = MapperCache()
        func outcome(_ evaluator: Evaluator, levels: [Int]? = nil) -> (energy: Double, seconds: Double)? {
            guard case .fused(let cost) = evaluator.fuse(chain, levels: levels) else { return nil }
            return (cost.energy, cost.seconds)
        }
        func both(_ make: (MapperCache) throws -> Evaluator, levels: [Int]? = nil) throws -> (
            energy: Double, seconds: Double
        ) {
            let cached = try #require(outcome(try make(shared), levels: levels))
            let fresh = try #require(outcome(try make(MapperCache()), levels: levels))
            #expect(cached.energy == fresh.energy && cached.seconds == fresh.seconds)
            return cached
        }
        let base = try both { try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), cache: $0, tilingBudget: 30) }
        let smaller = try both {
            try Evaluator(hardware: Self.hardware(buffer: 128 * 1024), cache: $0, tilingBudget: 30)
        }
        #expect(smaller.energy != base.energy)
        let slower = try both {
            var evaluator = try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), cache: $0, tilingBudget: 30)
            evaluator.operatingPoint = OperatingPoint(frequency: Frequency(si: 0.5e9), voltage: Voltage(si: 0.7))
            return evaluator
        }
        #expect(slower.seconds != base.seconds)
        _ = try both {
            try Evaluator(
                hardware: Self.hardware(buffer: 1024 * 1024), objective: .latency, cache: $0, tilingBudget: 30)
        }
        _ = try both { try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), cache: $0, tilingBudget: 5) }
        _ = try both(
            { try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), cache: $0, tilingBudget: 30) }, levels: [1])
    }

    /// `--fusion auto` keeps a chain unfused where fusing costs more on the objective, and
    /// fuses it where it pays: on the test design attention pays at a 1 MiB buffer.
    @Test func autoFusionChoosesByTheObjective() throws {
        let model = try RooflineTests.model("gpt2")
        var options = GraphOptions()
        let known = options.setFusion("auto")
        #expect(known)
        let graph = try GraphBuilder(model: model, options: options).build(.prefill(batch: 1, sequence: 512))
        let evaluator = try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), tilingBudget: 30)
        let result = try evaluator.evaluate(graph)
        let attention = result.fusion.filter { $0.kind == .attention }
        #expect(!attention.isEmpty)
        for decision in result.fusion {
            let best = try #require(decision.best)
            #expect(decision.fused == (best.energy < decision.unfusedEnergy))
        }
        #expect(attention.allSatisfy { $0.fused })
    }

    /// A design with one memory level has nowhere on chip to hold an intermediate: the chain is
    /// unfit with that reason, not an error.
    @Test func oneMemoryLevelCannotHoldAChain() throws {
        let text = """
            name: flat
            technology: 45 nm
            clock: 1 GHz
            compute: { kind: parallel, array: { rows: 4, cols: 4 }, precisions: { bf16: 1 pJ } }
            memory:
              - { name: DRAM, kind: dram, size: 1 GiB, bandwidth: 10 GB/s, read_energy: 1 pJ/bit }
            """
        let hw = try YAMLDecoder().decode(Accelerator.self, from: text, path: "flat.yaml")
        let evaluator = try Evaluator(hardware: hw, tilingBudget: 20)
        guard case .unfit(let why) = evaluator.fuse(try Self.attention(n: 64, d: 64)) else {
            Issue.record("a single DRAM level cannot hold a fused chain")
            return
        }
        #expect(why.contains("no on-chip level"))
    }

    /// FlashAttention-2's backward (Dao 2023, Algorithm 2) for one head of 1,024 queries and
    /// keys, d = 64, bf16, with query tiles of 128 and key tiles of 256 (8 x 4 = 32 pairs), by
    /// hand: K and V are read and dK and dV written once (1,024 rows each); Q, dO and the two
    /// fp32 statistics (4 bf16 words) are read per pair: 32 x 128 = 4,096 rows; dQ is written per
    /// pair and read back for all but the first key tile: 4,096 and 3,072 rows. The level holds
    /// K, V, dK, dV (256 x 64 each), Q, dO, dQ (128 x 64 each), S and dS (128 x 256 each) and two
    /// fp32 statistics per row: 312,320 B.
    @Test func fusedAttentionBackwardTrafficMatchesFlashAttention2() throws {
        let (n, d) = (1024, 64)
        let forward = try Self.attention(n: n, d: d)
        func gemm(m: Int, n: Int, k: Int) -> GEMM {
            GEMM(
                b: 1, m: m, n: n, k: k, second: .activation, inputPrecision: .bf16, secondPrecision: .bf16,
                outputPrecision: .bf16)
        }
        let softmax = VectorOp(elements: 1024 * 1024, opsPerElement: 10, bytesRead: 4_194_304, bytesWritten: 2_097_152)
        let backward = FusedAttentionBackward(
            forward: forward, contextData: gemm(m: n, n: n, k: d), contextWeight: gemm(m: n, n: d, k: n),
            between: [softmax], scoreData: gemm(m: n, n: d, k: n), scoreWeight: gemm(m: d, n: n, k: n))
        let tiling = FusedTiling(level: 1, rows: 128, shared: 256, order: .sharedOuter)
        #expect(backward.footprint(tiling) == 312_320)
        let traffic = backward.traffic(tiling)
        #expect(traffic.keys == 1024 && traffic.pairRows == 4096 && traffic.rows == 1024 && traffic.pairs == 32)
        let evaluator = try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), tilingBudget: 30)
        let outer = evaluator.outerAccesses(backward, traffic, level: 1)
        // dP's member reads dO and Q per pair with the statistics, V and K once.
        #expect(outer[0][1].reads == 4096 * (64 + 64 + 4))
        #expect(outer[0][0].reads == 1024 * 128)
        // dV and dK are written once, dQ per pair and read back for all but the first key tile.
        #expect(outer[1][2].updates == 1024 * 64 && outer[3][2].updates == 1024 * 64)
        #expect(outer[2][2].updates == 4096 * 64 && outer[2][2].reads == 3072 * 64)
        // Nothing N x N reaches DRAM.
        let dramElements = outer.reduce(0.0) { total, member in total + (0..<3).reduce(0.0) { $0 + member[$1].total } }
        let perPair: Double = 4096 * 132 + 4096 * 64 + 3072 * 64
        let perKeyTile: Double = 1024 * 128 + 2 * 1024 * 64
        #expect(dramElements == perPair + perKeyTile)
    }

    /// In training an attention chain is fused together with its FlashAttention-2 backward
    /// (its decision names the backward operators, and fusing removes every N x N round trip
    /// of the forward and the backward); the FFN runs unfused and says why.
    @Test func trainingFusesAttentionWithItsBackward() throws {
        let model = try RooflineTests.model("gpt2")
        var options = GraphOptions(attention: .full)
        _ = options.setFusion("auto")
        let phase = Phase.training(batch: 1, sequence: 256)
        let auto = try GraphBuilder(model: model, options: options).build(phase)
        let off = try GraphBuilder(model: model, options: GraphOptions(attention: .full)).build(phase)
        let evaluator = try Evaluator(hardware: Self.hardware(buffer: 1024 * 1024), tilingBudget: 30)
        let a = try evaluator.evaluate(auto)
        let b = try evaluator.evaluate(off)
        let attention = a.fusion.filter { $0.kind == .attention }
        let ffn = a.fusion.filter { $0.kind == .ffn }
        #expect(attention.count == model.layers && ffn.count == model.layers)
        #expect(attention.allSatisfy { $0.members.contains("L0.attn_context.dgrad") || !$0.name.hasPrefix("L0.") })
        #expect(attention.allSatisfy { $0.fused })
        #expect(ffn.allSatisfy { !$0.fused && $0.reason.contains("FFN's fused backward") })
        #expect(a.energy.dram < b.energy.dram)
        #expect(a.energy.total < b.energy.total)
    }

    /// A level passed through (an L2 that must hold everything) under which 4 buffers hold the
    /// chain: the 4 buffers run 4 row tiles of 64 at once, so the L2 keeps their 256-row tile and
    /// fetches K once per 256 rows (1,024 / 256 = 4 times 1,024 x 64 elements), while each buffer
    /// fetches it from the L2 once per 64 rows (16 times).
    @Test func aPassedThroughLevelCatchesTheRereadsOfTheTilesUnderIt() throws {
        let text = """
            name: shared-l2
            technology: 45 nm
            clock: 1 GHz
            compute: { kind: parallel, array: { rows: 4, cols: 4 }, precisions: { bf16: 1 pJ } }
            memory:
              - { name: DRAM, kind: dram, size: 1 GiB, bandwidth: 10 GB/s, read_energy: 1 pJ/bit }
              - { name: L2, size: 4 MiB, must_hold: [weights, inputs, outputs] }
              - { name: Buffer, instances: 4, size: 256 KiB }
              - { name: PE, kind: register, instances: 16, size: 4 KiB }
            """
        let hw = try YAMLDecoder().decode(Accelerator.self, from: text, path: "shared-l2.yaml")
        let evaluator = try Evaluator(hardware: hw, tilingBudget: 20)
        let chain = try Self.attention(n: 1024, d: 64)
        let tiling = FusedTiling(level: 2, rows: 64, shared: 128, order: .rowsOuter)
        let outer = evaluator.outerAccesses(chain, tiling, chain.traffic(tiling))
        // The score's second operand (K): DRAM reads, L2 fills and reads, Buffer fills.
        #expect(outer[0][0 * 3 + 0].reads == 4 * 1024 * 64)
        #expect(outer[0][1 * 3 + 0].fills == 4 * 1024 * 64)
        #expect(outer[0][1 * 3 + 0].reads == 16 * 1024 * 64)
        #expect(outer[0][2 * 3 + 0].fills == 16 * 1024 * 64)
        // Q is read once either way.
        #expect(outer[0][0 * 3 + 1].reads == 1024 * 64)
    }
}
