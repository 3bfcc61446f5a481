internal import CLAPACKE

/// Linear least squares through LAPACKE: the `x` minimising `|A x - b|`, by SVD (`dgelsd`), so a
/// rank-deficient matrix (collinear columns) is reported instead of solved.
public enum LeastSquares {
    /// Solves an overdetermined (or square) system.
    ///
    /// - Parameters:
    ///   - rows: the matrix A as rows (every row the same length, at least as many rows as columns).
    ///   - rhs: b, one entry per row.
    public static func solve(rows: [[Double]], rhs: [Double]) throws(NumericsError) -> [Double] {
        let m = rows.count
        guard m > 0, let n = rows.first?.count, n > 0 else {
            throw NumericsError(message: "least squares needs a non-empty matrix")
        }
        guard rows.allSatisfy({ $0.count == n }) else {
            throw NumericsError(message: "every row of the matrix needs \(n) entries")
        }
        guard rhs.count == m else {
            throw NumericsError(message: "the right-hand side has \(rhs.count) entries for \(m) rows")
        }
        guard m >= n else { throw NumericsError(message: "\(m) rows cannot determine \(n) unknowns") }
        var a = rows.flatMap { $0 }  // row-major m x n
        var b = rhs
        var singular = [Double](repeating: 0, count: n)
        var rank: Int32 = 0
        let status = a.withUnsafeMutableBufferPointer { aPointer in
            b.withUnsafeMutableBufferPointer { bPointer in
                singular.withUnsafeMutableBufferPointer { sPointer in
                    LAPACKE_dgelsd(
                        LAPACK_ROW_MAJOR, Int32(m), Int32(n), 1, aPointer.baseAddress, Int32(n), bPointer.baseAddress,
                        1,
                        sPointer.baseAddress, relativeConditionLimit, &rank)
                }
            }
        }
        guard status == 0 else {
            throw NumericsError(
                message: status > 0 ? "the SVD did not converge" : "dgelsd rejected argument \(-status)")
        }
        guard rank == n else {
            throw NumericsError(
                message:
                    "the columns are linearly dependent (rank \(rank) of \(n)): the data cannot identify every unknown")
        }
        return Array(b.prefix(n))
    }

    /// Singular values below this fraction of the largest count as zero.
    public static let relativeConditionLimit = 1e-12
}
