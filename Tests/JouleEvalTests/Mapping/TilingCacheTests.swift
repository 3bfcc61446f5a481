import Foundation
import JouleSpec
import Testing

@testable import JouleEval

/// Tilings shared between searches at different operating points: the answers are a fresh
/// search's, and whatever the enumeration reads keys it.
struct TilingCacheTests {
    static let gemm = Problem.gemm(
        GEMM(b: 1, m: 512, n: 1024, k: 768, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16))

    /// h100-sxm at `share` of its nominal clock along its alpha-power curve.
    static func mapper(_ hardware: Accelerator, share: Double) -> Mapper {
        let nominal = hardware.operatingPoints[0]
        let point = OperatingPoint.alphaPowerLaw(nominal: nominal, count: 2, lowest: share).last ?? nominal
        return Mapper(hardware: hardware, tilingBudget: 200, operatingPoint: point)
    }

    @Test func aSearchAtAnotherClockReusesTheTilingsAndEqualsAFreshSearch() throws {
        let h100 = try MapperTests.hardware("h100-sxm")
        let cache = MapperCache()
        _ = try cache.best(Self.mapper(h100, share: 1), problem: Self.gemm, macPrecision: .bf16, dataflow: nil)
        let enumerated = cache.tilings.misses
        let slower = Self.mapper(h100, share: 0.6)
        let shared = try cache.best(slower, problem: Self.gemm, macPrecision: .bf16, dataflow: nil)
        // The second search enumerates nothing new: the clock changes no tile.
        #expect(enumerated > 0 && cache.tilings.misses == enumerated)
        let fresh = try slower.best(problem: Self.gemm, macPrecision: .bf16)
        #expect(shared.mapping == fresh.mapping)
        #expect(shared.cost.energy.total == fresh.cost.energy.total)
        #expect(shared.cost.seconds == fresh.cost.seconds)
        #expect(shared.evaluated == fresh.evaluated && shared.exhaustive == fresh.exhaustive)
    }

    /// A smaller shared memory changes which tiles fit: the tilings are enumerated anew (a stale
    /// entry would hand the search tiles that overflow), and the answer is a fresh search's.
    @Test func aLevelSizeKeysTheTilings() throws {
        let h100 = try MapperTests.hardware("h100-sxm")
        var smaller = h100
        let index = try #require(smaller.memory.firstIndex { $0.name == "SharedL1" })
        smaller.memory[index].size = Bytes(si: smaller.memory[index].size.si / 4)
        let cache = MapperCache()
        _ = try cache.best(Self.mapper(h100, share: 1), problem: Self.gemm, macPrecision: .bf16, dataflow: nil)
        let enumerated = cache.tilings.misses
        let edited = try cache.best(
            Self.mapper(smaller, share: 1), problem: Self.gemm, macPrecision: .bf16, dataflow: nil)
        let fresh = try Self.mapper(smaller, share: 1).best(problem: Self.gemm, macPrecision: .bf16)
        #expect(edited.mapping == fresh.mapping)
        #expect(edited.cost.energy.total == fresh.cost.energy.total)
        // Every space of the edited design is enumerated anew: SharedL1 sits in every nest.
        #expect(cache.tilings.misses >= 2 * enumerated)
    }

    /// A full cache starts afresh: the first space is enumerated again once `capacity` others
    /// have filled it, and never answered wrong.
    @Test func aFullCacheForgetsAndEnumeratesAgain() {
        let cache = TilingCache()
        func tilings(_ budget: Int) -> [Int] {
            cache.tilings(problem: Self.gemm, sizes: [1], spatial: [], holds: [], fixed: [], budget: budget) {
                ([budget], true)
            }.values
        }
        #expect(tilings(0) == [0])
        #expect(tilings(0) == [0] && cache.misses == 1)
        for budget in 1...TilingCache.capacity { #expect(tilings(budget) == [budget]) }
        #expect(tilings(0) == [0])
        #expect(cache.misses == TilingCache.capacity + 2)
    }

    /// Every input of an enumeration keys it: changing any one enumerates again (a shared key
    /// would hand one space's tilings to another).
    @Test func everyInputKeysTheTilings() {
        let cache = TilingCache()
        let other = Problem.gemm(
            GEMM(b: 1, m: 256, n: 1024, k: 768, inputPrecision: .bf16, secondPrecision: .bf16, outputPrecision: .bf16))
        let spatial: [(x: [Loop], y: [Loop])] = [([], []), ([Loop(2, 4)], [])]
        let variants: [(Problem, [Double], [(x: [Loop], y: [Loop])], [[Bool]], [Int], Int)] = [
            (Self.gemm, [1, 2], spatial, [[true, true]], [0], 10),
            (other, [1, 2], spatial, [[true, true]], [0], 10),
            (Self.gemm, [1, 3], spatial, [[true, true]], [0], 10),
            (Self.gemm, [1, 2], [([], []), ([Loop(3, 4)], [])], [[true, true]], [0], 10),
            (Self.gemm, [1, 2], spatial, [[true, false]], [0], 10),
            (Self.gemm, [1, 2], spatial, [[true, true]], [2], 10),
            (Self.gemm, [1, 2], spatial, [[true, true]], [0], 11),
        ]
        for (index, v) in variants.enumerated() {
            let values = cache.tilings(problem: v.0, sizes: v.1, spatial: v.2, holds: v.3, fixed: v.4, budget: v.5) {
                ([index], true)
            }.values
            #expect(values == [index], "variant \(index) was answered from another's entry")
        }
        #expect(cache.misses == variants.count && cache.hits == 0)
    }
}
