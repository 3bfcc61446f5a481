/// Non-negative least squares: the `x >= 0` minimising `|A x - b|`, by Lawson and Hanson's
/// active-set method (Solving Least Squares Problems, 1974, chapter 23), with every unconstrained
/// sub-problem solved by `LeastSquares` (LAPACKE `dgelsd`).
///
/// The method keeps a *passive* set of unknowns that are free (positive) and holds the rest at
/// their bound, zero. It moves into the passive set the bound unknown whose gradient most wants
/// it positive, solves the least-squares problem over the passive columns, and when that solution
/// leaves the positive orthant it steps back to the boundary and returns the unknowns that hit
/// zero to the bound set. It stops when no bound unknown would lower the residual by growing
/// (the Karush-Kuhn-Tucker conditions hold).
public enum NonNegativeLeastSquares {
    /// A solution and which unknowns are free.
    public struct Solution: Sendable, Equatable {
        /// The unknowns, each at least zero.
        public var x: [Double]
        /// Whether each unknown is free (in the passive set, positive); the others are held at
        /// their bound, zero, by the constraint or because the data cannot tell them apart.
        public var free: [Bool]
        /// `|A x - b|`.
        public var residualNorm: Double
        /// Unconstrained sub-problems solved.
        public var iterations: Int
        /// Unknowns whose column lies in the span of the free columns (or is zero): the data
        /// cannot move them, so they stay at zero whatever the gradient says.
        public var dependent: [Bool]
    }

    /// Solves `min |A x - b|` subject to `x >= 0`.
    ///
    /// - Parameters:
    ///   - rows: the matrix A as rows (every row the same length).
    ///   - rhs: b, one entry per row.
    ///   - maximumIterations: a bound on sub-problems solved (default 30 x columns + 30).
    public static func solve(rows: [[Double]], rhs: [Double], maximumIterations: Int? = nil) throws(NumericsError)
        -> Solution
    {
        let m = rows.count
        guard m > 0, let n = rows.first?.count, n > 0 else {
            throw NumericsError(message: "non-negative least squares needs a non-empty matrix")
        }
        guard rows.allSatisfy({ $0.count == n }) else {
            throw NumericsError(message: "every row of the matrix needs \(n) entries")
        }
        guard rhs.count == m else {
            throw NumericsError(message: "the right-hand side has \(rhs.count) entries for \(m) rows")
        }
        guard rows.allSatisfy({ $0.allSatisfy(\.isFinite) }) && rhs.allSatisfy(\.isFinite) else {
            throw NumericsError(message: "the problem has an infinite or NaN entry")
        }
        // Columns scaled to unit length: the constraint x >= 0 is unchanged by a positive
        // scale, and the tolerances below become independent of the columns' units.
        var norms = [Double](repeating: 0, count: n)
        for row in rows { for j in 0..<n { norms[j] += row[j] * row[j] } }
        norms = norms.map { $0.squareRoot() }
        let a = rows.map { row in (0..<n).map { j in norms[j] > 0 ? row[j] / norms[j] : 0 } }
        let bNorm = rhs.reduce(0) { $0 + $1 * $1 }.squareRoot()
        let tolerance = 1e-12 * Double(max(m, n)) * max(bNorm, 1e-300)
        let limit = maximumIterations ?? (30 * n + 30)

        var x = [Double](repeating: 0, count: n)
        var passive = [Bool](repeating: false, count: n)
        var dependent = norms.map { $0 == 0 }
        var skipped = [Bool](repeating: false, count: n)  // a rounding-level gradient; retried after progress
        var iterations = 0

        func residual(_ x: [Double]) -> [Double] {
            (0..<m).map { i in rhs[i] - (0..<n).reduce(0) { $0 + a[i][$1] * x[$1] } }
        }

        outer: while true {
            let r = residual(x)
            var best: Int?
            var bestGradient = tolerance
            for j in 0..<n where !passive[j] && !dependent[j] && !skipped[j] {
                let gradient = (0..<m).reduce(0) { $0 + a[$1][j] * r[$1] }
                if gradient > bestGradient {
                    bestGradient = gradient
                    best = j
                }
            }
            guard let entering = best else { break }
            passive[entering] = true
            var first = true
            while true {
                iterations += 1
                guard iterations <= limit else {
                    throw NumericsError(
                        message: "non-negative least squares did not converge in \(limit) iterations")
                }
                let indices = (0..<n).filter { passive[$0] }
                let z: [Double]
                do {
                    z = try LeastSquares.solve(rows: a.map { row in indices.map { row[$0] } }, rhs: rhs)
                } catch {
                    // The entering column is (numerically) a combination of the free ones.
                    passive[entering] = false
                    dependent[entering] = true
                    continue outer
                }
                var candidate = [Double](repeating: 0, count: n)
                for (position, j) in indices.enumerated() { candidate[j] = z[position] }
                if first && candidate[entering] <= 0 {
                    // The gradient was positive only by rounding: leave it bound for now.
                    passive[entering] = false
                    skipped[entering] = true
                    continue outer
                }
                first = false
                if indices.allSatisfy({ candidate[$0] > 0 }) {
                    x = candidate
                    skipped = [Bool](repeating: false, count: n)
                    break
                }
                // Step from x toward the candidate until the first free unknown reaches zero.
                var alpha = 1.0
                var blocking = indices[0]
                for j in indices where candidate[j] <= 0 {
                    let denominator = x[j] - candidate[j]
                    let step = denominator > 0 ? x[j] / denominator : 0
                    if step < alpha || (step == alpha && candidate[blocking] > 0) {
                        alpha = step
                        blocking = j
                    }
                }
                for j in indices {
                    x[j] += alpha * (candidate[j] - x[j])
                    let scale = max(abs(x[j]), abs(candidate[j]))
                    if j == blocking || x[j] <= 1e-14 * scale {
                        x[j] = 0
                        passive[j] = false
                    }
                }
                if !passive.contains(true) { continue outer }
            }
        }
        let r = residual(x)
        let unscaled = (0..<n).map { j in norms[j] > 0 ? x[j] / norms[j] : 0 }
        return Solution(
            x: unscaled, free: passive, residualNorm: r.reduce(0) { $0 + $1 * $1 }.squareRoot(),
            iterations: iterations, dependent: dependent)
    }
}
