import Testing

@testable import Numerics

struct NonNegativeLeastSquaresTests {
    /// A = [[1, 0], [0, 1], [1, 1]], b = (2, -1, 1). Unconstrained: AᵀA = [[2, 1], [1, 2]], Aᵀb = (3, 0),
    /// x = (2, -1), which breaks x2 >= 0. With x2 held at 0 the fit minimises (x1 - 2)² + 1 + (x1 - 1)²,
    /// so x1 = 1.5; the residual (0.5, -1, -0.5) has gradient Aᵀr = (0, -1.5): x2 would only grow
    /// the residual, so (1.5, 0) is optimal, with |r| = sqrt(1.5).
    @Test func boundBecomesActive() throws {
        let solution = try NonNegativeLeastSquares.solve(rows: [[1, 0], [0, 1], [1, 1]], rhs: [2, -1, 1])
        #expect(abs(solution.x[0] - 1.5) < 1e-12)
        #expect(solution.x[1] == 0)
        #expect(solution.free == [true, false])
        #expect(abs(solution.residualNorm - 1.5.squareRoot()) < 1e-12)
    }

    /// When the unconstrained solution is positive, NNLS returns it: y = 2 + 3x exactly.
    @Test func positiveSolutionIsTheLeastSquaresOne() throws {
        let rows: [[Double]] = [[1, 0], [1, 1], [1, 2], [1, 3]]
        let solution = try NonNegativeLeastSquares.solve(rows: rows, rhs: [2, 5, 8, 11])
        #expect(abs(solution.x[0] - 2) < 1e-12 && abs(solution.x[1] - 3) < 1e-12)
        #expect(solution.free == [true, true])
        #expect(solution.residualNorm < 1e-12)
    }

    /// Columns of wildly different scales (MACs ~1e12 next to seconds ~1e-3) are solved as well
    /// as unit columns: x = (2e-12, 50).
    @Test func scaleInvariant() throws {
        let rows: [[Double]] = [[1e12, 1e-3], [3e12, 2e-3], [2e12, 5e-3], [5e12, 1e-3]]
        let rhs = rows.map { $0[0] * 2e-12 + $0[1] * 50 }
        let solution = try NonNegativeLeastSquares.solve(rows: rows, rhs: rhs)
        #expect(abs(solution.x[0] / 2e-12 - 1) < 1e-10)
        #expect(abs(solution.x[1] / 50 - 1) < 1e-10)
    }

    /// A zero column is never freed; a column equal to another is left at zero (its twin fits).
    @Test func zeroAndDuplicateColumns() throws {
        let rows: [[Double]] = [[1, 0, 1], [2, 0, 2], [1, 0, 1], [3, 0, 3.0]]
        let solution = try NonNegativeLeastSquares.solve(rows: rows, rhs: [2, 4, 2, 6])
        #expect(solution.x[1] == 0)
        #expect(abs(solution.x[0] + solution.x[2] - 2) < 1e-12)
        #expect(solution.free.filter { $0 }.count == 1)
        #expect(solution.dependent[1])
    }

    /// Every right-hand side pointing away from the cone gives x = 0.
    @Test func allBound() throws {
        let solution = try NonNegativeLeastSquares.solve(rows: [[1, 2], [3, 4], [5, 6]], rhs: [-1, -1, -1])
        #expect(solution.x == [0, 0])
        #expect(solution.free == [false, false])
    }

    /// The Karush-Kuhn-Tucker conditions on pseudo-random problems: x >= 0, the gradient Aᵀr is
    /// zero on the free unknowns and at most zero on the bound ones.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8])
    func kktConditionsHold(seed: UInt) throws {
        let draws = try RandomSequence.draws(count: 12, bounds: [Int](repeating: 2001, count: 7), seed: seed)
        let rows = draws.map { $0.prefix(6).map { Double($0 - 1000) / 1000 } }
        let rhs = draws.map { Double($0[6] - 1000) / 1000 }
        let solution = try NonNegativeLeastSquares.solve(rows: rows, rhs: rhs)
        let residual = (0..<rows.count).map { i in rhs[i] - (0..<6).reduce(0) { $0 + rows[i][$1] * solution.x[$1] } }
        for j in 0..<6 {
            let gradient = (0..<rows.count).reduce(0) { $0 + rows[$1][j] * residual[$1] }
            #expect(solution.x[j] >= 0)
            if solution.free[j] {
                #expect(abs(gradient) < 1e-9)
            } else {
                #expect(gradient < 1e-9)
                #expect(solution.x[j] == 0)
            }
        }
    }

    @Test func shapeErrors() {
        #expect(throws: NumericsError.self) { try NonNegativeLeastSquares.solve(rows: [], rhs: []) }
        #expect(throws: NumericsError.self) { try NonNegativeLeastSquares.solve(rows: [[1], [1, 2]], rhs: [1, 2]) }
        #expect(throws: NumericsError.self) { try NonNegativeLeastSquares.solve(rows: [[1], [2]], rhs: [1]) }
        #expect(throws: NumericsError.self) { try NonNegativeLeastSquares.solve(rows: [[.nan]], rhs: [1]) }
    }
}

struct SingularValueDecompositionTests {
    /// diag(3, 2) stacked on a zero row: singular values 3 and 2, (AᵀA)⁻¹ = diag(1/9, 1/4).
    @Test func diagonalMatrix() throws {
        let svd = try SingularValueDecomposition(rows: [[3, 0], [0, 2], [0, 0]])
        #expect(abs(svd.singularValues[0] - 3) < 1e-14 && abs(svd.singularValues[1] - 2) < 1e-14)
        #expect(svd.rank() == 2)
        #expect(abs(svd.conditionNumber - 1.5) < 1e-14)
        let inverse = try svd.inverseGram()
        #expect(abs(inverse[0][0] - 1.0 / 9) < 1e-14 && abs(inverse[1][1] - 0.25) < 1e-14)
        #expect(abs(inverse[0][1]) < 1e-14)
    }

    /// A = [[1, 1], [1, 2], [1, 3]]: AᵀA = [[3, 6], [6, 14]], determinant 6, inverse [[14, -6], [-6, 3]] / 6.
    @Test func inverseGramMatchesTheHandInverse() throws {
        let inverse = try SingularValueDecomposition(rows: [[1, 1], [1, 2], [1, 3]]).inverseGram()
        #expect(abs(inverse[0][0] - 14.0 / 6) < 1e-12)
        #expect(abs(inverse[0][1] + 1) < 1e-12 && abs(inverse[1][0] + 1) < 1e-12)
        #expect(abs(inverse[1][1] - 0.5) < 1e-12)
    }

    /// The second column is twice the first: rank 1, and the null space is ±(2, -1)/√5.
    @Test func nullSpaceOfCollinearColumns() throws {
        let svd = try SingularValueDecomposition(rows: [[1, 2], [2, 4], [3, 6]])
        #expect(svd.rank() == 1)
        let null = svd.nullSpace()
        #expect(null.count == 1)
        let v = try #require(null.first)
        #expect(abs(abs(v[0]) - 2 / 5.0.squareRoot()) < 1e-12)
        #expect(abs(v[0] + 2 * v[1]) < 1e-12)
        #expect(throws: NumericsError.self) { try svd.inverseGram() }
    }

    /// A wide matrix has a null space even with independent rows.
    @Test func wideMatrix() throws {
        let svd = try SingularValueDecomposition(rows: [[1, 0, 1]])
        #expect(svd.singularValues.count == 1)
        #expect(svd.nullSpace().count == 2)
        #expect(svd.conditionNumber == .infinity)
    }
}
