import Foundation
import JouleSpec
import Testing

@testable import JouleEval

struct MapperCacheTests {
    static func gemm(_ precision: Precision, m: Int = 256) -> Problem {
        Problem.gemm(
            GEMM(
                b: 1, m: m, n: 512, k: 384, inputPrecision: precision, secondPrecision: precision,
                outputPrecision: precision))
    }

    /// toy-3level gives fp16 and bf16 MACs the same energy (2.0 pJ) and rate, and both words are
    /// 16 bits: the second maps from the cache, and its result equals a fresh search's.
    @Test func precisionsAlikeInEnergyAndRateShareTheirMappings() throws {
        let hw = try MapperTests.hardware("toy-3level")
        let mapper = Mapper(hardware: hw, tilingBudget: 20)
        let cache = MapperCache()
        _ = try cache.best(mapper, problem: Self.gemm(.fp16), macPrecision: .fp16, dataflow: nil)
        let shared = try cache.best(mapper, problem: Self.gemm(.bf16), macPrecision: .bf16, dataflow: nil)
        #expect(cache.hits == 1 && cache.misses == 1)
        let fresh = try mapper.best(problem: Self.gemm(.bf16), macPrecision: .bf16)
        #expect(shared.mapping == fresh.mapping)
        #expect(shared.cost.energy.total == fresh.cost.energy.total)
        #expect(shared.cost.seconds == fresh.cost.seconds)
    }

    /// A different MAC energy (int8 0.3 pJ against fp16 2.0 pJ), word size or shape maps anew.
    @Test func whatChangesTheCostMapsAgain() throws {
        let hw = try MapperTests.hardware("toy-3level")
        let mapper = Mapper(hardware: hw, tilingBudget: 20)
        let cache = MapperCache()
        _ = try cache.best(mapper, problem: Self.gemm(.fp16), macPrecision: .fp16, dataflow: nil)
        // Same 16-bit words, int8's MAC energy: only the MAC differs from the first key.
        _ = try cache.best(mapper, problem: Self.gemm(.fp16), macPrecision: .int8, dataflow: nil)
        _ = try cache.best(mapper, problem: Self.gemm(.fp32), macPrecision: .fp32, dataflow: nil)
        _ = try cache.best(mapper, problem: Self.gemm(.fp16, m: 128), macPrecision: .fp16, dataflow: nil)
        #expect(cache.hits == 0 && cache.misses == 4)
        // A precision the hardware lacks is an error that names it, cached as such.
        #expect(throws: MappingError.self) {
            _ = try cache.best(mapper, problem: Self.gemm(.int4), macPrecision: .int4, dataflow: nil)
        }
        do {
            _ = try cache.best(mapper, problem: Self.gemm(.int4), macPrecision: .int4, dataflow: nil)
        } catch {
            #expect(error.message.contains("no int4 MACs"), "\(error.message)")
        }
        #expect(cache.hits == 1)
    }

    /// The search budget and the objective decide which mapping is found: each is in the key.
    @Test func budgetAndObjectiveAreKeys() throws {
        let hw = try MapperTests.hardware("toy-3level")
        let cache = MapperCache()
        for mapper in [
            Mapper(hardware: hw, tilingBudget: 2), Mapper(hardware: hw, tilingBudget: 40),
            Mapper(hardware: hw, objective: .latency, tilingBudget: 40),
        ] {
            let cached = try cache.best(mapper, problem: Self.gemm(.fp16), macPrecision: .fp16, dataflow: nil)
            let fresh = try mapper.best(problem: Self.gemm(.fp16), macPrecision: .fp16)
            #expect(cached.mapping == fresh.mapping)
        }
        #expect(cache.hits == 0 && cache.misses == 3)
    }
}
