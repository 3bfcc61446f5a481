import JouleSpec
import Numerics

/// The points a strategy picks from the axes: each point a value index per axis, numbered by
/// its position (the point's id), deterministically.
///
/// A grid holds no points: the indices of an id are its digits in the mixed radix of the axis
/// lengths (last axis fastest). Random and Sobol samplings draw one point at a time, keep the
/// first occurrence of each (so ids follow the draw order), and stop drawing once every
/// combination has been seen, since later draws could only repeat one; they hold each distinct
/// point (`bytesPerSampledPoint`). A design space of more than `maximumPoints` distinct points
/// is refused before anything is drawn or allocated.
public struct DesignSpace: RandomAccessCollection, Sendable {
    /// The most points a sweep may hold.
    public static let maximumPoints = 10_000_000
    /// Memory one distinct random or Sobol point takes while it is held (its index array in a
    /// list and in the set that removes repeats), about, for a few axes.
    public static let bytesPerSampledPoint = 128
    /// Memory one finished point's row takes while a sweep runs (values, metrics, strings, its
    /// share of the final table's text), about: a 12,000-point sweep peaked 29 MB above a
    /// 1,200-point one (62.3 MB and 33.6 MB resident).
    public static let bytesPerRow = 2_600

    private enum Storage: Sendable {
        case grid(counts: [Int])
        case sampled([[Int]])
    }

    private let storage: Storage
    /// The number of points.
    public let endIndex: Int
    /// Ids start at 0.
    public var startIndex: Int { 0 }

    /// The value indices (one per axis) of point `id`.
    public subscript(id: Int) -> [Int] {
        switch storage {
        case .grid(let counts):
            var indices = [Int](repeating: 0, count: counts.count)
            var rest = id
            for axis in counts.indices.reversed() {
                indices[axis] = rest % counts[axis]
                rest /= counts[axis]
            }
            return indices
        case .sampled(let points):
            return points[id]
        }
    }

    /// The points a strategy picks from `axes`; refuses, naming the count and the memory it
    /// would take, a space that may hold more than `maximumPoints` distinct points.
    public init(axes: [Axis], strategy: SweepSpec.Strategy) throws(SweepError) {
        let counts = axes.map(\.count)
        let combinations = counts.reduce(1.0) { $0 * Double($1) }
        switch strategy {
        case .grid:
            try Self.check(points: combinations, bytesEach: 0, what: "the grid has")
            storage = .grid(counts: counts)
            endIndex = Int(combinations)
        case .random(let samples, let seed):
            let bound = Swift.min(Double(samples), combinations)
            try Self.check(
                points: bound, bytesEach: Self.bytesPerSampledPoint,
                what: "random sampling with \(QuantityFormat.grouped(samples)) samples may give")
            let points = try Self.distinct(bound: Int(bound)) { (body) throws(NumericsError) in
                try RandomSequence.forEachDraw(count: samples, bounds: counts, seed: seed, body)
            }
            storage = .sampled(points)
            endIndex = points.count
        case .sobol(let samples):
            let bound = Swift.min(Double(samples), combinations)
            try Self.check(
                points: bound, bytesEach: Self.bytesPerSampledPoint,
                what: "Sobol sampling with \(QuantityFormat.grouped(samples)) samples may give")
            let points = try Self.distinct(bound: Int(bound)) { (body) throws(NumericsError) in
                try SobolSequence.forEachPoint(count: samples, dimensions: axes.count) { point in
                    body(zip(point, counts).map { Swift.min($1 - 1, Int($0 * Double($1))) })
                }
            }
            storage = .sampled(points)
            endIndex = points.count
        }
    }

    /// Refuses more than `maximumPoints` points, saying how much memory they would take.
    private static func check(points: Double, bytesEach: Int, what: String) throws(SweepError) {
        guard points > Double(maximumPoints) else { return }
        let bytes = points * Double(bytesEach + bytesPerRow)
        throw SweepError(
            "\(what) \(QuantityFormat.grouped(points)) points, over the limit of \(QuantityFormat.grouped(maximumPoints)) "
                + "(holding their results would take about \(QuantityFormat.scaled(bytes, unit: "B")))",
            hint:
                "sample fewer points, e.g. strategy: { sobol: { samples: 10000 } }, or split an axis into several sweeps"
        )
    }

    /// The distinct points a generator hands out, in order of first appearance; stops the
    /// generator once `bound` distinct points are seen (no later point can be new).
    private static func distinct(
        bound: Int, _ generate: (_ body: ([Int]) -> Bool) throws(NumericsError) -> Void
    ) throws(SweepError) -> [[Int]] {
        var seen = Set<[Int]>()
        var points: [[Int]] = []
        do {
            try generate { point in
                if seen.insert(point).inserted { points.append(point) }
                return points.count < bound
            }
        } catch {
            throw SweepError(error.message)
        }
        return points
    }
}
