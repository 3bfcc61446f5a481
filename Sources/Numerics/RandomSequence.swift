internal import CGSL

/// Reproducible uniform random integers from GSL's Mersenne Twister (MT19937) with a seed.
public enum RandomSequence {
    /// `count` draws, each a list of `bounds.count` integers with draw[i] in 0..<bounds[i].
    public static func draws(count: Int, bounds: [Int], seed: UInt) throws(NumericsError) -> [[Int]] {
        var result: [[Int]] = []
        try forEachDraw(count: count, bounds: bounds, seed: seed) { draw in
            result.append(draw)
            return true
        }
        return result
    }

    /// Hands the same draws as `draws` to `body` one at a time, holding none of them, until
    /// `count` are drawn or `body` returns false.
    public static func forEachDraw(count: Int, bounds: [Int], seed: UInt, _ body: ([Int]) -> Bool)
        throws(NumericsError)
    {
        GSL.disableAbort()
        guard bounds.allSatisfy({ $0 >= 1 }) else { throw NumericsError(message: "every bound must be at least 1") }
        guard let generator = gsl_rng_alloc(joule_rng_mt19937()) else {
            throw NumericsError(message: "GSL could not allocate a random generator")
        }
        defer { gsl_rng_free(generator) }
        gsl_rng_set(generator, seed)
        var draw = [Int](repeating: 0, count: bounds.count)
        for _ in 0..<max(0, count) {
            for (i, bound) in bounds.enumerated() { draw[i] = Int(gsl_rng_uniform_int(generator, UInt(bound))) }
            guard body(draw) else { return }
        }
    }
}
