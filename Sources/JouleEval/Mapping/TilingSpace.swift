import JouleSpec

/// The temporal tilings of a GEMM-family problem on a memory hierarchy, given the spatial loops
/// a dataflow fixes: per level, the tile extent along every dimension, outermost level first.
///
/// Every level's tile extents are even (or nearly even) splits of the level above (see
/// `Mapper.tileExtents(inside:)`), and each inner level takes only maximal tiles: ones that no
/// dimension can grow to its next extent and still fit (a larger tile seldom refetches more
/// from the level above). A tiling is kept only if every level's tiles, padding included, fit
/// its size.
struct TilingSpace {
    /// Memory levels.
    let levels: Int
    /// Problem dimensions.
    let dims: Int
    /// The temporal extent of each dimension once the spatial loops are taken out.
    let temporalBound: [Int]
    /// Operands per level.
    private let operandCount: Int
    /// Per level and operand (`level * operandCount + operand`): the operand's dimensions as a
    /// bit mask (0: not held there).
    private let masks: [UInt32]
    /// Per level and operand: bytes per element times the spatial extents below the level
    /// along the operand's dimensions, so a tile's bytes are this times its temporal extents.
    private let scales: [Double]
    /// Each level's size in bytes.
    private let capacity: [Double]

    /// The space for a problem whose operands are all projections (as a GEMM's are).
    init(problem: Problem, hardware: Accelerator, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]]) {
        levels = hardware.memory.count
        dims = problem.bounds.count
        operandCount = problem.operands.count
        // Spatial extent per dim at or below each level.
        var spatialBelow = [[Int]](repeating: [Int](repeating: 1, count: dims), count: levels + 1)
        for i in stride(from: levels - 1, through: 0, by: -1) {
            spatialBelow[i] = spatialBelow[i + 1]
            for loop in spatial[i].x + spatial[i].y { spatialBelow[i][loop.dimension] *= loop.bound }
        }
        temporalBound = (0..<dims).map { d in (problem.bounds[d] + spatialBelow[0][d] - 1) / spatialBelow[0][d] }
        var masks = [UInt32](repeating: 0, count: levels * operandCount)
        var scales = [Double](repeating: 0, count: levels * operandCount)
        for i in 0..<levels {
            for (o, operand) in problem.operands.enumerated() where holds[o][i] {
                masks[i * operandCount + o] = operand.relevance
                var scale = Double(operand.wordBits) / 8
                for d in 0..<dims where operand.isRelevant(d) { scale *= Double(spatialBelow[i][d]) }
                scales[i * operandCount + o] = scale
            }
        }
        self.masks = masks
        self.scales = scales
        capacity = hardware.memory.map(\.size.si)
    }

    /// Whether tiles of these temporal extents fit a level.
    @inline(__always)
    func fits(_ level: Int, _ tile: UnsafeBufferPointer<Int>) -> Bool {
        var bytes = 0.0
        for o in 0..<operandCount {
            var mask = masks[level * operandCount + o]
            guard mask != 0 else { continue }
            var size = scales[level * operandCount + o]
            while mask != 0 {
                size *= Double(tile[mask.trailingZeroBitCount])
                mask &= mask - 1
            }
            bytes += size
        }
        return bytes <= capacity[level]
    }

    /// Up to `budget` tilings, flat: `values[(t * levels + i) * dims + d]` is tiling t's extent
    /// of dimension d at level i. Level 0 holds the whole problem; each inner level takes up to
    /// `budget` of its maximal tiles, evenly spaced, and shares the budget among them for the
    /// levels below, so the outer levels' choices, which move the most data, are the most varied.
    func enumerate(budget: Int) -> [Int] {
        var results: [Int] = []
        var current = [Int](repeating: 0, count: levels * dims)
        for i in 0..<levels { current.replaceSubrange(i * dims..<(i + 1) * dims, with: temporalBound) }
        guard levels > 1 else {
            return temporalBound.withUnsafeBufferPointer { fits(0, $0) } ? temporalBound : []
        }
        var spans = [Int](repeating: 1, count: dims)
        let frontierLimit = max(4096, budget * 32)
        func choose(_ level: Int, budget: Int) {
            if level == levels {
                // A tile that does not divide its parent pads it (the parent loops ceil(P / t)
                // times), so each level's tile as the nest will span it must fit too.
                for d in 0..<dims { spans[d] = 1 }
                for i in stride(from: levels - 1, through: 1, by: -1) {
                    for d in 0..<dims {
                        let inner = i + 1 < levels ? current[(i + 1) * dims + d] : 1
                        spans[d] *= (current[i * dims + d] + inner - 1) / inner
                    }
                    guard spans.withUnsafeBufferPointer({ fits(i, $0) }) else { return }
                }
                results.append(contentsOf: current)
                return
            }
            let parent = Array(current[(level - 1) * dims..<level * dims])
            // With one tile to take, the evenly spaced pick is the first: no need for the rest.
            let frontier = maximalTiles(level, inside: parent, limit: budget == 1 ? 1 : frontierLimit)
            let size = frontier.count / dims
            guard size > 0 else { return }
            let count = min(budget, size)
            for j in 0..<count {
                let chosen = j * size / count
                current.replaceSubrange(
                    level * dims..<(level + 1) * dims, with: frontier[chosen * dims..<(chosen + 1) * dims])
                choose(level + 1, budget: budget / count + (j < budget % count ? 1 : 0))
            }
        }
        choose(1, budget: budget)
        return results
    }

    /// A level's maximal tiles inside its parent's tile, flat (`dims` extents each), largest
    /// extents of the outer dimensions first, at most `limit` of them.
    func maximalTiles(_ level: Int, inside parent: [Int], limit: Int) -> [Int] {
        var candidates: [Int] = []
        candidates.reserveCapacity(dims * 2 * Int.bitWidth)
        var starts = [0]
        starts.reserveCapacity(dims + 1)
        for extent in parent {
            Mapper.forEachTileExtent(inside: extent) { candidates.append($0) }
            starts.append(candidates.count)
        }
        let levelOperands = level * operandCount..<(level + 1) * operandCount
        return masks.withUnsafeBufferPointer { masks in
            scales.withUnsafeBufferPointer { scales in
                candidates.withUnsafeBufferPointer { candidates in
                    starts.withUnsafeBufferPointer { starts in
                        withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * dims) { ints in
                            withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * dims * operandCount) {
                                doubles in
                                let parts = UnsafeMutableBufferPointer(rebasing: doubles[0..<dims * operandCount])
                                parts.update(repeating: 0)
                                for o in 0..<operandCount { parts[o] = scales[levelOperands.lowerBound + o] }
                                var walk = FrontierWalk(
                                    dims: dims, operandCount: operandCount,
                                    masks: UnsafeBufferPointer(rebasing: masks[levelOperands]),
                                    capacity: capacity[level], candidates: candidates, starts: starts,
                                    tile: UnsafeMutableBufferPointer(rebasing: ints[0..<dims]),
                                    chosen: UnsafeMutableBufferPointer(rebasing: ints[dims..<2 * dims]), parts: parts,
                                    grownParts: UnsafeMutableBufferPointer(
                                        rebasing: doubles[dims * operandCount..<doubles.count]),
                                    limit: limit * dims)
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

/// The walk that finds one level's maximal tiles. Footprints grow with every extent, so it
/// picks the outer dimensions' extents in turn (each from the largest that fits with the rest
/// at 1) and walks the last two as a staircase. It keeps, per dimension, each operand's bytes
/// for the extents picked so far, so testing one more extent costs a multiply per operand.
private struct FrontierWalk {
    let dims: Int
    let operandCount: Int
    /// This level's operand masks (0: not held).
    let masks: UnsafeBufferPointer<UInt32>
    let capacity: Double
    /// Every dimension's candidate extents, largest first: `candidates[starts[d] ..< starts[d + 1]]`.
    let candidates: UnsafeBufferPointer<Int>
    let starts: UnsafeBufferPointer<Int>
    /// The tile being built, and each extent's index among its candidates.
    let tile: UnsafeMutableBufferPointer<Int>
    let chosen: UnsafeMutableBufferPointer<Int>
    /// `parts[d * operandCount + o]`: operand o's bytes with the extents before d as picked
    /// and the rest at 1 (0 when the level does not hold it).
    let parts: UnsafeMutableBufferPointer<Double>
    /// `grownParts[d * operandCount + o]`, during a walk of the last two dimensions: operand
    /// o's bytes with dimension d at its next larger extent, the other outer ones as picked
    /// and the last two at 1.
    let grownParts: UnsafeMutableBufferPointer<Double>
    /// Most values (tiles x dims) to find.
    let limit: Int
    /// The maximal tiles found, flat.
    var found: [Int] = []

    @inline(__always) func candidate(_ d: Int, _ index: Int) -> Int { candidates[starts[d] + index] }
    @inline(__always) func candidateCount(_ d: Int) -> Int { starts[d + 1] - starts[d] }
    @inline(__always) func has(_ o: Int, _ d: Int) -> Bool { masks[o] & (1 << UInt32(d)) != 0 }

    /// Whether the tile fits with the extents before d as picked, d at `extent` and the rest at 1.
    @inline(__always) func fits(_ d: Int, _ extent: Int) -> Bool {
        var bytes = 0.0
        for o in 0..<operandCount {
            let part = parts[d * operandCount + o]
            bytes += has(o, d) ? part * Double(extent) : part
        }
        return bytes <= capacity
    }

    /// Records `extent` as dimension d's and the bytes that follow for the next dimension.
    @inline(__always) func set(_ d: Int, _ extent: Int) {
        tile[d] = extent
        for o in 0..<operandCount {
            let part = parts[d * operandCount + o]
            parts[(d + 1) * operandCount + o] = has(o, d) ? part * Double(extent) : part
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

    /// Readies `isMaximal` for a walk of the last two dimensions: each outer dimension's bytes
    /// grown to its next larger extent.
    func prepareGrowth() {
        let a = dims - 2
        for d in 0..<a where chosen[d] > 0 {
            let grown = candidate(d, chosen[d] - 1)
            for o in 0..<operandCount {
                var size = parts[o]
                var mask = masks[o] & ((1 << UInt32(a)) - 1)
                while mask != 0 {
                    let e = mask.trailingZeroBitCount
                    size *= Double(e == d ? grown : tile[e])
                    mask &= mask - 1
                }
                grownParts[d * operandCount + o] = size
            }
        }
    }

    /// Maximal: no dimension before the last two (which the walk keeps maximal) can take its
    /// next larger extent and still fit.
    func isMaximal(_ extentA: Int, _ extentB: Int) -> Bool {
        for d in 0..<(dims - 2) where chosen[d] > 0 {
            if lastTwoBytes(grownParts, row: d, extentA, extentB) <= capacity { return false }
        }
        return true
    }

    /// A tile's bytes from one row of per-operand bytes (`rows[row * operandCount + o]`, with
    /// the last two dimensions at 1) and the last two dimensions' extents.
    @inline(__always)
    func lastTwoBytes(_ rows: UnsafeMutableBufferPointer<Double>, row: Int, _ extentA: Int, _ extentB: Int) -> Double {
        let (a, b) = (dims - 2, dims - 1)
        var bytes = 0.0
        for o in 0..<operandCount {
            var size = rows[row * operandCount + o]
            if has(o, a) { size *= Double(extentA) }
            if has(o, b) { size *= Double(extentB) }
            bytes += size
        }
        return bytes
    }

    /// Picks dimension d's extents in turn, largest first, and the ones after it for each.
    mutating func pick(_ d: Int) {
        guard found.count < limit else { return }
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
            while lastB > 0 && lastTwoBytes(parts, row: a, extentA, candidate(b, lastB - 1)) <= capacity {
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
