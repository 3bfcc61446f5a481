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

    /// Double-buffered (`overlapped`) preload, counted by hand from the timeline: fold 1's
    /// preload takes cycles 0 ..< P; each later fold's preload starts when the fold before it
    /// starts streaming, so fold starts are max(P, T) apart; the last fold's T rows enter and the
    /// array fills and drains once (R + C - 2); the count is the last busy cycle's index.
    struct OverlapCase: CustomTestStringConvertible, Sendable {
        var name: String
        var m: Int
        var n: Int
        var k: Int
        var batches = 1
        var rows: Int
        var cols: Int
        var dataflow: Dataflow
        var overlapped: Double
        var serial: Double
        var testDescription: String { name }
    }

    static let overlapCases = [
        // 4 x 4, WS: K x N = 8 x 8 -> 2 x 2 = 4 folds, P = 4, T = M = 1, skew 6. Folds start
        // streaming at 4, 8, 12, 16 (the preload paces them); the last row enters at 16 and
        // drains through 16 + 1 + 6 - 1 = 22. Serial: 4 x (4 + 1 + 6) - 1 = 43.
        OverlapCase(
            name: "WS, streamed < preload", m: 1, n: 8, k: 8, rows: 4, cols: 4, dataflow: .weightStationary,
            overlapped: 22, serial: 43),
        // 4 x 4, WS: K x N = 8 x 4 -> 2 folds, P = 4, T = 10. Fold 1 streams 4 ..< 14 while fold
        // 2 preloads 4 ..< 8; fold 2 streams 14 ..< 24 and drains through 23 + 6 = 29.
        // Serial: 2 x (4 + 10 + 6) - 1 = 39.
        OverlapCase(
            name: "WS, streamed > preload", m: 10, n: 4, k: 8, rows: 4, cols: 4, dataflow: .weightStationary,
            overlapped: 29, serial: 39),
        // 4 x 4, WS: K x N = 4 x 8 -> 2 folds, P = T = 4: starts at 4 and 8, last busy cycle
        // 8 + 4 + 6 - 1 = 17. Serial: 2 x 14 - 1 = 27.
        OverlapCase(
            name: "WS, streamed = preload", m: 4, n: 8, k: 4, rows: 4, cols: 4, dataflow: .weightStationary,
            overlapped: 17, serial: 27),
        // One fold hides nothing: 4 + 3 + 6 - 1 = 12 either way.
        OverlapCase(
            name: "WS, one fold", m: 3, n: 4, k: 4, rows: 4, cols: 4, dataflow: .weightStationary, overlapped: 12,
            serial: 12),
        // Partial folds: K x N = 5 x 5 -> 2 x 2 = 4 folds, each still preloading all 4 rows; T = 3.
        // Starts 4, 8, 12, 16; last busy 16 + 3 + 6 - 1 = 24. Serial: 4 x (4 + 3 + 6) - 1 = 51.
        OverlapCase(
            name: "WS, partial folds", m: 3, n: 5, k: 5, rows: 4, cols: 4, dataflow: .weightStationary,
            overlapped: 24, serial: 51),
        // 2 x 8 array: P = 2, skew 2 + 8 - 2 = 8. K x N = 4 x 16 -> 2 x 2 = 4 folds, T = 3 > P.
        // Starts 2, 5, 8, 11; last busy 11 + 3 + 8 - 1 = 21. Serial: 4 x (2 + 3 + 8) - 1 = 51.
        OverlapCase(
            name: "WS, 2 x 8 array", m: 3, n: 16, k: 4, rows: 2, cols: 8, dataflow: .weightStationary,
            overlapped: 21, serial: 51),
        // Two independent GEMMs of K x N = 8 x 4 (2 folds each), M = 1: the second GEMM's first
        // preload hides under the first's last fold, so 4 folds start at 4, 8, 12, 16: 22.
        // Serial: 2 x 2 x (4 + 1 + 6) - 1 = 43.
        OverlapCase(
            name: "WS, two batches", m: 1, n: 4, k: 8, batches: 2, rows: 4, cols: 4, dataflow: .weightStationary,
            overlapped: 22, serial: 43),
        // IS preloads inputs: K x M = 8 x 8 -> 4 folds, T = N = 2 < P = 4. Starts 4, 8, 12, 16;
        // last busy 16 + 2 + 6 - 1 = 23. Serial: 4 x (4 + 2 + 6) - 1 = 47.
        OverlapCase(
            name: "IS, streamed < preload", m: 8, n: 2, k: 8, rows: 4, cols: 4, dataflow: .inputStationary,
            overlapped: 23, serial: 47),
        // OS preloads nothing and drains every fold: M x N = 8 x 4 -> 2 folds of K + 6 = 9 cycles,
        // 2 x 9 - 1 = 17 either way.
        OverlapCase(
            name: "OS, unchanged", m: 8, n: 4, k: 3, rows: 4, cols: 4, dataflow: .outputStationary, overlapped: 17,
            serial: 17),
        // The skinny decode shape above: 16,384 folds paced by the 32-cycle preload, then one
        // streamed row and 62 cycles of skew: 16,384 x 32 + 1 + 62 - 1 = 524,350.
        OverlapCase(
            name: "WS, decode M = 1 on 32 x 32", m: 1, n: 4096, k: 4096, rows: 32, cols: 32,
            dataflow: .weightStationary, overlapped: 524_350, serial: 128 * 128 * 95 - 1),
    ]

    @Test(arguments: overlapCases)
    func overlappedPreload(_ example: OverlapCase) {
        let cycles = { (mode: ComputeArray.WeightPreload) in
            SystolicTiming.cycles(
                m: example.m, n: example.n, k: example.k, batches: example.batches, rows: example.rows,
                cols: example.cols, dataflow: example.dataflow, preload: mode)
        }
        #expect(cycles(.overlapped) == example.overlapped)
        #expect(cycles(.serial) == example.serial)
    }

    /// The closed form against the fold-by-fold recurrence it was derived from, over many
    /// shapes: fold i + 1 streams at max(its start + T, its start + P) (its preload began when
    /// fold i began streaming), the first at P.
    @Test func overlappedClosedFormMatchesTheRecurrence() {
        for (rows, cols) in [(1, 1), (2, 3), (4, 4), (3, 7)] {
            for m in [1, 2, 3, 5, 9] {
                for k in [1, 3, 4, 8, 13] {
                    for n in [1, 4, 6, 11] {
                        for dataflow in [Dataflow.weightStationary, .inputStationary] {
                            let (spatial, streamed) = dataflow == .weightStationary ? ((k, n), m) : ((k, m), n)
                            let folds = ((spatial.0 + rows - 1) / rows) * ((spatial.1 + cols - 1) / cols)
                            var start = rows
                            for _ in 1..<max(1, folds) { start += max(rows, streamed) }
                            let lastBusy = start + streamed + rows + cols - 2 - 1
                            let cycles = SystolicTiming.cycles(
                                m: m, n: n, k: k, rows: rows, cols: cols, dataflow: dataflow, preload: .overlapped)
                            #expect(
                                cycles == Double(lastBusy), "\(rows)x\(cols) m\(m) n\(n) k\(k) \(dataflow)")
                        }
                    }
                }
            }
        }
    }
}
