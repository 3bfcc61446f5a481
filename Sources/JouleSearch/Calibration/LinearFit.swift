import Numerics

/// One unknown of a linear fit: its column of counts and the value the hardware file gives it.
public struct FitTerm: Sendable, Hashable {
    /// A name for reports ("MAC bf16", "HBM", "static power").
    public var name: String
    /// The count multiplying the unknown in each row.
    public var values: [Double]
    /// The file's value: kept for a term the data cannot identify, and the baseline of the change.
    public var prior: Double
    /// When terms are collinear, the one with the highest rank is held at its prior first
    /// (register and SRAM energies before DRAM, vector and MAC energies; static power last).
    public var holdRank: Int

    /// A term.
    public init(name: String, values: [Double], prior: Double, holdRank: Int = 0) {
        self.name = name
        self.values = values
        self.prior = prior
        self.holdRank = holdRank
    }
}

/// A weighted non-negative least-squares fit of `rhs = sum(term values x unknowns)` with honest
/// error bars: terms the data cannot identify are found first and held at their prior (a zero
/// column, or a column that is a linear combination of others), the rest are fitted by
/// Lawson-Hanson NNLS, and each free unknown gets a standard error from the residual variance
/// and (AᵀA)⁻¹ over the free set.
public struct LinearFit: Sendable {
    /// How rows are weighted.
    public enum Weighting: String, Sendable, Hashable, CaseIterable {
        /// Every row by 1 / its measured value: the fit minimises relative errors, as fits
        /// where the noise is a share of the reading (energy counters, timers) should.
        case relative
        /// Every row equally: the fit minimises absolute errors (large runs dominate).
        case absolute
    }

    /// What the fit could say about a term.
    public enum Status: Sendable, Hashable {
        /// Fitted, free, with a standard error.
        case fitted
        /// The data push it below zero; NNLS holds it at zero.
        case atBound
        /// Its column is zero in every row: no row exercises it. Held at the prior.
        case noData
        /// Its column is a linear combination of other terms' columns (`partners`, with
        /// `factors`: column = sum factor x partner column). Held at the prior; only the combination
        /// prior x 1 + the partners' values is determined.
        case collinear(partners: [Int], factors: [Double])
    }

    /// One term's outcome.
    public struct Estimate: Sendable, Hashable {
        /// The term's name.
        public var name: String
        /// The fitted value (the prior for held terms, 0 at the bound).
        public var value: Double
        /// The standard error of a fitted value (nil where none can be given).
        public var standardError: Double?
        /// The file's value.
        public var prior: Double
        /// Fitted, at the bound, or why it was held.
        public var status: Status
        /// For a term at the bound: its value and standard error in the fit without the bound.
        public var unconstrained: (value: Double, standardError: Double)? {
            get {
                guard let value = unconstrainedValue, let error = unconstrainedError else { return nil }
                return (value, error)
            }
            set {
                unconstrainedValue = newValue?.value
                unconstrainedError = newValue?.standardError
            }
        }
        var unconstrainedValue: Double?
        var unconstrainedError: Double?
        /// Terms at the bound this fitted value is strongly correlated with (|r| > 0.9 without the
        /// bound): its value and standard error hold only if they really are zero.
        public var assumesZero: [Int] = []
        /// For a fitted term: its standard error in the fit without the bound (larger when it
        /// trades off against a term at the bound).
        public var unconstrainedStandardError: Double?

        /// Whether the data set this value (fitted or at the bound).
        public var isFitted: Bool { status == .fitted || status == .atBound }
        /// A fitted value whose standard error exceeds half of it: the data barely constrain it.
        public var isPoorlyDetermined: Bool {
            guard status == .fitted, let standardError else { return false }
            return standardError > 0.5 * abs(value)
        }
    }

    /// Every term's estimate, in term order.
    public var estimates: [Estimate]
    /// The rows' right-hand sides.
    public var observed: [Double]
    /// The fit's prediction of each row (held terms at their priors).
    public var predicted: [Double]
    /// Rows minus free unknowns (the residual variance's denominator).
    public var degreesOfFreedom: Int
    /// The residual standard deviation in weighted units (a share of the reading for relative weighting).
    public var residualDeviation: Double?
    /// How rows were weighted.
    public var weighting: Weighting
    /// The covariance of the unknowns (zero rows and columns for unknowns that are not free).
    public var covariance: [[Double]]

