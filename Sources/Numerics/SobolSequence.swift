internal import CGSL

/// Quasi-random points in the unit cube from GSL's Sobol generator (low discrepancy: they
/// fill a design space more evenly than random samples).
public enum SobolSequence {
    /// GSL's Sobol generator supports up to 40 dimensions.
    public static let maximumDimensions = 40

    /// The first `count` points of the `dimensions`-dimensional Sobol sequence, each in [0, 1)^d.
    public static func points(count: Int, dimensions: Int) throws(NumericsError) -> [[Double]] {
        var result: [[Double]] = []
        try forEachPoint(count: count, dimensions: dimensions) { point in
            result.append(point)
            return true
        }
        return result
    }

    /// Hands the same points as `points` to `body` one at a time, holding none of them, until
    /// `count` are made or `body` returns false.
    public static func forEachPoint(count: Int, dimensions: Int, _ body: ([Double]) -> Bool) throws(NumericsError) {
        GSL.disableAbort()
        guard dimensions >= 1 && dimensions <= maximumDimensions else {
            throw NumericsError(message: "a Sobol sequence has 1 to \(maximumDimensions) dimensions, not \(dimensions)")
        }
        guard count >= 0 else { throw NumericsError(message: "a point count cannot be negative") }
        guard let generator = gsl_qrng_alloc(joule_qrng_sobol(), UInt32(dimensions)) else {
            throw NumericsError(message: "GSL could not allocate a Sobol generator")
        }
        defer { gsl_qrng_free(generator) }
        var point = [Double](repeating: 0, count: dimensions)
        for _ in 0..<count {
            let status = point.withUnsafeMutableBufferPointer { gsl_qrng_get(generator, $0.baseAddress) }
            guard status == 0 else { throw NumericsError(message: "GSL Sobol generator failed (status \(status))") }
            guard body(point) else { return }
        }
    }
}
