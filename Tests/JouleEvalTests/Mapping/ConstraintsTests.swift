import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// Mapspace constraints (`--constraints FILE`): each kind is honoured by the search, the
/// constrained optimum is never better than the free one, the cache tells them apart, and a bad
/// or impossible constraint set is a positioned error.
struct ConstraintsTests {
    static func file(_ text: String) throws -> ConstraintsFile {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("constraints-\(UUID()).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return try ConstraintsFile.load(url.path)
    }

    static let gemm = Problem.gemm(
        GEMM(b: 1, m: 64, n: 64, k: 64, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8))

    static func loops(_ mapping: Mapping, level: Int, dimension: Int) -> Int {
        mapping.levels[level].temporal.filter { $0.dimension == dimension }.reduce(1) { $0 * $1.bound }
    }

    /// A fixed factor, a forced keep and bypass, and the innermost loop are all in the mapping the
    /// search returns, and it costs no less than the free search's.
    @Test func theSearchHonoursEveryConstraint() throws {
        let hw = try MapperTests.hardware("toy-3level")
        let mapper = Mapper(hardware: hw, tilingBudget: 200)
        let free = try mapper.best(problem: Self.gemm, macPrecision: .int8)
        let file = try Self.file(
            """
            constraints:
              - level: DRAM
                factors: [K4]
                innermost: [N]
              - level: GlobalBuffer
                keep: [weights]
                bypass: [inputs]
            """)
        let result = try file.best(mapper: mapper, problem: Self.gemm, macPrecision: .int8, dataflow: nil)
        let (n, k) = (3, 4)
        #expect(Self.loops(result.mapping, level: 0, dimension: k) == 4)
        #expect(result.mapping.levels[1].bypass.contains(.inputs))
        #expect(!result.mapping.levels[1].bypass.contains(.weights))
        // DRAM loops over K and at least one of M, N: N runs innermost.
        let dram = result.mapping.levels[0].temporal
        if dram.count > 1 { #expect(dram.last?.dimension == n) }
        #expect(result.cost.energy.total >= free.cost.energy.total * (1 - 1e-12))
    }

    /// A permutation (innermost first) fixes the level's loop order: the listed dimensions run
    /// innermost in that order, the others outside them in the problem's order. A partial one
    /// leaves the rest in that order; the mapping costs what the reuse analysis gives it.
    @Test func aPermutationFixesTheLoopOrder() throws {
        let hw = try MapperTests.hardware("toy-3level")
        let mapper = Mapper(hardware: hw)
        /// Level i's loops as the permutation orders them: the unlisted ones that loop, in
        /// dimension order, then the listed ones that loop, the first listed last.
        func expected(_ mapping: Mapping, level i: Int, _ permutation: [Int], dims: Int) -> [Int] {
            let looping = Set(mapping.levels[i].temporal.map(\.dimension))
            return (0..<dims).filter { looping.contains($0) && !permutation.contains($0) }
                + permutation.reversed().filter(looping.contains)
        }
        let (m, k) = (2, 4)
        let gemm = try Self.file("constraints: [ { level: DRAM, permutation: [M, K] } ]")
            .best(mapper: mapper, problem: Self.gemm, macPrecision: .int8, dataflow: nil)
        #expect(gemm.mapping.levels[0].temporal.map(\.dimension) == expected(gemm.mapping, level: 0, [m, k], dims: 5))
        let conv = Problem.conv2D(n: 1, k: 32, c: 16, p: 28, q: 28, r: 3, s: 3)
        let (convK, convQ) = (1, 4)
        let ordered = try Self.file("constraints: [ { level: GlobalBuffer, permutation: [K, Q] } ]")
            .best(mapper: mapper, problem: conv, macPrecision: .int8, dataflow: nil)
        let loops = ordered.mapping.levels[1].temporal.map(\.dimension)
        #expect(loops.count >= 2 && loops == expected(ordered.mapping, level: 1, [convK, convQ], dims: 7), "\(loops)")
        let counts = try ReuseAnalysis.analyze(problem: conv, mapping: ordered.mapping, hardware: hw)
        let table = try CostTable(hardware: hw, precision: .int8, at: mapper.operatingPoint)
        let (energy, _) = table.energyAndSeconds(counts, problem: conv, dataflow: ordered.mapping.dataflow)
        #expect(abs(energy - ordered.cost.energy.total) <= 1e-9 * energy)
    }

    /// Spatial constraints pick the GPU's spatial choices: only M across the SMs.
    @Test func spatialConstraintsNarrowAParallelArray() throws {
        let h100 = try MapperTests.hardware("h100-sxm")
        let problem = Problem.gemm(
            GEMM(b: 1, m: 256, n: 1024, k: 1024, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16))
        let file = try Self.file(
            """
            constraints:
              - level: L2
                spatial_x: [M]
                spatial_y: [M]
            """)
        let mapper = Mapper(hardware: h100, tilingBudget: 50)
        let result = try file.best(mapper: mapper, problem: problem, macPrecision: .bf16, dataflow: nil)
        let l2 = try #require(h100.memory.firstIndex { $0.name == "L2" })
        let spread = result.mapping.levels[l2].spatialX + result.mapping.levels[l2].spatialY
        #expect(!spread.isEmpty && spread.allSatisfy { $0.dimension == 2 })
    }

    /// Two mappers that differ only in their constraints never share a cached answer.
    @Test func theCacheKeysOnTheConstraints() throws {
        let hw = try MapperTests.hardware("toy-3level")
        let cache = MapperCache()
        var mapper = Mapper(hardware: hw, tilingBudget: 100)
        let free = try cache.best(mapper, problem: Self.gemm, macPrecision: .int8, dataflow: nil)
        mapper.constraints = try Self.file("constraints: [ { level: DRAM, factors: [M64] } ]")
            .constraints(for: Self.gemm, hardware: hw)
        let fixed = try cache.best(mapper, problem: Self.gemm, macPrecision: .int8, dataflow: nil)
        #expect(Self.loops(fixed.mapping, level: 0, dimension: 2) == 64)
        #expect(Self.loops(free.mapping, level: 0, dimension: 2) != 64)
        #expect(cache.misses == 2)
        // A permutation alone keys it too: the same problem with only a loop order fixed is
        // searched anew, and its answer follows the order.
        let (m, k) = (2, 4)
        mapper.constraints = try Self.file("constraints: [ { level: GlobalBuffer, permutation: [M, K] } ]")
            .constraints(for: Self.gemm, hardware: hw)
        let ordered = try cache.best(mapper, problem: Self.gemm, macPrecision: .int8, dataflow: nil)
        #expect(cache.misses == 3)
        let looping = ordered.mapping.levels[1].temporal.map(\.dimension)
        let tail = [k, m].filter(looping.contains)
        #expect(Array(looping.suffix(tail.count)) == tail, "\(looping)")
        // So does asking a level for every tile extent.
        mapper.constraints = try Self.file("constraints: [ { level: GlobalBuffer, extents: every } ]")
            .constraints(for: Self.gemm, hardware: hw)
        #expect(mapper.constraints.levels[1]?.everyExtent == true)
        _ = try cache.best(mapper, problem: Self.gemm, macPrecision: .int8, dataflow: nil)
        #expect(cache.misses == 4)
    }

    /// Faults in a constraints file point at the offending value.
    @Test(arguments: [
        ("constraints: [ { level: GlobalBufer, factors: [K4] } ]", 1, 25, "no level 'GlobalBufer'"),
        ("constraints: [ { level: DRAM, factors: [Q4] } ]", 1, 41, "'Q' is not a dimension"),
        ("constraints: [ { level: DRAM, factors: [K0] } ]", 1, 41, "loop bound of at least 1"),
        ("constraints: [ { level: DRAM, factors: [K128] } ]", 1, 41, "more than K's bound"),
        ("constraints: [ { level: PE, keep: [inputs], bypass: [inputs] } ]", 1, 54, "both kept and bypassed"),
        ("constraints: [ { level: DRAM }, { level: DRAM } ]", 1, 42, "constrained twice"),
        ("constraints: [ { level: DRAM, permutation: [K, K] } ]", 1, 48, "K appears twice in the permutation"),
        ("constraints: [ { level: DRAM, innermost: [N], permutation: [K] } ]", 1, 61, "its innermost list leaves out"),
        ("constraints: [ { level: DRAM, permutation: [Q] } ]", 1, 45, "'Q' is not a dimension"),
        ("constraints: [ { level: GlobalBuffer, extents: all } ]", 1, 48, "extents takes every or ladder"),
    ])
    func faultsArePositioned(_ text: String, _ line: Int, _ column: Int, _ message: String) throws {
        let hw = try MapperTests.hardware("toy-3level")
        let file = try Self.file(text)
        do {
            _ = try file.constraints(for: Self.gemm, hardware: hw)
            Issue.record("accepted \(text)")
        } catch {
            let first = try #require(error.items.first)
            #expect(first.message.contains(message), "\(first.message)")
            #expect(first.mark?.line == line && first.mark?.column == column, "\(String(describing: first.mark))")
        }
    }

    /// A level the hardware says must hold an operand cannot be told to bypass it, nor keep what
    /// its holds leaves out.
    @Test func constraintsCannotContradictTheHardware() throws {
        let tpu = try MapperTests.hardware("tpu-v1")
        for (text, message) in [
            ("constraints: [ { level: WeightFIFO, bypass: [weights] } ]", "must hold weights"),
            ("constraints: [ { level: WeightFIFO, keep: [inputs] } ]", "cannot keep inputs"),
        ] {
            let file = try Self.file(text)
            do {
                _ = try file.constraints(for: Self.gemm, hardware: tpu)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.items.first?.message.contains(message) == true, "\(error.items)")
            }
        }
    }

    /// A constraint set with no legal mapping names the key that empties it: on toy-3level every
    /// dataflow spreads R or P over the array, so the PE cannot loop over all of R3 P16.
    @Test func anEmptyMapspaceNamesTheConstraintThatEmptiesIt() throws {
        let hw = try MapperTests.hardware("toy-3level")
        let problem = Problem.conv1D(k: 32, r: 3, p: 16)
        let file = try Self.file(
            """
            constraints:
              - level: GlobalBuffer
                keep: [inputs]
              - level: PE
                factors: [R3, P16]
            """)
        do {
            _ = try file.best(mapper: Mapper(hardware: hw), problem: problem, macPrecision: .int8, dataflow: nil)
            Issue.record("found a mapping")
        } catch {
            let first = try #require(error.items.first)
            #expect(first.message.contains("factors of PE"), "\(first.message)")
            #expect(first.mark?.line == 5 && first.mark?.column == 14)
        }
    }
}
