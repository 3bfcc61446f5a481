import JouleSpec
import Testing

@testable import JouleEval

/// SCALE-Sim 3.0.0 compute cycles for a 32 x 32 systolic array (published reference runs).
struct SystolicTimingTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var m: Int
        var n: Int
        var k: Int
        var dataflow: Dataflow
        var scaleSim: Double
        var testDescription: String { "(\(m), \(n), \(k)) \(dataflow.abbreviation)" }
    }

    @Test(arguments: [
        Case(m: 64, n: 64, k: 64, dataflow: .outputStationary, scaleSim: 503),
        Case(m: 64, n: 64, k: 64, dataflow: .weightStationary, scaleSim: 631),
        Case(m: 64, n: 64, k: 64, dataflow: .inputStationary, scaleSim: 631),
        Case(m: 128, n: 768, k: 768, dataflow: .outputStationary, scaleSim: 79_679),
    ])
    func matchesScaleSim(_ example: Case) {
        let cycles = SystolicTiming.cycles(
            m: example.m, n: example.n, k: example.k, rows: 32, cols: 32, dataflow: example.dataflow)
        #expect(abs(cycles - example.scaleSim) <= 0.01 * example.scaleSim)
        #expect(cycles == example.scaleSim)
    }

    /// Hand-derived from SCALE-Sim's fold model for skinny decode shapes (M = 1): weight
    /// stationary folds K x N = 128 x 128 tiles of 32 x 32, each 32 preload + 1 streamed row +
    /// 62 cycles of skew; output stationary folds M x N = 1 x 128 tiles, each 4096 + 62.
    @Test func skinnyDecodeShapes() {
        #expect(
            SystolicTiming.cycles(m: 1, n: 4096, k: 4096, rows: 32, cols: 32, dataflow: .weightStationary) == 128 * 128
                * 95 - 1)
        #expect(
            SystolicTiming.cycles(m: 1, n: 4096, k: 4096, rows: 32, cols: 32, dataflow: .outputStationary) == 128 * 4158
                - 1)
    }
}
