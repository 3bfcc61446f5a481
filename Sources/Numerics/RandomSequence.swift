internal import CGSL

/// Reproducible uniform random integers from GSL's Mersenne Twister (MT19937) with a seed.
public enum RandomSequence {
    /// `count` draws, each a list of `bounds.count` integers with draw[i] in 0..<bounds[i].
    public static func draws(count: Int, bounds: [Int], seed: UInt) throws(NumericsError) -> [[Int]] {
        GSL.disableAbort()
        guard bounds.allSatisfy({ $0 >= 1 }) else { throw NumericsError(message: "every bound must be at least 1") }
        guard let generator = gsl_rng_alloc(joule_rng_mt19937()) else {
            throw NumericsError(message: "GSL could not allocate a random generator")
        }
        defer { gsl_rng_free(generator) }
        gsl_rng_set(generator, seed)
        return (0..<max(0, count)).map { _ in bounds.map { Int(gsl_rng_uniform_int(generator, UInt($0))) } }
    }
}
