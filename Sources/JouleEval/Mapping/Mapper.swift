import Dispatch
import Foundation
import JouleSpec

/// The best mapping the search found, with what the search did.
public struct MapperResult: Sendable {
    /// The winning mapping.
    public var mapping: Mapping
    /// Its counts and cost.
    public var cost: OperatorCost
    /// Complete mappings evaluated.
    public var evaluated: Int
    /// Tilings that passed the capacity check.
    public var validTilings: Int
    /// Wall-clock seconds the search took.
    public var searchSeconds: Double
    /// Of those, the seconds spent enumerating tilings (the rest evaluates mappings).
    public var tilingSeconds: Double
}

/// Searches mappings of a GEMM-family problem onto an accelerator.
///
/// The spatial loops follow the dataflow: weight stationary puts K on the array's rows and N
/// on its columns (M streams), output stationary M and N (K streams), input stationary K and
/// M (N streams); levels whose fanout matches only the rows or only the columns take that one
/// dimension, and MACs inside a PE split K. The temporal tiling is searched: every level's tile
/// extents are even (or nearly even) splits of the level above, only maximal tiles are kept,
/// and each is checked against every level's capacity before anything is evaluated (imperfect
/// factors are allowed: the padding shows as lost utilization). For each tiling, each level's
/// loop order is chosen by coordinate descent over which dimension runs innermost, since only
/// the innermost loops change what a level re-fetches.
public struct Mapper: Sendable {
    /// The accelerator.
    public var hardware: Accelerator
    /// What to minimise.
    public var objective: Objective
    /// Most tilings evaluated per dataflow (the search stops there; the README says so).
    public var tilingBudget: Int
    /// The operating point mappings are costed at.
    public var operatingPoint: OperatingPoint

    /// A mapper for a hardware and objective at its nominal operating point.
    public init(
        hardware: Accelerator, objective: Objective = .energy, tilingBudget: Int = 400,
        operatingPoint: OperatingPoint? = nil
    ) {
        self.hardware = hardware
        self.objective = objective
        self.tilingBudget = tilingBudget
        self.operatingPoint =
            operatingPoint ?? hardware.operatingPoints.first
            ?? OperatingPoint(frequency: hardware.clock, voltage: hardware.nominalVoltage.value)
    }

    /// The dims of a dataflow for a GEMM problem (G, H, M, N, K): (rows, cols).
    static func arrayDims(_ dataflow: Dataflow) -> (rows: Int, cols: Int) {
        switch dataflow {
        case .weightStationary: return (4, 3)
        case .outputStationary: return (2, 3)
        case .inputStationary: return (4, 2)
        }
    }

