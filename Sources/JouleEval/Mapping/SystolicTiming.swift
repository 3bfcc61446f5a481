import JouleSpec

/// Compute cycles of a GEMM on a systolic array, after SCALE-Sim (v2/v3).
///
/// Each fold maps an `R x C` tile of the array's spatial operand pair and streams the third
/// dimension `T` through it: output stationary maps M x N and streams K, paying fill and drain
/// (`R + C - 2`) per fold; weight stationary maps K x N and streams M, input stationary maps
/// K x M and streams N, each also preloading the stationary operand (`P = R` cycles: one row
/// of the tile shifts in per cycle). Partial folds still take the full array's preload and
/// skew. `F` folds = `ceil(rows dim / R) x ceil(cols dim / C)` for each of `batches`
/// independent GEMMs. The count is the index of the last busy cycle (SCALE-Sim's counter starts
/// at zero), so one cycle less than the cycles taken.
///
/// - `serial` (SCALE-Sim's count): every fold preloads, streams, then fills and drains before
///   the next starts: `F x (P + T + R + C - 2) - 1`.
/// - `overlapped` (double-buffered stationary operand, TPU v1 and later): fold `i + 1`'s
///   preload starts when fold `i` starts streaming (its tile has left the shadow buffer) and
///   takes `P` cycles; fold `i + 1` streams once both its preload and fold `i`'s `T` streamed
///   rows are done, so fold starts are `max(P, T)` apart. The next fold's rows follow the
///   current fold's through the array as one wavefront, so the fill and drain `R + C - 2` is
///   paid once, after the last fold. With `F` folds in all (over the batches too): the first
///   preload `P`, then `F - 1` gaps of `max(P, T)`, the last fold's `T` rows and the skew:
///   `P + (F - 1) x max(P, T) + T + R + C - 2 - 1 = F x max(P, T) + min(P, T) + R + C - 3`.
///   One fold takes exactly the serial count. Output stationary preloads nothing and drains
///   its outputs from the PEs at the end of every fold, so its count does not change.
public enum SystolicTiming {
    /// Cycles for `batches` GEMMs of `m x k` times `k x n` on an `rows x cols` array, the
    /// stationary operand preloaded as `preload` says.
    public static func cycles(
        m: Int, n: Int, k: Int, batches: Int = 1, rows: Int, cols: Int, dataflow: Dataflow,
        preload mode: ComputeArray.WeightPreload = .serial
    ) -> Double {
        let (spatialRows, spatialCols, streamed, preload): (Int, Int, Int, Int)
        switch dataflow {
        case .outputStationary: (spatialRows, spatialCols, streamed, preload) = (m, n, k, 0)
        case .weightStationary: (spatialRows, spatialCols, streamed, preload) = (k, n, m, rows)
        case .inputStationary: (spatialRows, spatialCols, streamed, preload) = (k, m, n, rows)
        }
        let folds = Double(batches) * Double(ceilDiv(spatialRows, rows)) * Double(ceilDiv(spatialCols, cols))
        let skew = Double(rows + cols - 2)
        guard mode == .overlapped, preload > 0 else {
            return folds * (Double(preload + streamed) + skew) - 1
        }
        let (p, t) = (Double(preload), Double(streamed))
        return folds * max(p, t) + min(p, t) + skew - 1
    }

    /// Ceiling division of positive integers.
    @inline(__always) static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / max(1, b) }
}
