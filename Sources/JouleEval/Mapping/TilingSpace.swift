import JouleSpec

extension Problem {
    /// The output's word size the tiling walk sizes tiles at: the wider of the output's and the
    /// accumulator's. The walk picks a level's tile before the loop nest says whether the level
    /// will hold partial sums (`ReuseAnalysis.holdsPartialSums`), so it takes the wider word:
    /// a tiling it keeps fits at the exact width too, at the price of a smaller tile than
    /// would fit at a level that ends up holding finished outputs only.
    var searchOutputBits: Double {
        let output = operands.first { $0.operand == .outputs }?.wordBits ?? 0
        return max(output, accumulatorBits)
    }
}

/// The temporal tilings of a problem on a memory hierarchy, given the spatial loops a dataflow
/// fixes: per level, the tile extent along every dimension, outermost level first.
///
/// Every level's tile extents are divisors or even (or nearly even) splits of the level above
/// (see `Mapper.tileExtents(inside:)`), and each inner level takes only maximal tiles: ones that no
/// dimension can grow to its next extent and still fit (a larger tile seldom refetches more
/// from the level above). A tiling is kept only if every level's tiles fit
/// its size. A tile's bytes are always `ProblemOperand.tileBytes` of its extents, the spatial
/// ones below the level included, so a sliding window (`p + r`) counts its span, as the reuse
/// analysis does.
struct TilingSpace {
    /// Memory levels.
    let levels: Int
    /// Problem dimensions.
    let dims: Int
    /// The temporal extent of each dimension once the spatial loops are taken out.
    let temporalBound: [Int]
    /// The problem's operands.
    private let operands: [ProblemOperand]
    /// Operands per level.
    private let operandCount: Int
    /// `held[level * operandCount + operand]`: whether the level holds the operand.
    private let held: [Bool]
    /// `spatialBelow[level * dims + d]`: the product of dimension d's spatial bounds at and
    /// below the level, so a tile's extent is its temporal extent times this.
    private let spatialBelow: [Int]
    /// Each level's size in bytes.
    private let capacity: [Double]
    /// Which index axes of each operand the walk evaluates where (see `AxisGroups`).
    private let groups: AxisGroups
    /// Fixed loop bounds (`MapspaceConstraints`): `fixed[i * dims + d]` is level i's temporal
    /// bound over d, 0 where free.
    private let fixed: [Int]
    /// Extents and maximal tiles already found, shared by the spaces of one search.
    private let memo: TilingMemo
    /// Whether each level's tiles take every extent (`MapspaceConstraints.Level.everyExtent`).
    private let everyExtent: [Bool]