    /// The best mapping over the allowed dataflows (nil: every dataflow the array supports).
    public func best(problem: Problem, macPrecision: Precision, dataflow: Dataflow? = nil) throws(MappingError)
        -> MapperResult
    {
        let start = DispatchTime.now().uptimeNanoseconds
        let dataflows = dataflow.map { [$0] } ?? hardware.compute.dataflows
        if let dataflow, !hardware.compute.dataflows.contains(dataflow) {
            throw MappingError(
                message:
                    "\(hardware.name) does not support \(dataflow) (it supports \(hardware.compute.dataflows.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard let support = hardware.compute.precisions[macPrecision] else {
            throw MappingError(
                message:
                    "\(hardware.name) has no \(macPrecision) MACs (it supports \(hardware.compute.supportedPrecisions.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard problem.isGEMMFamily else {
            throw MappingError(
                message: "the mapper searches GEMM-family problems (G, H, M, N, K); pin a mapping for other shapes")
        }
        let table: CostTable
        do {
            table = try CostTable(hardware: hardware, precision: macPrecision, at: operatingPoint)
        } catch {
            throw MappingError(message: error.message)
        }
        var best: (score: Double, mapping: Mapping)?
        var evaluated = 0
        var valid = 0
        var tilingNanoseconds: UInt64 = 0
        for flow in dataflows {
            let spatial = spatialLoops(problem: problem, dataflow: flow, macsPerPE: support.macsPerPEPerCycle)
            let holds = holdMatrix(problem)
            let enumeration = DispatchTime.now().uptimeNanoseconds
            let tilings = self.tilings(problem: problem, spatial: spatial, holds: holds)
            tilingNanoseconds += DispatchTime.now().uptimeNanoseconds - enumeration
            valid += tilings.count
            for tiling in tilings {
                let choices = orderChoices(tiling)
                // The nest with M innermost where M loops, else the last looping dimension.
                var orders = choices.map { $0.contains(2) ? 2 : ($0.last ?? 2) }
                var current = evaluate(
                    problem, tiling: tiling, spatial: spatial, orders: orders, dataflow: flow, holds: holds,
                    table: table)
                evaluated += 1
                for _ in 0..<2 {
                    var improved = false
                    for level in choices.indices {
                        for innermost in choices[level] where innermost != orders[level] {
                            var trial = orders
                            trial[level] = innermost
                            let candidate = evaluate(
                                problem, tiling: tiling, spatial: spatial, orders: trial, dataflow: flow, holds: holds,
                                table: table)
                            evaluated += 1
                            if let c = candidate, c.score < (current?.score ?? .infinity) {
                                current = c
                                orders = trial
                                improved = true
                            }
                        }
                    }
                    // A pass that changed nothing would only repeat itself.
                    if !improved { break }
                }
                if let current, current.score < (best?.score ?? .infinity) { best = current }
            }
        }
        guard let best,
            let cost = try? EnergyModel.cost(
                counts: ReuseAnalysis.counts(problem: problem, mapping: best.mapping, holds: holdMatrix(problem)),
                mapping: best.mapping, problem: problem, macPrecision: macPrecision, hardware: hardware,
                at: operatingPoint)
        else {
            let spatial = spatialLoops(
                problem: problem, dataflow: dataflows[0], macsPerPE: support.macsPerPEPerCycle)
            throw MappingError(
                message: "no mapping of \(problem.bounds) fits \(hardware.name): "
                    + smallestOverflow(problem: problem, spatial: spatial, holds: holdMatrix(problem)))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return MapperResult(
            mapping: best.mapping, cost: cost, evaluated: evaluated, validTilings: valid, searchSeconds: seconds,
            tilingSeconds: Double(tilingNanoseconds) / 1e9)
    }

    /// Spatial loops per level for a dataflow: (X loops, Y loops) per level.
    func spatialLoops(problem: Problem, dataflow: Dataflow, macsPerPE: Int) -> [(x: [Loop], y: [Loop])] {
        let fanout = ReuseAnalysis.fanouts(hardware, macsPerPE: macsPerPE)
        let (rowDim, colDim) = Self.arrayDims(dataflow)
        var remaining = problem.bounds
        let rows = hardware.compute.rows
        let cols = hardware.compute.cols
        return hardware.memory.indices.map { i in
            var x: [Loop] = []
            var y: [Loop] = []
            let f = fanout[i]
            func take(_ d: Int, _ capacity: Int) -> Loop? {
                let factor = min(remaining[d], capacity)
                guard factor > 1 else { return nil }
                remaining[d] = (remaining[d] + factor - 1) / factor
                return Loop(d, factor)
            }
            if i == hardware.memory.count - 1 && macsPerPE > 1 {
                let pes = f / macsPerPE
                if pes == rows * cols && pes > 1 {
                    if let loop = take(rowDim, rows) { x.append(loop) }
                    if let loop = take(colDim, cols) { y.append(loop) }
                } else if pes > 1, let loop = take(rowDim, pes) {
                    x.append(loop)
                }
                if let loop = take(4, macsPerPE) { y.append(loop) }
            } else if f == rows * cols && f > 1 {
                if let loop = take(rowDim, rows) { x.append(loop) }
                if let loop = take(colDim, cols) { y.append(loop) }
            } else if f == rows && f > 1 {
                if let loop = take(rowDim, rows) { x.append(loop) }
            } else if f == cols && f > 1 {
                if let loop = take(colDim, cols) { y.append(loop) }
            } else if f > 1 {
                if let loop = take(rowDim, f) { x.append(loop) }
            }
            return (x, y)
        }
    }

    /// The tile extents a level may take along one dimension inside a parent extent, largest
    /// first: the parent split into 1, 2, 3, 4, 6, 8, 12, 16, ... steps (powers of two and
    /// three times them), rounded up, so every tile divides its parent evenly or nearly so.
    static func tileExtents(inside parent: Int) -> [Int] {
        var values = [parent]
        var power = 2
        while values[values.count - 1] > 1 {
            for steps in [power, power + power / 2] {
                let extent = (parent + steps - 1) / steps
                if extent < values[values.count - 1] { values.append(extent) }
            }
            power *= 2
        }
        return values
    }

    /// Tile extents (temporal, per dim) for every level, outermost first, that fit every
    /// capacity, at most `tilingBudget` of them. Each inner level takes only maximal tiles:
    /// ones that no dimension can grow to its next extent and still fit (a larger tile seldom
    /// refetches more from the level above).
    func tilings(problem: Problem, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]]) -> [[[Int]]] {
        let levels = hardware.memory.count
        let dims = problem.bounds.count
        // Spatial extent per dim at or below each level.
        var spatialBelow = [[Int]](repeating: [Int](repeating: 1, count: dims), count: levels + 1)
        for i in stride(from: levels - 1, through: 0, by: -1) {
            spatialBelow[i] = spatialBelow[i + 1]
            for loop in spatial[i].x + spatial[i].y { spatialBelow[i][loop.dimension] *= loop.bound }
        }
        let temporalBound = (0..<dims).map { d in (problem.bounds[d] + spatialBelow[0][d] - 1) / spatialBelow[0][d] }
        // A GEMM-family operand's footprint is the product of its dimensions' extents: per
        // level, each held operand's dimensions as a bit mask (0: not held) and its word bytes.
        let operandCount = problem.operands.count
        var masks = [UInt32](repeating: 0, count: levels * operandCount)
        for i in 0..<levels {
            for (o, operand) in problem.operands.enumerated() where holds[o][i] {
                masks[i * operandCount + o] = operand.relevance
            }
        }
        let wordBytes = problem.operands.map { Double($0.wordBits) / 8 }
        let spatialFlat = spatialBelow.prefix(levels).flatMap { $0 }
        let capacity = hardware.memory.map(\.size.si)
        func fits(_ level: Int, _ tile: [Int]) -> Bool {
            var bytes = 0.0
            for o in 0..<operandCount {
                let mask = masks[level * operandCount + o]
                guard mask != 0 else { continue }
                var size = wordBytes[o]
                for d in 0..<dims where mask & (1 << UInt32(d)) != 0 {
                    size *= Double(tile[d] * spatialFlat[level * dims + d])
                }
                bytes += size
            }
            return bytes <= capacity[level]
        }
        if levels == 1 {
            return fits(0, temporalBound) ? [[temporalBound]] : []
        }
        var extentsInside: [Int: [Int]] = [:]
        func extents(inside parent: Int) -> [Int] {
            if let known = extentsInside[parent] { return known }
            let values = Self.tileExtents(inside: parent)
            extentsInside[parent] = values
            return values
        }
        // Each level's maximal tiles inside its parent's tile, largest extents of the outer
        // dimensions first (at most `frontierLimit` of them).
        let frontierLimit = max(4096, tilingBudget * 32)
        func maximalTiles(_ level: Int, inside parent: [Int]) -> [[Int]] {
            let candidates = parent.map { extents(inside: $0) }
            var found: [[Int]] = []
            var tile = [Int](repeating: 1, count: dims)
            var chosen = [Int](repeating: 0, count: dims)  // index into candidates, per dim
            // Footprints grow with every extent, so the fitting values of a dimension (the
            // ones after it at 1) are a suffix of its candidates, largest first: the first
            // index whose value fits.
            func firstFitting(_ d: Int) -> Int? {
                var (low, high) = (0, candidates[d].count - 1)
                tile[d] = candidates[d][high]
                guard fits(level, tile) else { return nil }
                while low < high {
                    let middle = (low + high) / 2
                    tile[d] = candidates[d][middle]
                    if fits(level, tile) { high = middle } else { low = middle + 1 }
                }
                return low
            }
            // Maximal: no dimension before the last two (which the walk below keeps maximal)
            // can take its next larger extent and still fit.
            func isMaximal() -> Bool {
                for d in 0..<(dims - 2) where chosen[d] > 0 {
                    let kept = tile[d]
                    tile[d] = candidates[d][chosen[d] - 1]
                    let grows = fits(level, tile)
                    tile[d] = kept
                    if grows { return false }
                }
                return true
            }
            // The last two dimensions as a staircase: as the second-last shrinks, the largest
            // last extent that fits can only grow, and a step is maximal in both exactly when
            // the last one grew (or at the first step).
            func walkLastTwo() {
                let (a, b) = (dims - 2, dims - 1)
                guard let firstA = firstFitting(a) else { return }
                tile[a] = candidates[a][firstA]
                guard var lastB = firstFitting(b) else { return }
                var previous = Int.max
                for index in firstA..<candidates[a].count {
                    tile[a] = candidates[a][index]
                    while lastB > 0 {
                        tile[b] = candidates[b][lastB - 1]
                        guard fits(level, tile) else { break }
                        lastB -= 1
                    }
                    tile[b] = candidates[b][lastB]
                    guard lastB < previous else { continue }
                    previous = lastB
                    chosen[a] = index
                    chosen[b] = lastB
                    if isMaximal() { found.append(tile) }
                    guard found.count < frontierLimit else { return }
                }
            }
            func pick(_ d: Int) {
                guard found.count < frontierLimit else { return }
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
        var results: [[[Int]]] = []
        var current = [[Int]](repeating: temporalBound, count: levels)
        // Level 0 (outermost) holds everything. Each inner level takes up to `budget` of its
        // maximal tiles, evenly spaced, and shares the budget among them for the levels below,
        // so the outer levels' choices, which move the most data, are the most varied.
        func choose(_ level: Int, budget: Int) {
            if level == levels {
                // A tile that does not divide its parent pads it (the parent loops ceil(P / t)
                // times), so each level's tile as the nest will span it must fit too.
                var spans = [Int](repeating: 1, count: dims)
                for i in stride(from: levels - 1, through: 1, by: -1) {
                    for d in 0..<dims {
                        let inner = i + 1 < levels ? current[i + 1][d] : 1
                        spans[d] *= (current[i][d] + inner - 1) / inner
                    }
                    guard fits(i, spans) else { return }
                }
                results.append(current)
                return
            }
            let frontier = maximalTiles(level, inside: current[level - 1])
            guard !frontier.isEmpty else { return }
            let count = min(budget, frontier.count)
            for j in 0..<count {
                current[level] = frontier[j * frontier.count / count]
                choose(level + 1, budget: budget / count + (j < budget % count ? 1 : 0))
            }
        }
        choose(1, budget: tilingBudget)
        return results
    }

    /// Why no tiling fits: the first level whose smallest possible tiles (one step of every
    /// temporal loop below it, the spatial loops as the dataflow fixes them) exceed its size.
    func smallestOverflow(problem: Problem, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]]) -> String {
        let dims = problem.bounds.count
        var extents = [Int](repeating: 1, count: dims)
        // Level 0 holds the whole problem; inner levels at least their spatial share.
        var levels: [(index: Int, extents: [Int])] = []
        for i in stride(from: hardware.memory.count - 1, through: 0, by: -1) {
            for loop in spatial[i].x + spatial[i].y { extents[loop.dimension] *= loop.bound }
            levels.append((i, i == 0 ? problem.bounds : extents))
        }
        for (i, tile) in levels.reversed() {
            let (bytes, parts) = ReuseAnalysis.heldTileBytes(problem: problem, extents: tile, holds: holds, level: i)
            let level = hardware.memory[i]
            if bytes > level.size.si {
                let when = i == 0 ? "as the outermost level, the whole problem" : "even at the smallest tiles"
                return
                    "\(level.name) holds \(parts.joined(separator: ", ")) (\(when)), \(Bytes(si: bytes)) in all, but its size is \(level.size); give it more size, or let it hold fewer operands with holds:"
            }
        }
        return "every tiling exceeds a level's size"
    }

    /// The innermost dimensions worth trying at each level of a tiling: the ones among M, N
    /// and K with a temporal loop there, when two or more do (otherwise every order builds the
    /// same nest). The innermost level gets none: its order changes no count, since a level's
    /// loops only decide how often the levels below it are refilled.
    func orderChoices(_ tiling: [[Int]]) -> [[Int]] {
        tiling.indices.map { i in
            guard i + 1 < tiling.count else { return [] }
            let looped = [2, 3, 4].filter { d in (tiling[i][d] + tiling[i + 1][d] - 1) / tiling[i + 1][d] > 1 }
            return looped.count > 1 ? looped : []
        }
    }

    /// Builds the mapping of a tiling with each level's chosen innermost dimension, and costs it.
    func evaluate(
        _ problem: Problem, tiling: [[Int]], spatial: [(x: [Loop], y: [Loop])], orders: [Int], dataflow: Dataflow,
        holds: [[Bool]], table: CostTable
    ) -> (score: Double, mapping: Mapping)? {
        let levels = tiling.count
        let dims = problem.bounds.count
        var mapping = Mapping(levels: [], dataflow: dataflow)
        mapping.levels.reserveCapacity(levels)
        for i in 0..<levels {
            let inner = i + 1 < levels ? tiling[i + 1] : [Int](repeating: 1, count: dims)
            var loops: [Loop] = (0..<dims).compactMap { d in
                let factor = (tiling[i][d] + inner[d] - 1) / inner[d]
                return factor > 1 ? Loop(d, factor) : nil
            }
            let innermost = orders[i]
            loops.sort { a, b in
                (a.dimension == innermost ? 1 : 0, a.dimension) < (b.dimension == innermost ? 1 : 0, b.dimension)
            }
            mapping.levels.append(LevelMapping(temporal: loops, spatialX: spatial[i].x, spatialY: spatial[i].y))
        }
        let counts = ReuseAnalysis.counts(problem: problem, mapping: mapping, holds: holds)
        let (energy, seconds) = table.energyAndSeconds(counts, problem: problem, dataflow: dataflow)
        return (objective.score(energy: energy, seconds: seconds), mapping)
    }

    /// Which levels can hold each operand.
    func holdMatrix(_ problem: Problem) -> [[Bool]] {
        problem.operands.map { operand in hardware.memory.map { $0.holds.contains(operand.operand) } }
    }
}
