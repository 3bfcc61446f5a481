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
            let frontier = maximalTiles(level, inside: parent, limit: frontierLimit)
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
        let candidates = parent.map { Mapper.tileExtents(inside: $0) }
        var found: [Int] = []
        var tile = [Int](repeating: 1, count: dims)
        var chosen = [Int](repeating: 0, count: dims)  // index into candidates, per dim
        func fitsNow() -> Bool { tile.withUnsafeBufferPointer { fits(level, $0) } }
        // Footprints grow with every extent, so the fitting values of a dimension (the ones
        // after it at 1) are a suffix of its candidates, largest first: the first index whose
        // value fits.
        func firstFitting(_ d: Int) -> Int? {
            var (low, high) = (0, candidates[d].count - 1)
            tile[d] = candidates[d][high]
            guard fitsNow() else { return nil }
            while low < high {
                let middle = (low + high) / 2
                tile[d] = candidates[d][middle]
                if fitsNow() { high = middle } else { low = middle + 1 }
            }
            return low
        }
        // Maximal: no dimension before the last two (which the walk below keeps maximal) can
        // take its next larger extent and still fit.
        func isMaximal() -> Bool {
            for d in 0..<(dims - 2) where chosen[d] > 0 {
                let kept = tile[d]
                tile[d] = candidates[d][chosen[d] - 1]
                let grows = fitsNow()
                tile[d] = kept
                if grows { return false }
            }
            return true
        }
        // The last two dimensions as a staircase: as the second-last shrinks, the largest last
        // extent that fits can only grow, and a step is maximal in both exactly when the last
        // one grew (or at the first step). With the other extents fixed, a tile's bytes are
        // a sum over operands of a fixed part times the last two extents each operand has.
        var fixedParts = [Double](repeating: 0, count: operandCount)
        func walkLastTwo() {
            let (a, b) = (dims - 2, dims - 1)
            guard let firstA = firstFitting(a) else { return }
            tile[a] = candidates[a][firstA]
            guard var lastB = firstFitting(b) else { return }
            var hasA: UInt32 = 0
            var hasB: UInt32 = 0
            for o in 0..<operandCount {
                let mask = masks[level * operandCount + o]
                var part = mask == 0 ? 0 : scales[level * operandCount + o]
                var rest = mask & ~(3 << UInt32(a))
                while rest != 0 {
                    part *= Double(tile[rest.trailingZeroBitCount])
                    rest &= rest - 1
                }
                fixedParts[o] = part
                if mask & (1 << UInt32(a)) != 0 { hasA |= 1 << UInt32(o) }
                if mask & (1 << UInt32(b)) != 0 { hasB |= 1 << UInt32(o) }
            }
            let limitBytes = capacity[level]
            func fitsPair(_ extentA: Int, _ extentB: Int) -> Bool {
                var bytes = 0.0
                for o in 0..<operandCount {
                    var size = fixedParts[o]
                    if hasA & (1 << UInt32(o)) != 0 { size *= Double(extentA) }
                    if hasB & (1 << UInt32(o)) != 0 { size *= Double(extentB) }
                    bytes += size
                }
                return bytes <= limitBytes
            }
            let extentsA = candidates[a]
            let extentsB = candidates[b]
            var previous = Int.max
            for index in firstA..<extentsA.count {
                let extentA = extentsA[index]
                while lastB > 0 && fitsPair(extentA, extentsB[lastB - 1]) { lastB -= 1 }
                guard lastB < previous else { continue }
                previous = lastB
                tile[a] = extentA
                tile[b] = extentsB[lastB]
                chosen[a] = index
                chosen[b] = lastB
                if isMaximal() { found.append(contentsOf: tile) }
                guard found.count < limit * dims else { return }
            }
        }
        func pick(_ d: Int) {
            guard found.count < limit * dims else { return }
            for e in d..<dims { tile[e] = 1 }
            if d == dims - 2 {
                walkLastTwo()
                return
            }
            guard let first = firstFitting(d) else { return }
            for index in first..<candidates[d].count {
                for e in (d + 1)..<dims { tile[e] = 1 }
                tile[d] = candidates[d][index]
                chosen[d] = index
                pick(d + 1)
            }
        }
        pick(0)
        return found
    }
}
