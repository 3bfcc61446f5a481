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
}

/// Searches mappings of a GEMM-family problem onto an accelerator.
///
/// The spatial loops follow the dataflow: weight stationary puts K on the array's rows and N
/// on its columns (M streams), output stationary M and N (K streams), input stationary K and
/// M (N streams); levels whose fanout matches only the rows or only the columns take that one
/// dimension, and MACs inside a PE split K. The temporal tiling is searched: every level's tile
/// extents are drawn from powers of two and the full bound, nested inside the level above and
/// checked against each level's capacity before anything is evaluated (imperfect factors are
/// allowed: the padding shows as lost utilization). For each tiling, each level's loop order is
/// chosen by coordinate descent over which dimension runs innermost, since only the innermost
/// loops change what a level re-fetches.
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
        for flow in dataflows {
            let spatial = spatialLoops(problem: problem, dataflow: flow, macsPerPE: support.macsPerPEPerCycle)
            let holds = holdMatrix(problem)
            let tilings = self.tilings(problem: problem, spatial: spatial, holds: holds)
            valid += tilings.count
            for tiling in tilings {
                var orders = [Int](repeating: 2, count: hardware.memory.count)
                var current = evaluate(
                    problem, tiling: tiling, spatial: spatial, orders: orders, dataflow: flow, holds: holds,
                    table: table)
                evaluated += 1
                for _ in 0..<2 {
                    for level in hardware.memory.indices {
                        for innermost in [2, 3, 4] where innermost != orders[level] {
                            var trial = orders
                            trial[level] = innermost
                            let candidate = evaluate(
                                problem, tiling: tiling, spatial: spatial, orders: trial, dataflow: flow, holds: holds,
                                table: table)
                            evaluated += 1
                            if let c = candidate, c.score < (current?.score ?? .infinity) {
                                current = c
                                orders = trial
                            }
                        }
                    }
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
            mapping: best.mapping, cost: cost, evaluated: evaluated, validTilings: valid, searchSeconds: seconds)
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

    /// Tile extents (temporal, per dim) for every level, outermost first, that fit every
    /// capacity; at most `tilingBudget`, largest inner tiles first.
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
        let candidates: [[Int]] = temporalBound.map { bound in
            var values: [Int] = []
            var v = 1
            while v < bound {
                values.append(v)
                v *= 2
            }
            values.append(bound)
            return values.reversed()
        }
        var results: [[[Int]]] = []
        var current = [[Int]](repeating: temporalBound, count: levels)
        var full = [Int](repeating: 1, count: dims)
        func fits(_ level: Int, _ extents: [Int]) -> Bool {
            var bytes = 0.0
            for d in 0..<dims { full[d] = extents[d] * spatialBelow[level][d] }
            for (o, operand) in problem.operands.enumerated() where holds[o][level] {
                let size = full.withUnsafeBufferPointer { operand.footprint($0) }
                bytes += size * Double(operand.wordBits) / 8
            }
            return bytes <= hardware.memory[level].size.si
        }
        // Level 0 (outermost) holds everything; choose inner levels outermost-first, nested.
        func choose(_ level: Int) {
            guard results.count < tilingBudget else { return }
            if level == levels {
                results.append(current)
                return
            }
            let outer = current[level - 1]
            var extents = [Int](repeating: 1, count: dims)
            func pick(_ d: Int) {
                guard results.count < tilingBudget else { return }
                if d == dims {
                    if fits(level, extents) {
                        current[level] = extents
                        choose(level + 1)
                    }
                    return
                }
                for value in candidates[d] where value <= outer[d] {
                    extents[d] = value
                    // Footprints grow with every extent: if this value does not fit with the
                    // remaining dimensions at 1, no choice for them will.
                    for e in (d + 1)..<dims { extents[e] = 1 }
                    guard fits(level, extents) else { continue }
                    pick(d + 1)
                }
            }
            pick(0)
        }
        if levels == 1 {
            return fits(0, temporalBound) ? [current] : []
        }
        choose(1)
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
            var bytes = 0.0
            var parts: [String] = []
            for (o, operand) in problem.operands.enumerated() where holds[o][i] {
                let size = tile.withUnsafeBufferPointer { operand.footprint($0) } * Double(operand.wordBits) / 8
                bytes += size
                parts.append("\(operand.operand) \(Bytes(si: size))")
            }
            let level = hardware.memory[i]
            if bytes > level.size.si {
                let when = i == 0 ? "as the outermost level, the whole problem" : "even at the smallest tiles"
                return
                    "\(level.name) holds \(parts.joined(separator: ", ")) (\(when)), \(Bytes(si: bytes)) in all, but its size is \(level.size); give it more size, or let it hold fewer operands with holds:"
            }
        }
        return "every tiling exceeds a level's size"
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
