import JouleSpec

/// Compute cycles of a GEMM on a systolic array, as SCALE-Sim (v2/v3) counts them.
///
/// Each fold maps an `R x C` tile of the array's spatial operand pair and streams the third
/// dimension `T` through it: output stationary maps M x N and streams K, paying fill and drain
/// (`R + C - 2`) per fold; weight stationary maps K x N and streams M, input stationary maps
/// K x M and streams N, each also preloading the stationary operand (`R` cycles). Partial folds
/// still take the full array's skew. The count is `folds x (per fold) - 1` (SCALE-Sim's cycle
/// counter starts at zero), for each of `batches` independent GEMMs.
public enum SystolicTiming {
    /// Cycles for a GEMM of `m x k` times `k x n` on an `rows x cols` array.
    public static func cycles(m: Int, n: Int, k: Int, batches: Int = 1, rows: Int, cols: Int, dataflow: Dataflow)
        -> Double
    {
        let (spatialRows, spatialCols, streamed, preload): (Int, Int, Int, Int)
        switch dataflow {
        case .outputStationary: (spatialRows, spatialCols, streamed, preload) = (m, n, k, 0)
        case .weightStationary: (spatialRows, spatialCols, streamed, preload) = (k, n, m, rows)
        case .inputStationary: (spatialRows, spatialCols, streamed, preload) = (k, m, n, rows)
        }
        let folds = Double(ceilDiv(spatialRows, rows)) * Double(ceilDiv(spatialCols, cols))
        let perFold = Double(preload + streamed + rows + cols - 2)
        return Double(batches) * folds * perFold - 1
    }

    /// Ceiling division of positive integers.
    @inline(__always) static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / max(1, b) }
}
