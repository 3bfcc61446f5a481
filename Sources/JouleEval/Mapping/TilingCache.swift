import Foundation

/// Remembers the tilings `TilingSpace` enumerates, which depend on the problem, each level's
/// size, the spatial loops, what each level holds, the fixed loop bounds and the budget, and on
/// nothing the operating point or the energies change. A search at a new clock (a power cap
/// settling) then scores the same tilings at the new costs instead of enumerating them again:
/// the answer is the one a fresh search gives. It keeps at most `capacity` spaces and starts
/// afresh when full (a sweep over many designs shares one cache; a forgotten space is only
/// enumerated again). Safe to share between threads.
public final class TilingCache: @unchecked Sendable {
    /// Everything a tiling enumeration reads.
    struct Key: Hashable {
        var problem: Problem
        var sizes: [Double]
        /// Each level's spatial loops as (dimension, bound) pairs, X then Y, levels separated by -1.
        var spatial: [Int]
        var holds: [[Bool]]
        var fixed: [Int]
        var budget: Int
    }

    /// The most spaces kept: a space of up to a few hundred tilings takes tens of kilobytes.
    public static let capacity = 2048

    private var entries: [Key: (values: [Int], complete: Bool)] = [:]
    private let lock = NSLock()
    /// Enumerations answered from the cache.
    public private(set) var hits = 0
    /// Enumerations run.
    public private(set) var misses = 0

    /// An empty cache.
    public init() {}

    /// The tilings of a space (as `TilingSpace.tilings(budget:)` gives them), enumerated once
    /// per key.
    func tilings(
        problem: Problem, sizes: [Double], spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]], fixed: [Int],
        budget: Int, enumerate: () -> (values: [Int], complete: Bool)
    ) -> (values: [Int], complete: Bool) {
        let key = Key(
            problem: problem, sizes: sizes,
            spatial: spatial.flatMap { level in [-1] + (level.x + level.y).flatMap { [$0.dimension, $0.bound] } },
            holds: holds, fixed: fixed, budget: budget)
        lock.lock()
        if let cached = entries[key] {
            hits += 1
            lock.unlock()
            return cached
        }
        lock.unlock()
        let result = enumerate()
        lock.lock()
        if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = result
        misses += 1
        lock.unlock()
        return result
    }
}
