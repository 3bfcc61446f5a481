import Testing

@testable import Numerics

struct SobolSequenceTests {
    /// The first points of the 2-D Sobol sequence (Bratley & Fox; GSL's documented output
    /// starts 0.5 0.5, 0.75 0.25, 0.25 0.75, 0.375 0.375 ...).
    @Test func firstPointsAreTheKnownSequence() throws {
        let points = try SobolSequence.points(count: 4, dimensions: 2)
        #expect(points == [[0.5, 0.5], [0.75, 0.25], [0.25, 0.75], [0.375, 0.375]])
    }

    @Test func pointsFillTheCubeEvenly() throws {
        // Of the first 2^k points, exactly half fall in each half of every axis.
        let points = try SobolSequence.points(count: 64, dimensions: 3)
        for axis in 0..<3 { #expect(points.filter { $0[axis] < 0.5 }.count == 32) }
    }

    @Test func dimensionsOutsideGSLsRangeAreErrors() {
        #expect(throws: NumericsError.self) { try SobolSequence.points(count: 1, dimensions: 0) }
        #expect(throws: NumericsError.self) { try SobolSequence.points(count: 1, dimensions: 41) }
    }
}

struct LeastSquaresTests {
    /// y = 2 + 3x through (0, 2), (1, 5), (2, 8), (3, 11): an exact fit.
    @Test func exactLine() throws {
        let x = try LeastSquares.solve(rows: [[1, 0], [1, 1], [1, 2], [1, 3]], rhs: [2, 5, 8, 11])
        #expect(abs(x[0] - 2) < 1e-12 && abs(x[1] - 3) < 1e-12)
    }

    /// Points (0, 1), (1, 2), (2, 2): by the normal equations, intercept 7/6 and slope 1/2.
    @Test func overdeterminedFitMatchesTheNormalEquations() throws {
        let x = try LeastSquares.solve(rows: [[1, 0], [1, 1], [1, 2]], rhs: [1, 2, 2])
        #expect(abs(x[0] - 7.0 / 6.0) < 1e-12)
        #expect(abs(x[1] - 0.5) < 1e-12)
    }

    @Test func collinearColumnsAreReportedNotSolved() {
        #expect(throws: NumericsError.self) {
            try LeastSquares.solve(rows: [[1, 2], [2, 4], [3, 6]], rhs: [1, 2, 3])
        }
    }

    @Test func shapeErrors() {
        #expect(throws: NumericsError.self) { try LeastSquares.solve(rows: [[1, 2]], rhs: [1]) }
        #expect(throws: NumericsError.self) { try LeastSquares.solve(rows: [[1], [1, 2]], rhs: [1, 2]) }
        #expect(throws: NumericsError.self) { try LeastSquares.solve(rows: [[1], [2]], rhs: [1]) }
    }
}

struct RandomSequenceTests {
    @Test func sameSeedSameDrawsAndWithinBounds() throws {
        let a = try RandomSequence.draws(count: 200, bounds: [3, 7, 1], seed: 42)
        let b = try RandomSequence.draws(count: 200, bounds: [3, 7, 1], seed: 42)
        #expect(a == b)
        #expect(a.allSatisfy { $0[0] < 3 && $0[1] < 7 && $0[2] == 0 })
        #expect(try RandomSequence.draws(count: 200, bounds: [3, 7, 1], seed: 43) != a)
        // Every value of a 3-way axis appears in 200 draws.
        #expect(Set(a.map { $0[0] }) == [0, 1, 2])
    }

    @Test func zeroBoundIsAnError() {
        #expect(throws: NumericsError.self) { try RandomSequence.draws(count: 1, bounds: [0], seed: 1) }
    }
}
