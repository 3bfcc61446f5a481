internal import CGSL

/// Derivative-free minimisation with GSL's Nelder–Mead simplex (`nmsimplex2`).
public enum NelderMead {
    /// The best point found and what the search did.
    public struct Result: Sendable, Equatable {
        public var x: [Double]
        public var value: Double
        public var iterations: Int
    }

    /// A Swift function behind GSL's C callback.
    private final class Objective {
        let function: ([Double]) -> Double
        init(_ function: @escaping ([Double]) -> Double) { self.function = function }
    }

    /// Minimises `function` from `start`, with initial simplex steps `step`, until the simplex
    /// size falls below `tolerance` or `maxIterations` pass.
    public static func minimize(
        start: [Double], step: [Double], tolerance: Double = 1e-3, maxIterations: Int = 100,
        _ function: @escaping ([Double]) -> Double
    ) throws(NumericsError) -> Result {
        GSL.disableAbort()
        let n = start.count
        guard n >= 1, step.count == n else {
            throw NumericsError(message: "start and step need the same, positive dimension")
        }
        guard let minimizer = gsl_multimin_fminimizer_alloc(joule_nmsimplex2(), n) else {
            throw NumericsError(message: "GSL could not allocate a Nelder–Mead minimiser")
        }
        defer { gsl_multimin_fminimizer_free(minimizer) }
        guard let x = gsl_vector_alloc(n), let steps = gsl_vector_alloc(n) else {
            throw NumericsError(message: "GSL could not allocate vectors")
        }
        defer {
            gsl_vector_free(x)
            gsl_vector_free(steps)
        }
        for i in 0..<n {
            gsl_vector_set(x, i, start[i])
            gsl_vector_set(steps, i, step[i])
        }
        let objective = Objective(function)
        let context = Unmanaged.passRetained(objective)
        defer { context.release() }
        var gslFunction = gsl_multimin_function(
            f: { vector, parameters in
                guard let vector, let parameters else { return .infinity }
                let objective = Unmanaged<Objective>.fromOpaque(parameters).takeUnretainedValue()
                let point = (0..<vector.pointee.size).map { gsl_vector_get(vector, $0) }
                return objective.function(point)
            }, n: n, params: context.toOpaque())
        let status = gsl_multimin_fminimizer_set(minimizer, &gslFunction, x, steps)
        guard status == 0 else { throw NumericsError(message: "GSL Nelder–Mead could not start (status \(status))") }
        var iterations = 0
        while iterations < maxIterations {
            iterations += 1
            guard gsl_multimin_fminimizer_iterate(minimizer) == 0 else { break }
            let size = gsl_multimin_fminimizer_size(minimizer)
            if gsl_multimin_test_size(size, tolerance) == 0 { break }
        }
        guard let best = gsl_multimin_fminimizer_x(minimizer) else {
            throw NumericsError(message: "GSL returned no point")
        }
        return Result(
            x: (0..<n).map { gsl_vector_get(best, $0) }, value: gsl_multimin_fminimizer_minimum(minimizer),
            iterations: iterations)
    }
}