    /// observed - predicted, per row.
    public var residuals: [Double] { zip(observed, predicted).map { $0 - $1 } }

    /// 1 - residual sum of squares / total sum of squares, on the unweighted right-hand sides;
    /// nil when it is undefined (every row has the same right-hand side, or no row).
    public var rSquared: Double? {
        guard !observed.isEmpty else { return nil }
        let mean = observed.reduce(0, +) / Double(observed.count)
        let total = observed.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let residual = residuals.reduce(0) { $0 + $1 * $1 }
        let value = 1 - residual / total
        return total > 0 && value.isFinite ? value : nil
    }

    /// The root mean square of residual / observed.
    public var rmsRelativeError: Double {
        guard !observed.isEmpty else { return 0 }
        let sum = zip(residuals, observed).reduce(0.0) { $0 + ($1.1 != 0 ? ($1.0 / $1.1) * ($1.0 / $1.1) : 0) }
        return (sum / Double(observed.count)).squareRoot()
    }

    /// The prediction for new rows (one value per term per row) with the fitted values.
    public func predict(_ termValues: [[Double]]) -> [Double] {
        termValues.map { row in zip(row, estimates).reduce(0) { $0 + $1.0 * $1.1.value } }
    }

    /// Singular values below this share of the largest (columns scaled to unit length) mark
    /// a linear dependence between terms.
    public static let collinearityTolerance = 1e-9

    /// Fits `rhs` by the terms.
    public static func fit(terms: [FitTerm], rhs: [Double], weighting: Weighting = .relative)
        throws(CalibrationError) -> LinearFit
    {
        guard !rhs.isEmpty, !terms.isEmpty else { throw CalibrationError("a fit needs at least one row and one term") }
        for term in terms where term.values.count != rhs.count {
            throw CalibrationError("term \(term.name) has \(term.values.count) values for \(rhs.count) rows")
        }
        guard rhs.allSatisfy(\.isFinite) && terms.allSatisfy({ $0.values.allSatisfy(\.isFinite) }) else {
            throw CalibrationError("a fit needs finite numbers")
        }
        // The weighted columns' sums of squares must be finite for the decomposition to keep any digit.
        let weights = rhs.map { weighting == .relative && $0 != 0 ? 1 / abs($0) : 1 }
        for term in terms {
            let squares = zip(term.values, weights).reduce(0.0) { $0 + ($1.0 * $1.1) * ($1.0 * $1.1) }
            guard squares.isFinite else {
                throw CalibrationError(
                    "\(term.name) cannot be identified: its counts span too wide a range for the fit",
                    hint: "the rows' counts or measurements span too wide a range to fit together")
            }
        }
        let fit: LinearFit
        do {
            fit = try solve(terms: terms, rhs: rhs, weighting: weighting)
        } catch {
            throw CalibrationError(error.message)
        }
        // Counts that span too wide a range lose every digit: say which term, never print nan or inf.
        for estimate in fit.estimates
        where !estimate.value.isFinite || !(estimate.standardError ?? 0).isFinite
            || !(estimate.unconstrainedStandardError ?? 0).isFinite || !(estimate.unconstrainedValue ?? 0).isFinite
            || !(estimate.unconstrainedError ?? 0).isFinite
        {
            throw CalibrationError(
                "\(estimate.name) cannot be identified: the fit gives it no finite value",
                hint: "the rows' counts or measurements span too wide a range to fit together")
        }
        guard fit.predicted.allSatisfy(\.isFinite), (fit.residualDeviation ?? 0).isFinite else {
            throw CalibrationError(
                "the fit's predictions are not finite numbers",
                hint: "the rows' counts or measurements span too wide a range to fit together")
        }
        return fit
    }