    /// The space for a problem, its spatial loops, which levels hold which operand and the
    /// fixed loop bounds (`fixed[i * dims + d]`, 0 where free; none by default).
    init(
        problem: Problem, hardware: Accelerator, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]],
        fixed: [Int] = [], everyExtent: [Bool] = [], memo: TilingMemo = TilingMemo()
    ) {
        self.memo = memo
        self.everyExtent = everyExtent
        levels = hardware.memory.count
        dims = problem.bounds.count
        operands = problem.operands.map { operand in
            var sized = operand
            if operand.operand == .outputs { sized.wordBits = problem.searchOutputBits }
            return sized
        }
        operandCount = problem.operands.count
        let below = Self.spatialBelow(spatial, dims: dims)
        spatialBelow = below
        temporalBound = (0..<dims).map { d in (problem.bounds[d] + below[d] - 1) / below[d] }
        held = (0..<levels).flatMap { i in (0..<problem.operands.count).map { holds[$0][i] } }
        capacity = hardware.memory.map(\.size.si)
        groups = AxisGroups(operands: problem.operands, dims: dims)
        self.fixed = fixed.count == levels * dims ? fixed : [Int](repeating: 0, count: levels * dims)
    }

    /// `below[i * dims + d]`: the product of dimension d's spatial bounds at and below level i
    /// (row `spatial.count`: all 1), the extents of a level's smallest tile.
    static func spatialBelow(_ spatial: [(x: [Loop], y: [Loop])], dims: Int) -> [Int] {
        let levels = spatial.count
        var below = [Int](repeating: 1, count: (levels + 1) * dims)
        for i in stride(from: levels - 1, through: 0, by: -1) {
            for d in 0..<dims { below[i * dims + d] = below[(i + 1) * dims + d] }
            for loop in spatial[i].x { below[i * dims + loop.dimension] *= loop.bound }
            for loop in spatial[i].y { below[i * dims + loop.dimension] *= loop.bound }
        }
        return below
    }

    /// Whether dimension d of a problem with `dims` dimensions takes every extent
    /// (`Mapper.everyTileExtent`) at every level rather than the ladder (`Mapper.tileExtents`):
    /// the second-to-last, which the walk takes as the first of its staircase (`FrontierWalk`),
    /// so that each tile fills its level up to one step of that dimension (a GEMM's N). Every
    /// extent of the others would multiply a level's maximal tiles; of this one it adds few.
    static func takesEveryExtent(_ d: Int, dims: Int) -> Bool { d == dims - 2 }

    /// Dimension d's candidate extents at a level inside its parent's extent: the one a fixed
    /// loop bound of the parent level (or of this level, when it is the innermost) leaves, or
    /// `Mapper.tileExtents` (`Mapper.everyTileExtent` for the staircase's first dimension, and
    /// for all where the constraints ask for every one).
    func candidates(_ level: Int, _ d: Int, inside parent: Int) -> [Int] {
        let every = (level < everyExtent.count && everyExtent[level]) || Self.takesEveryExtent(d, dims: dims)
        var values = memo.extents(inside: parent, every: every)
        let above = fixed[(level - 1) * dims + d]
        if above > 0 { values = values.filter { $0 == (parent + above - 1) / above } }
        let own = level == levels - 1 ? fixed[level * dims + d] : 0
        if own > 0 { values = values.filter { $0 == own } }
        return values
    }

    /// Whether a tiling's loop bounds equal every fixed one (a rounded-up tile may miss it).
    func keepsFixedFactors(_ tiling: [Int]) -> Bool {
        for i in 0..<levels {
            for d in 0..<dims where fixed[i * dims + d] > 0 {
                let inner = i + 1 < levels ? tiling[(i + 1) * dims + d] : 1
                if (tiling[i * dims + d] + inner - 1) / inner != fixed[i * dims + d] { return false }
            }
        }
        return true
    }

    /// Whether tiles of these temporal extents fit a level: the held operands' `tileBytes` at
    /// the extents the tiles really span (times the spatial loops at and below the level).
    func fits(_ level: Int, _ tile: UnsafeBufferPointer<Int>) -> Bool {
        withUnsafeTemporaryAllocation(of: Int.self, capacity: dims) { extents in
            for d in 0..<dims { extents[d] = tile[d] * spatialBelow[level * dims + d] }
            var bytes = 0.0
            for o in 0..<operandCount where held[level * operandCount + o] {
                bytes += operands[o].tileBytes(UnsafeBufferPointer(extents))
            }
            return bytes <= capacity[level]
        }
    }

    /// Up to `budget` tilings, flat: `values[(t * levels + i) * dims + d]` is tiling t's extent
    /// of dimension d at level i (see `tilings(budget:)`).
    func enumerate(budget: Int) -> [Int] { tilings(budget: budget).values }

    /// Up to `budget` tilings, flat, and whether they are all the space holds (see
    /// `walk(budget:bound:cutoff:visit:)`).
    func tilings(budget: Int) -> (values: [Int], complete: Bool) {
        var results: [Int] = []
        let complete = walk(
            budget: budget, bound: { _, _ in 0 }, cutoff: { .infinity }, visit: { results.append(contentsOf: $0) })
        return (results, complete)
    }

    /// Walks up to `budget` tilings, giving each to `visit` (`dims` extents per level,
    /// outermost level first), and says whether they are all the space holds. Level 0 holds
    /// the whole problem. `bound(tiles, known)` is asked with the tiles of levels 0 to
    /// `known - 1` set, and a branch whose bound is no better than `cutoff()` is skipped (a
    /// branch and bound: the space still counts as whole). With no budget
    /// (`Mapper.wholeSpace`) each inner level's maximal tiles are walked from the lowest bound
    /// up, so good mappings come first and tighten the cutoff early. Under a budget each inner
    /// level takes up to `budget` of them, evenly spaced, and shares the budget among them for
    /// the levels below, so the outer levels' choices, which move the most data, are the most
    /// varied.
    func walk(
        budget: Int, bound: (UnsafeBufferPointer<Int>, Int) -> Double, cutoff: () -> Double,
        visit: (UnsafeBufferPointer<Int>) -> Void
    ) -> Bool {
        var complete = true
        var current = [Int](repeating: 0, count: levels * dims)
        for i in 0..<levels { current.replaceSubrange(i * dims..<(i + 1) * dims, with: temporalBound) }
        guard levels > 1 else {
            let fitting = temporalBound.withUnsafeBufferPointer { fits(0, $0) } && keepsFixedFactors(temporalBound)
            if fitting { temporalBound.withUnsafeBufferPointer(visit) }
            return true
        }
        let (scaled, overflow) = budget.multipliedReportingOverflow(by: 32)
        let frontierLimit = overflow ? Int.max : max(4096, scaled)
        func choose(_ level: Int, budget: Int) {
            if level == levels {
                // The nest's tile at each level, ceil(P / F) for the loops above it splitting
                // the dimension F ways (`TileCounts`), is never larger than the one chosen here,
                // so every chosen tile that fits leaves a nest that fits.
                guard keepsFixedFactors(current) else { return }
                current.withUnsafeBufferPointer(visit)
                return
            }
            // With one tile to take, the evenly spaced pick is the first: no need for the rest.
            let limit = budget == 1 ? 1 : frontierLimit
            // Outer levels' choices, and other spatial and keep/bypass choices, often leave a
            // level the same parent tile, holdings and spatial loops: walk it once.
            var key = [level, limit]
            key.reserveCapacity(3 + 3 * dims)
            var mask = 0
            for o in 0..<operandCount where held[level * operandCount + o] { mask |= 1 << o }
            key.append(mask)
            key += spatialBelow[level * dims..<(level + 1) * dims]
            key += current[(level - 1) * dims..<level * dims]
            let frontier = memo.frontier(key) {
                maximalTiles(level, inside: Array(current[(level - 1) * dims..<level * dims]), limit: limit)
            }
            let size = frontier.count / dims
            guard size > 0 else { return }
            if budget == Mapper.wholeSpace {
                var ranked: [(bound: Double, index: Int)] = []
                ranked.reserveCapacity(size)
                for j in 0..<size {
                    current.replaceSubrange(
                        level * dims..<(level + 1) * dims, with: frontier[j * dims..<(j + 1) * dims])
                    let value = current.withUnsafeBufferPointer { bound($0, level + 1) }
                    if value < cutoff() { ranked.append((value, j)) }
                }
                ranked.sort { $0.bound < $1.bound }
                for (value, j) in ranked {
                    if value >= cutoff() { break }
                    current.replaceSubrange(
                        level * dims..<(level + 1) * dims, with: frontier[j * dims..<(j + 1) * dims])
                    choose(level + 1, budget: budget)
                }
                return
            }
            let count = min(budget, size)
            if count < size || size >= limit { complete = false }
            for j in 0..<count {
                let chosen = j * size / count
                current.replaceSubrange(
                    level * dims..<(level + 1) * dims, with: frontier[chosen * dims..<(chosen + 1) * dims])
                if current.withUnsafeBufferPointer({ bound($0, level + 1) }) >= cutoff() { continue }
                choose(level + 1, budget: budget / count + (j < budget % count ? 1 : 0))
            }
        }
        choose(1, budget: budget)
        return complete
    }

    /// A level's maximal tiles inside its parent's tile, flat (`dims` extents each), largest
    /// extents of the outer dimensions first, at most `limit` of them.
    func maximalTiles(_ level: Int, inside parent: [Int], limit: Int) -> [Int] {
        var candidates: [Int] = []
        candidates.reserveCapacity(dims * 2 * Int.bitWidth)
        var starts = [0]
        starts.reserveCapacity(dims + 1)
        for (d, extent) in parent.enumerated() {
            let values = self.candidates(level, d, inside: extent)
            // A fixed factor no extent can keep leaves no tile.
            if values.isEmpty { return [] }
            candidates += values
            starts.append(candidates.count)
        }
        let (dims, operandCount) = (self.dims, self.operandCount)
        return operands.withUnsafeBufferPointer { operands in
            held[level * operandCount..<(level + 1) * operandCount].withUnsafeBufferPointer { held in
                spatialBelow[level * dims..<(level + 1) * dims].withUnsafeBufferPointer { spatial in
                    groups.items.withUnsafeBufferPointer { items in
                        groups.starts.withUnsafeBufferPointer { groupStarts in
                            candidates.withUnsafeBufferPointer { candidates in
                                starts.withUnsafeBufferPointer { starts in
                                    withUnsafeTemporaryAllocation(of: Int.self, capacity: 3 * dims) { ints in
                                        withUnsafeTemporaryAllocation(
                                            of: Double.self, capacity: (3 * dims + 1) * operandCount
                                        ) { doubles in
                                            var walk = FrontierWalk(
                                                dims: dims, operandCount: operandCount, operands: operands,
                                                held: held, spatial: spatial,
                                                groups: AxisGroups.View(
                                                    items: items, starts: groupStarts, dims: dims,
                                                    operandCount: operandCount),
                                                capacity: capacity[level], candidates: candidates, starts: starts,
                                                tile: UnsafeMutableBufferPointer(rebasing: ints[0..<dims]),
                                                chosen: UnsafeMutableBufferPointer(rebasing: ints[dims..<2 * dims]),
                                                extents: UnsafeMutableBufferPointer(
                                                    rebasing: ints[2 * dims..<3 * dims]),
                                                closed: UnsafeMutableBufferPointer(
                                                    rebasing: doubles[0..<(dims + 1) * operandCount]),
                                                pending: UnsafeMutableBufferPointer(
                                                    rebasing: doubles[
                                                        (dims + 1) * operandCount..<(2 * dims + 1)
                                                            * operandCount]),
                                                grownClosed: UnsafeMutableBufferPointer(
                                                    rebasing: doubles[(2 * dims + 1) * operandCount..<doubles.count]),
                                                limit: limit.multipliedReportingOverflow(by: dims).overflow
                                                    ? Int.max : limit * dims)
                                            walk.prepare()
                                            walk.pick(0)
                                            return walk.found
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Which index axes of each operand the tiling walk evaluates at which step. The walk picks
/// dimensions in order, so for dimension d an axis is *closed* once its highest dimension is
/// picked (its span no longer changes), *live* while d lies between its lowest and highest
/// dimensions, and *pending* before its lowest. A projection's axes are one dimension each:
/// an axis is live only at its own dimension, and the walk costs one span per operand per step.
struct AxisGroups {
    /// Axis positions, grouped: `items[starts[key] ..< starts[key + 1]]`.
    let items: [Int]
    let starts: [Int]

    /// The groups of a problem's operands.
    init(operands: [ProblemOperand], dims: Int) {
        var items: [Int] = []
        var starts: [Int] = [0]
        func group(_ member: (_ low: Int, _ high: Int) -> Bool) {
            for operand in operands {
                for (axis, index) in operand.indices.enumerated() {
                    let dimensions = index.map(\.dimension)
                    if member(dimensions.min() ?? 0, dimensions.max() ?? 0) { items.append(axis) }
                }
                starts.append(items.count)
            }
        }
        for d in 0..<dims { group { _, high in high == d } }  // closed by picking d
        for d in 0..<dims { group { low, high in low <= d && d <= high } }  // live at d
        for d in 0..<dims { group { low, _ in low > d } }  // pending at d
        group { _, high in high < dims - 2 }  // closed before the last two
        group { _, high in high >= dims - 2 }  // spanning one of the last two
        self.items = items
        self.starts = starts
    }

    /// The groups as the walk reads them.
    struct View {
        let items: UnsafeBufferPointer<Int>
        let starts: UnsafeBufferPointer<Int>
        let dims: Int
        let operandCount: Int

        @inline(__always) func axes(_ key: Int) -> UnsafeBufferPointer<Int> {
            UnsafeBufferPointer(rebasing: items[starts[key]..<starts[key + 1]])
        }
        /// Operand o's axes whose highest dimension is d.
        @inline(__always) func closing(_ d: Int, _ o: Int) -> UnsafeBufferPointer<Int> { axes(d * operandCount + o) }
        /// Operand o's axes live at d: their lowest dimension at or before d, their highest at or after.
        @inline(__always) func live(_ d: Int, _ o: Int) -> UnsafeBufferPointer<Int> {
            axes((dims + d) * operandCount + o)
        }
        /// Operand o's axes whose lowest dimension comes after d.
        @inline(__always) func pending(_ d: Int, _ o: Int) -> UnsafeBufferPointer<Int> {
            axes((2 * dims + d) * operandCount + o)
        }
        /// Operand o's axes that involve neither of the last two dimensions.
        @inline(__always) func head(_ o: Int) -> UnsafeBufferPointer<Int> { axes(3 * dims * operandCount + o) }
        /// Operand o's axes that involve one of the last two dimensions.
        @inline(__always) func tail(_ o: Int) -> UnsafeBufferPointer<Int> {
            axes((3 * dims + 1) * operandCount + o)
        }
    }
}

/// The walk that finds one level's maximal tiles. Footprints grow with every extent, so it
/// picks the outer dimensions' extents in turn (each from the largest that fits with the rest
/// at 1) and walks the last two as a staircase. It keeps, per dimension, each operand's bytes
/// over its closed axes, so testing one more extent costs the spans of the live axes (one
/// per operand for a projection). Every span is `ProblemOperand.span` of the tile's extents.
private struct FrontierWalk {
    let dims: Int
    let operandCount: Int
    let operands: UnsafeBufferPointer<ProblemOperand>
    /// Whether this level holds each operand.
    let held: UnsafeBufferPointer<Bool>
    /// Each dimension's spatial extent at and below this level.
    let spatial: UnsafeBufferPointer<Int>
    let groups: AxisGroups.View
    let capacity: Double
    /// Every dimension's candidate extents, largest first: `candidates[starts[d] ..< starts[d + 1]]`.
    let candidates: UnsafeBufferPointer<Int>
    let starts: UnsafeBufferPointer<Int>
    /// The tile being built (temporal extents), and each extent's index among its candidates.
    let tile: UnsafeMutableBufferPointer<Int>
    let chosen: UnsafeMutableBufferPointer<Int>
    /// The extents the tile spans (temporal times spatial): the dimensions picked so far as
    /// picked, the one being tried, and the rest at one temporal step.
    let extents: UnsafeMutableBufferPointer<Int>
    /// `closed[d * operandCount + o]`: operand o's word bytes times the spans of its axes
    /// closed before d, as picked.
    let closed: UnsafeMutableBufferPointer<Double>
    /// `pending[d * operandCount + o]`: the spans of operand o's axes pending at d, all at one
    /// temporal step (they do not change until the walk reaches them).
    let pending: UnsafeMutableBufferPointer<Double>
    /// `grownClosed[d * operandCount + o]`, during a walk of the last two dimensions: operand
    /// o's word bytes times the spans of its `head` axes with dimension d at its next larger
    /// extent and the other outer ones as picked.
    let grownClosed: UnsafeMutableBufferPointer<Double>
    /// Most values (tiles x dims) to find.
    let limit: Int
    /// The maximal tiles found, flat.
    var found: [Int] = []

    @inline(__always) func candidate(_ d: Int, _ index: Int) -> Int { candidates[starts[d] + index] }
    @inline(__always) func candidateCount(_ d: Int) -> Int { starts[d + 1] - starts[d] }

    /// The product of operand o's spans over some of its axes, at the current extents.
    @inline(__always) func spans(_ o: Int, _ axes: UnsafeBufferPointer<Int>) -> Double {
        var size = 1.0
        for axis in axes { size *= Double(operands[o].span(axis, UnsafeBufferPointer(extents))) }
        return size
    }

    /// Sets up `closed` for the first dimension and `pending` for all, every extent at one step.
    func prepare() {
        for d in 0..<dims { extents[d] = spatial[d] }
        for o in 0..<operandCount {
            closed[o] = held[o] ? Double(operands[o].wordBits) / 8 : 0
            for d in 0..<dims { pending[d * operandCount + o] = spans(o, groups.pending(d, o)) }
        }
    }

    /// Whether the tile fits with the extents before d as picked, d at `extent` and the rest at 1.
    @inline(__always) func fits(_ d: Int, _ extent: Int) -> Bool {
        extents[d] = extent * spatial[d]
        var bytes = 0.0
        for o in 0..<operandCount where held[o] {
            bytes += closed[d * operandCount + o] * pending[d * operandCount + o] * spans(o, groups.live(d, o))
        }
        return bytes <= capacity
    }

    /// Records `extent` as dimension d's, and the closed bytes that follow for the next dimension.
    @inline(__always) func set(_ d: Int, _ extent: Int) {
        tile[d] = extent
        extents[d] = extent * spatial[d]
        for o in 0..<operandCount {
            closed[(d + 1) * operandCount + o] = closed[d * operandCount + o] * spans(o, groups.closing(d, o))
        }
    }

    /// The first candidate index of d that fits (the fitting ones are a suffix), or nil.
    func firstFitting(_ d: Int) -> Int? {
        var (low, high) = (0, candidateCount(d) - 1)
        guard fits(d, candidate(d, high)) else { return nil }
        while low < high {
            let middle = (low + high) / 2
            if fits(d, candidate(d, middle)) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Readies `isMaximal` for a walk of the last two dimensions: each outer dimension's
    /// closed bytes with it grown to its next larger extent.
    func prepareGrowth() {
        let a = dims - 2
        for d in 0..<a where chosen[d] > 0 {
            let kept = extents[d]
            extents[d] = candidate(d, chosen[d] - 1) * spatial[d]
            for o in 0..<operandCount {
                grownClosed[d * operandCount + o] = closed[o] * spans(o, groups.head(o))
            }
            extents[d] = kept
        }
    }

    /// Maximal: no dimension before the last two (which the walk keeps maximal) can take its
    /// next larger extent and still fit.
    func isMaximal(_ extentA: Int, _ extentB: Int) -> Bool {
        for d in 0..<(dims - 2) where chosen[d] > 0 {
            let kept = extents[d]
            extents[d] = candidate(d, chosen[d] - 1) * spatial[d]
            let bytes = lastTwoBytes(grownClosed, row: d, extentA, extentB)
            extents[d] = kept
            if bytes <= capacity { return false }
        }
        return true
    }

    /// A tile's bytes from one row of per-operand closed bytes (`rows[row * operandCount + o]`,
    /// over the axes that involve neither of the last two dimensions) and the last two
    /// dimensions' extents.
    @inline(__always)
    func lastTwoBytes(_ rows: UnsafeMutableBufferPointer<Double>, row: Int, _ extentA: Int, _ extentB: Int) -> Double {
        let (a, b) = (dims - 2, dims - 1)
        extents[a] = extentA * spatial[a]
        extents[b] = extentB * spatial[b]
        var bytes = 0.0
        for o in 0..<operandCount where held[o] {
            bytes += rows[row * operandCount + o] * spans(o, groups.tail(o))
        }
        return bytes
    }

    /// Picks dimension d's extents in turn, largest first, and the ones after it for each.
    mutating func pick(_ d: Int) {
        guard found.count < limit else { return }
        for e in d..<dims { extents[e] = spatial[e] }
        if dims == 1 {
            if let first = firstFitting(0) {
                set(0, candidate(0, first))
                found.append(contentsOf: tile)
            }
            return
        }
        if d == dims - 2 {
            walkLastTwo()
            return
        }
        guard let first = firstFitting(d) else { return }
        for index in first..<candidateCount(d) {
            set(d, candidate(d, index))
            chosen[d] = index
            pick(d + 1)
        }
    }

    /// The last two dimensions as a staircase: as the second-last shrinks, the largest last
    /// extent that fits can only grow, and a step is maximal in both exactly when the last one
    /// grew (or at the first step).
    mutating func walkLastTwo() {
        let (a, b) = (dims - 2, dims - 1)
        guard let firstA = firstFitting(a) else { return }
        set(a, candidate(a, firstA))
        guard var lastB = firstFitting(b) else { return }
        prepareGrowth()
        var previous = Int.max
        for index in firstA..<candidateCount(a) {
            let extentA = candidate(a, index)
            while lastB > 0 && lastTwoBytes(closed, row: a, extentA, candidate(b, lastB - 1)) <= capacity {
                lastB -= 1
            }
            guard lastB < previous else { continue }
            previous = lastB
            tile[a] = extentA
            tile[b] = candidate(b, lastB)
            chosen[a] = index
            chosen[b] = lastB
            if isMaximal(extentA, tile[b]) { found.append(contentsOf: tile) }
            guard found.count < limit else { return }
        }
    }
}
