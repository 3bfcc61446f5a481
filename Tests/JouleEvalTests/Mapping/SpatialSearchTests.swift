import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// The spatial loops of a parallel array (GPU SMs and tensor cores) are searched; a systolic
/// array's follow its dataflow.
struct SpatialSearchTests {
    /// A decode-sized GEMM on h100-sxm: M = 64 rows, N = 4,096, K = 14,336, bf16. Its weights are
    /// 4,096 x 14,336 x 2 B = 117.4 MB; at 3.35 TB/s (the datasheet's HBM3 bandwidth) x 0.9 (the
    /// file's bandwidth_efficiency) reading them takes 38.95 µs, a bound no mapping can beat. Spreading M over the 132 SMs (the old
    /// fixed choice) sent every weight to 64 SMs: 3.77e9 shared-memory weight fills, 487 µs.
    /// Spreading N or K sends each weight to one SM: L2 weight reads (what the SMs receive,
    /// whether shared memory keeps them or not) within 1 % of K x N (padding), and the time
    /// within 10 % of the HBM bound.
    @Test func aDecodeGEMMOnAGPUSpreadsItsWeightsOverTheSMs() throws {
        let h100 = try MapperTests.hardware("h100-sxm")
        let gemm = GEMM(
            b: 1, m: 64, n: 4096, k: 14336, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16)
        let result = try Mapper(hardware: h100, tilingBudget: 200).best(
            problem: Problem.gemm(gemm), macPrecision: .bf16)
        let counts = try #require(result.cost.counts)
        let l2 = try #require(h100.memory.firstIndex { $0.name == "L2" })
        let weights = 4096.0 * 14336
        let sent = counts.access(level: l2, operand: 0).reads
        #expect(sent >= weights && sent <= 1.01 * weights, "L2 weight reads \(sent)")
        let hbmBound = weights * 2 / (3.35e12 * 0.9)
        #expect(result.cost.seconds >= hbmBound * (1 - 1e-9) && result.cost.seconds <= 1.1 * hbmBound)
    }

    /// A systolic array keeps one assignment per dataflow (SCALE-Sim's cycles depend on it); a
    /// parallel array tries one per choice of dimensions, each distinct, for any einsum.
    @Test func onlyParallelArraysSearchTheirSpatialLoops() throws {
        let problem = Problem.gemm(
            GEMM(b: 1, m: 64, n: 256, k: 256, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8))
        let tpu = Mapper(hardware: try MapperTests.hardware("tpu-v1"))
        #expect(tpu.spatialChoices(problem: problem, dataflow: .weightStationary, macsPerPE: 1).count == 1)
        let h100 = Mapper(hardware: try MapperTests.hardware("h100-sxm"))
        let choices = h100.spatialChoices(problem: problem, dataflow: .outputStationary, macsPerPE: 1024)
        // Two fanout levels (132 SMs, 4 tensor cores per SM), each spreading M, N or K: 9.
        #expect(choices.count == 9)
        let signatures = Set(choices.map { "\($0.map { ($0.x + $0.y).map { "\($0.dimension):\($0.bound)" } })" })
        #expect(signatures.count == choices.count)
        // A convolution's dimensions are searched the same way: ViT's patch embedding has six
        // dimensions with more than one element (K, C, P, Q, R, S; N = 1), so up to 6 x 6 = 36
        // assignments over the two fanout levels, fewer once duplicates (a dimension used up
        // by the first level) are dropped, and always more than the one preset.
        let patches = Problem.conv2D(n: 1, k: 768, c: 3, p: 14, q: 14, r: 16, s: 16, stride: 16, wordBits: 16)
        let convChoices = h100.spatialChoices(problem: patches, dataflow: .outputStationary, macsPerPE: 512)
        #expect(convChoices.count > 6 && convChoices.count <= 37)
    }
}
