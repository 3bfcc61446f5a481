internal import CLAPACKE

/// The singular values and right singular vectors of a matrix, through LAPACKE (`dgesvd`):
/// A = U Σ Vᵀ. Enough to find a matrix's rank, the directions it cannot see (its null space),
/// and (AᵀA)⁻¹ over the directions it can (the covariance of a least-squares fit).
public struct SingularValueDecomposition: Sendable, Equatable {
    /// Rows of A.
    public var rowCount: Int
    /// Columns of A.
    public var columnCount: Int
    /// The singular values, largest first (min(rows, columns) of them).
    public var singularValues: [Double]
    /// The right singular vectors, `rightVectors[i]` paired with `singularValues[i]`; all
    /// `columnCount` of them (those past the singular values span the null space of a wide matrix).
    public var rightVectors: [[Double]]

    /// Decomposes a matrix given as rows (every row the same length).
    public init(rows: [[Double]]) throws(NumericsError) {
        let m = rows.count
        guard m > 0, let n = rows.first?.count, n > 0 else {
            throw NumericsError(message: "a singular value decomposition needs a non-empty matrix")
        }
        guard rows.allSatisfy({ $0.count == n }) else {
            throw NumericsError(message: "every row of the matrix needs \(n) entries")
        }
        guard rows.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
            throw NumericsError(message: "the matrix has an infinite or NaN entry")
        }
        var a = rows.flatMap { $0 }  // row-major m x n
        var s = [Double](repeating: 0, count: min(m, n))
        var vt = [Double](repeating: 0, count: n * n)
        var superb = [Double](repeating: 0, count: max(1, min(m, n) - 1))
        var unused = [Double](repeating: 0, count: 1)
        let status = a.withUnsafeMutableBufferPointer { aPointer in
            s.withUnsafeMutableBufferPointer { sPointer in
                vt.withUnsafeMutableBufferPointer { vtPointer in
                    superb.withUnsafeMutableBufferPointer { superbPointer in
                        unused.withUnsafeMutableBufferPointer { uPointer in
                            LAPACKE_dgesvd(
                                LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), CChar(UInt8(ascii: "A")), Int32(m),
                                Int32(n), aPointer.baseAddress, Int32(n), sPointer.baseAddress, uPointer.baseAddress,
                                1, vtPointer.baseAddress, Int32(n), superbPointer.baseAddress)
                        }
                    }
                }
            }
        }
        guard status == 0 else {
            throw NumericsError(
                message: status > 0 ? "the SVD did not converge" : "dgesvd rejected argument \(-status)")
        }
        rowCount = m
        columnCount = n
        singularValues = s
        // Row i of Vᵀ (row-major) is the i-th right singular vector.
        rightVectors = (0..<n).map { i in Array(vt[(i * n)..<(i * n + n)]) }
    }

    /// Singular values above `relativeTolerance` x the largest; the numerical rank.
    public func rank(relativeTolerance: Double = 1e-10) -> Int {
        let largest = singularValues.first ?? 0
        guard largest > 0 else { return 0 }
        return singularValues.filter { $0 > relativeTolerance * largest }.count
    }

    /// The ratio of the largest to the smallest singular value (infinite when one is zero, or
    /// when the matrix has more columns than rows).
    public var conditionNumber: Double {
        guard singularValues.count == columnCount, let smallest = singularValues.last, smallest > 0,
            let largest = singularValues.first
        else { return .infinity }
        return largest / smallest
    }

    /// Unit vectors x with A x ≈ 0: the right singular vectors past the numerical rank.
    public func nullSpace(relativeTolerance: Double = 1e-10) -> [[Double]] {
        Array(rightVectors.dropFirst(rank(relativeTolerance: relativeTolerance)))
    }

    /// (AᵀA)⁻¹ = V Σ⁻² Vᵀ, as rows; fails when A does not have full column rank (then AᵀA has no
    /// inverse and some direction of the unknowns is not determined by the data).
    public func inverseGram(relativeTolerance: Double = 1e-10) throws(NumericsError) -> [[Double]] {
        let n = columnCount
        guard rank(relativeTolerance: relativeTolerance) == n else {
            throw NumericsError(
                message:
                    "the columns are linearly dependent (rank \(rank(relativeTolerance: relativeTolerance)) of \(n)): AᵀA has no inverse"
            )
        }
        var result = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for (k, sigma) in singularValues.enumerated() {
            let v = rightVectors[k]
            let weight = 1 / (sigma * sigma)
            for i in 0..<n where v[i] != 0 {
                for j in 0..<n { result[i][j] += weight * v[i] * v[j] }
            }
        }
        return result
    }
}
