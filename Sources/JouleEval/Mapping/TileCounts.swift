/// The tiles a dimension's loops really step through when a bound does not divide its
/// dimension: an imperfect tile is costed as the remainder it is, not padded to a full tile.
///
/// Loop bounds split a dimension of bound P top-down: after loops whose bounds multiply to F,
/// a tile's nominal extent is ceil(P / F), so level i's tile is ceil(P / F_i) with F_i the
/// product of the loops above it (the extents `ReuseAnalysis` sizes tiles at). A temporal loop
/// cuts each real tile of extent x into floor(x / e) tiles of the nominal extent e and one of
/// x mod e when that is not zero; a spatial loop hands each instance at most e of it, and the
/// nest waits for the largest share, so a tile counts as min(x, e) per instance. With P = 10
/// and a loop of 3 over one of 2: tiles of 4, 4, 2, then 2, 2, 2, 2, 2: 3 then 5 tiles (padding
/// would step 3 then 6). Perfect factorizations give the product of the bounds.
struct TileCounts {
    /// The real tiles as distinct extents with their counts (`size` of them, from `current`):
    /// a loop adds at most one extent (a remainder) per extent, and the full tiles share one.
    private let extents: UnsafeMutableBufferPointer<Int>
    private let counts: UnsafeMutableBufferPointer<Double>
    private let capacity: Int
    private var current = 0
    private var size = 1
    private var product = 1
    private let bound: Int

    /// One dimension of bound `bound`, before any loop, with scratch for `loops` loops over it
    /// (`scratchSize(loops:)` of each).
    init(bound: Int, loops: Int, extents: UnsafeMutableBufferPointer<Int>, counts: UnsafeMutableBufferPointer<Double>) {
        self.bound = bound
        self.extents = extents
        self.counts = counts
        capacity = loops + 2
        extents[0] = bound
        counts[0] = 1
    }

    /// Scratch, of extents and of counts, for a dimension with `loops` loops.
    static func scratchSize(loops: Int) -> Int { 2 * (loops + 2) }

    /// The real tiles so far (per instance of the spatial loops).
    var tiles: Double {
        var total = 0.0
        for k in 0..<size { total += counts[current + k] }
        return total
    }

    /// The temporal steps the real tiles take at least when each step covers at most `width`
    /// of the dimension: sum of ceil(x / width).
    func steps(width: Int) -> Double {
        var total = 0.0
        for k in 0..<size { total += counts[current + k] * Double((extents[current + k] + width - 1) / width) }
        return total
    }

    /// Applies one loop over the dimension.
    mutating func split(by loopBound: Int, spatial: Bool) {
        guard loopBound > 1 else { return }
        product *= loopBound
        let nominal = (bound + product - 1) / product
        let next = current == 0 ? capacity : 0
        // Slot 0 gathers the full tiles; each remainder takes a slot of its own (two equal
        // remainders in two slots count the same), so a loop adds at most one slot.
        extents[next] = nominal
        counts[next] = 0
        var built = 1
        for k in 0..<size {
            let (x, n) = (extents[current + k], counts[current + k])
            if spatial {
                if x >= nominal {
                    counts[next] += n
                } else {
                    extents[next + built] = x
                    counts[next + built] = n
                    built += 1
                }
            } else {
                counts[next] += n * Double(x / nominal)
                if x % nominal != 0 {
                    extents[next + built] = x % nominal
                    counts[next + built] = n
                    built += 1
                }
            }
        }
        if counts[next] == 0 {
            // No full tile: the last remainder takes the empty slot.
            built -= 1
            extents[next] = extents[next + built]
            counts[next] = counts[next + built]
        }
        current = next
        size = built
    }

    /// `tiles[p]`: the real tiles of loop p's dimension after loop p, and `steps[d]`: the
    /// temporal steps along d after all its loops.
    static func count(
        bounds: UnsafeBufferPointer<Int>, loops: UnsafeBufferPointer<ReuseAnalysis.FlatLoop>,
        into tiles: UnsafeMutableBufferPointer<Double>, steps: UnsafeMutableBufferPointer<Double>
    ) {
        let scratch = scratchSize(loops: loops.count)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: scratch) { extents in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: scratch) { counts in
                for d in 0..<bounds.count {
                    // Bounds that multiply to the dimension leave no remainder: the tiles are
                    // the product of the temporal bounds so far.
                    var total = 1
                    for p in 0..<loops.count where loops[p].dimension == d {
                        total = total.multipliedReportingOverflow(by: loops[p].bound).partialValue
                    }
                    if total == bounds[d] {
                        var temporal = 1.0
                        for p in 0..<loops.count where loops[p].dimension == d {
                            if !loops[p].spatial { temporal *= Double(loops[p].bound) }
                            tiles[p] = temporal
                        }
                        steps[d] = temporal
                        continue
                    }
                    var dimension = TileCounts(bound: bounds[d], loops: loops.count, extents: extents, counts: counts)
                    for p in 0..<loops.count where loops[p].dimension == d {
                        dimension.split(by: loops[p].bound, spatial: loops[p].spatial)
                        tiles[p] = dimension.tiles
                    }
                    steps[d] = dimension.tiles
                }
            }
        }
    }
}
