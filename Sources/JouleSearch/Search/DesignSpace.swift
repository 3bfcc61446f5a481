import JouleSpec
import Numerics

/// The points a strategy picks from the axes: each point a value index per axis, numbered by
/// its position (the point's id), deterministically.
public enum DesignSpace {
    /// The most points a sweep may hold.
    public static let maximumPoints = 10_000_000

    /// Every point of a strategy, in id order (duplicates of random and Sobol draws removed).
    public static func points(axes: [Axis], strategy: SweepSpec.Strategy) throws(SweepError) -> [[Int]] {
        let counts = axes.map(\.count)
        let total = counts.reduce(1.0) { $0 * Double($1) }
        switch strategy {
        case .grid:
            guard total <= Double(maximumPoints) else {
                throw SweepError(
                    "the grid has \(QuantityFormat.number(total)) points, over \(maximumPoints)",
                    hint: "use strategy: { sobol: { samples: 10000 } }")
            }
            var result: [[Int]] = []
            result.reserveCapacity(Int(total))
            var index = [Int](repeating: 0, count: axes.count)
            for _ in 0..<Int(total) {
                result.append(index)
                var axis = axes.count - 1
                while axis >= 0 {
                    index[axis] += 1
                    if index[axis] < counts[axis] { break }
                    index[axis] = 0
                    axis -= 1
                }
            }
            return result
        case .random(let samples, let seed):
            do {
                return unique(try RandomSequence.draws(count: samples, bounds: counts, seed: seed))
            } catch {
                throw SweepError(error.message)
            }
        case .sobol(let samples):
            do {
                let points = try SobolSequence.points(count: samples, dimensions: axes.count)
                return unique(points.map { point in zip(point, counts).map { min($1 - 1, Int($0 * Double($1))) } })
            } catch {
                throw SweepError(error.message)
            }
        }
    }

    private static func unique(_ points: [[Int]]) -> [[Int]] {
        var seen = Set<[Int]>()
        return points.filter { seen.insert($0).inserted }
    }
}