    static func solve(terms: [FitTerm], rhs: [Double], weighting: Weighting) throws(NumericsError) -> LinearFit {
        let n = rhs.count
        let p = terms.count
        let weights = rhs.map { weighting == .relative && $0 != 0 ? 1 / abs($0) : 1 }
        var columns = terms.map { term in (0..<n).map { term.values[$0] * weights[$0] } }
        let norms = columns.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        for j in 0..<p where norms[j] > 0 { columns[j] = columns[j].map { $0 / norms[j] } }
        var target = (0..<n).map { rhs[$0] * weights[$0] }

        var status = [Status?](repeating: nil, count: p)
        for j in 0..<p where norms[j] == 0 { status[j] = .noData }
        // Hold collinear terms at their priors, one at a time, until the rest have full rank.
        var candidates = (0..<p).filter { status[$0] == nil }
        while !candidates.isEmpty {
            let matrix = (0..<n).map { i in candidates.map { columns[$0][i] } }
            let svd = try SingularValueDecomposition(rows: matrix)
            let null = svd.nullSpace(relativeTolerance: collinearityTolerance)
            guard let direction = null.first else { break }
            let largest = direction.map(abs).max() ?? 0
            let participants = candidates.indices.filter { abs(direction[$0]) > 0.01 * largest }
            guard
                let held = participants.max(by: { a, b in
                    (terms[candidates[a]].holdRank, a) < (terms[candidates[b]].holdRank, b)
                })
            else { break }
            let partners = participants.filter { $0 != held }
            // column_held / norm_held = -sum (v_k / v_held) column_k / norm_k
            let factors = partners.map { k in
                -direction[k] / direction[held] * norms[candidates[held]] / norms[candidates[k]]
            }
            let heldTerm = candidates[held]
            status[heldTerm] = .collinear(partners: partners.map { candidates[$0] }, factors: factors)
            for i in 0..<n { target[i] -= terms[heldTerm].prior * columns[heldTerm][i] * norms[heldTerm] }
            candidates.remove(at: held)
        }

        var values = terms.map(\.prior)
        var covariance = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        var free: [Int] = []
        var residualDeviation: Double?
        var variance: Double?
        if !candidates.isEmpty {
            let matrix = (0..<n).map { i in candidates.map { columns[$0][i] } }
            let solution = try NonNegativeLeastSquares.solve(rows: matrix, rhs: target)
            for (position, j) in candidates.enumerated() {
                values[j] = solution.x[position] / norms[j]
                if solution.free[position] {
                    status[j] = .fitted
                    free.append(j)
                } else {
                    status[j] = .atBound
                    values[j] = 0
                }
            }
            let dof = n - free.count
            if dof > 0 {
                variance = solution.residualNorm * solution.residualNorm / Double(dof)
                residualDeviation = variance.map { $0.squareRoot() }
            }
            if let variance, !free.isEmpty {
                let gram = try SingularValueDecomposition(rows: (0..<n).map { i in free.map { columns[$0][i] } })
                    .inverseGram(relativeTolerance: collinearityTolerance)
                for (a, j) in free.enumerated() {
                    for (b, k) in free.enumerated() {
                        covariance[j][k] = variance * gram[a][b] / (norms[j] * norms[k])
                    }
                }
            }
        }
        let dof = n - free.count
        var estimates = (0..<p).map { j in
            Estimate(
                name: terms[j].name, value: values[j],
                standardError: status[j] == .fitted && dof > 0 ? covariance[j][j].squareRoot() : nil,
                prior: terms[j].prior, status: status[j] ?? .noData)
        }
        // A term at the bound: what the fit without the bound says of it, and which fitted
        // terms trade off against it (their errors above assume it is zero).
        let bound = candidates.filter { status[$0] == .atBound }
        if let variance, !bound.isEmpty, n > candidates.count {
            let matrix = (0..<n).map { i in candidates.map { columns[$0][i] } }
            let unconstrained = try LeastSquares.solve(rows: matrix, rhs: target)
            let gram = try SingularValueDecomposition(rows: matrix).inverseGram(
                relativeTolerance: collinearityTolerance)
            let position = Dictionary(uniqueKeysWithValues: candidates.enumerated().map { ($1, $0) })
            for j in bound {
                guard let a = position[j] else { continue }
                estimates[j].unconstrained = (
                    unconstrained[a] / norms[j], (variance * gram[a][a]).squareRoot() / norms[j]
                )
                for k in free {
                    guard let b = position[k] else { continue }
                    let correlation = gram[a][b] / (gram[a][a] * gram[b][b]).squareRoot()
                    if abs(correlation) > 0.9 { estimates[k].assumesZero.append(j) }
                }
            }
            for k in free {
                guard let b = position[k] else { continue }
                estimates[k].unconstrainedStandardError = (variance * gram[b][b]).squareRoot() / norms[k]
            }
        }
        let predicted = (0..<n).map { i in (0..<p).reduce(0) { $0 + terms[$1].values[i] * values[$1] } }
        return LinearFit(
            estimates: estimates, observed: rhs, predicted: predicted, degreesOfFreedom: dof,
            residualDeviation: residualDeviation, weighting: weighting, covariance: covariance)
    }
}
