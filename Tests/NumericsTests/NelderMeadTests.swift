import Testing

@testable import Numerics

struct NelderMeadTests {
    /// (x - 3)^2 + 2 (y + 1)^2 has its minimum 0 at (3, -1).
    @Test func findsTheMinimumOfAQuadratic() throws {
        let result = try NelderMead.minimize(start: [0, 0], step: [1, 1], tolerance: 1e-8, maxIterations: 500) { p in
            (p[0] - 3) * (p[0] - 3) + 2 * (p[1] + 1) * (p[1] + 1)
        }
        #expect(abs(result.x[0] - 3) < 1e-3)
        #expect(abs(result.x[1] + 1) < 1e-3)
        #expect(result.value < 1e-6)
    }

    @Test func mismatchedStepsAreAnError() {
        #expect(throws: NumericsError.self) { try NelderMead.minimize(start: [0, 0], step: [1]) { _ in 0 } }
    }
}
