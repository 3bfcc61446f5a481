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
    /// Tilings costed: they fit every level and the branch and bound did not rule them out.
    public var validTilings: Int
    /// Spatial x keep/bypass pairs in the mapspace (over every dataflow tried).
    public var pairs: Int
    /// Of those, the pairs searched; the rest had a lower bound no better than the best mapping.
    public var searchedPairs: Int
    /// Wall-clock seconds the search took.
    public var searchSeconds: Double
    /// Of those, the seconds spent walking tilings and checking their bounds (the rest scores
    /// mappings).
    public var tilingSeconds: Double
    /// Whether the search covered its whole mapspace (every spatial and keep/bypass choice
    /// together, every maximal tiling and every loop order, searched or ruled out by a lower
    /// bound), so the mapping is that space's optimum; false where a tiling budget cut it
    /// short, or past `Mapper.wholeBypassChoices` keep/bypass choices.
    public var exhaustive: Bool
}

/// Searches mappings of a problem (any einsum) onto an accelerator.
///
/// The mapspace (README "The mapper"): each dataflow the array lists; each spatial choice
/// (`spatialChoices`: a systolic array's follow the dataflow by each dimension's role in the
/// operands, a parallel array's are searched); each keep/bypass choice (`bypassChoices`: what a
/// level may hold but need not); at every inner level each maximal tile whose extents are
/// divisors or even splits of the level above (`tileExtents`; every extent for the staircase's
/// first dimension, `TilingSpace.takesEveryExtent`) and that fits; and each level's loop
/// orders that can matter (`LoopOrders`). The search is a branch and bound: every spatial and
/// keep/bypass pair, and every branch of its tiling walk, has a lower bound
/// (`MappingLowerBound`), and what cannot beat the best mapping found is skipped, so the
/// default search returns the optimum of the whole space. A tiling budget (sweeps) cuts the
/// walk instead, and loop orders are then chosen by coordinate descent. `MapspaceConstraints`
/// narrow every part, and `MapperResult.exhaustive` says whether the whole space was covered.
public struct Mapper: Sendable {
    /// The accelerator.
    public var hardware: Accelerator
    /// What to minimise.
    public var objective: Objective
    /// Most tilings walked per spatial and keep/bypass pair, or `Mapper.wholeSpace` (the
    /// default) for all of them: a budget trades the optimum for speed, and the result says
    /// so (`MapperResult.exhaustive`).
    public var tilingBudget: Int
    /// The operating point mappings are costed at.
    public var operatingPoint: OperatingPoint
    /// Limits on the mapspace (none by default).
    public var constraints: MapspaceConstraints
    /// Whether the branch and bound skips what its lower bound rules out (the default). Off,
    /// the search evaluates every mapping of its mapspace and returns the same optimum, only
    /// slower: for measuring the evaluator (`make bench`) and checking the bound.
    public var pruning = true

    /// A mapper for a hardware and objective at its nominal operating point.
    public init(
        hardware: Accelerator, objective: Objective = .energy, tilingBudget: Int = Mapper.wholeSpace,
        operatingPoint: OperatingPoint? = nil, constraints: MapspaceConstraints = .none
    ) {
        self.hardware = hardware
        self.objective = objective
        self.tilingBudget = tilingBudget
        self.constraints = constraints
        self.operatingPoint =
            operatingPoint ?? hardware.operatingPoints.first
            ?? OperatingPoint(frequency: hardware.clock, voltage: hardware.nominalVoltage.value)
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
        let table: CostTable
        do {
            table = try CostTable(hardware: hardware, precision: macPrecision, at: operatingPoint)
        } catch {
            throw MappingError(message: error.message)
        }
        var best: (score: Double, mapping: Mapping, holds: [[Bool]])?
        var evaluated = 0
        var valid = 0
        var tilingNanoseconds: UInt64 = 0
        let baseHolds = holdMatrix(problem)
        let dims = problem.bounds.count
        let levels = hardware.memory.count
        let loopOrders = LoopOrders(problem: problem, constraints: constraints, levels: levels)
        let bits = bypassChoices(problem, holds: baseHolds)
        var scratch: [(key: Int, score: Double)] = []
        var exhaustive = true
        let memo = TilingMemo()
        /// Searches the tilings of one spatial choice and one keep/bypass choice, skipping every
        /// branch of the tiling walk whose lower bound is no better than the best mapping so far.
        func search(
            _ spatial: [(x: [Loop], y: [Loop])], _ bypassed: [Bool], _ flow: Dataflow, bound: MappingLowerBound
        ) {
            let holds = holdMatrix(problem, bypassing: bypassed, of: bits)
            let fixed = constraints.fixedFactors(levels: levels, dims: dims)
            let space = TilingSpace(
                problem: problem, hardware: hardware, spatial: spatial, holds: holds, fixed: fixed,
                everyExtent: constraints.everyExtent(levels: levels), memo: memo)
            let scorer = NestScorer(
                problem: problem, spatial: spatial, holds: holds, dataflow: flow, table: table, objective: objective)
            let size = levels * dims
            var bounds = [Int](repeating: 1, count: size)
            let budgeted = tilingBudget != Self.wholeSpace
            var walking: UInt64 = 0
            func visit(_ tiling: UnsafeBufferPointer<Int>) {
                let scoring = DispatchTime.now().uptimeNanoseconds
                valid += 1
                defer { walking += DispatchTime.now().uptimeNanoseconds - scoring }
                bounds.withUnsafeMutableBufferPointer { bounds in Self.loopBounds(tiling, dims: dims, into: bounds) }
                let choices = bounds.withUnsafeBufferPointer { bounds in
                    (0..<levels).map { loopOrders.choices(level: $0, bounds: bounds, dims: dims) }
                }
                let tileCounts = scorer.tileCounts(bounds)
                // Every order in a whole search; coordinate descent under a budget.
                let (current, orders) =
                    !budgeted
                    ? allOrders(bounds, choices: choices, scorer: scorer, tileCounts: tileCounts, evaluated: &evaluated)
                    : descendOrders(
                        bounds, choices: choices, scorer: scorer, tileCounts: tileCounts, scored: &scratch,
                        evaluated: &evaluated)
                if current < (best?.score ?? .infinity) {
                    let mapping = mapping(
                        bounds, dims: dims, spatial: spatial, orders: orders, dataflow: flow,
                        bypass: bypassSets(bypassed, of: bits))
                    best = (current, mapping, holds)
                }
            }
            // A budgeted walk is not whole even where the space is smaller than the budget:
            // its loop orders come from coordinate descent.
            let enumeration = DispatchTime.now().uptimeNanoseconds
            let complete =
                space.walk(
                    budget: tilingBudget, bound: { pruning ? bound.score($0, known: $1) : -.infinity },
                    cutoff: { best?.score ?? .infinity },
                    visit: visit) && budgeted == false
            tilingNanoseconds += DispatchTime.now().uptimeNanoseconds - enumeration - walking
            if !complete { exhaustive = false }
        }
        // Branch and bound over the pairs of a spatial choice and a keep/bypass choice: each
        // pair's lower bound (`MappingLowerBound`) holds for every tiling and order in it, so
        // the pairs are searched from the lowest bound up and the search stops at the first
        // bound no better than the best mapping found: what it skips cannot win.
        var pairs:
            [(
                flow: Dataflow, spatial: [(x: [Loop], y: [Loop])], bypassed: [Bool], bound: MappingLowerBound,
                score: Double
            )] =
                []
        let variants: [[Bool]]
        if bits.count <= Self.wholeBypassChoices {
            variants = (0..<(1 << bits.count)).map { variant in bits.indices.map { variant & (1 << $0) != 0 } }
        } else {
            // Too many to list: keeping everything, and each single bypass.
            exhaustive = false
            let keepAll = [Bool](repeating: false, count: bits.count)
            variants = [keepAll] + bits.indices.map { bit in bits.indices.map { $0 == bit } }
        }
        let capacities = hardware.memory.map(\.size.si)
        /// A level's reach (`MappingLowerBound.reach`) depends on the spatial choice and what
        /// the level holds, so pairs that share both share it.
        struct ReachKey: Hashable {
            var flow: Int
            var spatial: Int
            var level: Int
            var held: Int
        }
        var reaches: [ReachKey: [Int]] = [:]
        for (f, flow) in dataflows.enumerated() {
            let spatials = spatialChoices(problem: problem, dataflow: flow, macsPerPE: support.macsPerPEPerCycle)
                .filter(constraints.allows)
            let belows = spatials.map { TilingSpace.spatialBelow($0, dims: dims) }
            for bypassed in variants {
                let holds = holdMatrix(problem, bypassing: bypassed, of: bits)
                for (s, spatial) in spatials.enumerated() {
                    var reach: [Int] = []
                    reach.reserveCapacity(levels * dims)
                    for i in 0..<levels {
                        var held = 0
                        for o in holds.indices where holds[o][i] { held |= 1 << o }
                        let key = ReachKey(flow: f, spatial: s, level: i, held: held)
                        if reaches[key] == nil {
                            reaches[key] = MappingLowerBound.reach(
                                problem: problem, level: i, holds: holds, below: belows[s], capacity: capacities[i])
                        }
                        reach += reaches[key] ?? []
                    }
                    let bound = MappingLowerBound(
                        problem: problem, spatial: spatial, holds: holds, dataflow: flow, table: table,
                        objective: objective, orders: loopOrders, capacities: capacities, reach: reach)
                    // Only level 0's tile is known: the whole problem over the spatial loops.
                    var top = problem.bounds
                    for loop in spatial.flatMap({ $0.x + $0.y }) {
                        top[loop.dimension] = (top[loop.dimension] + loop.bound - 1) / loop.bound
                    }
                    pairs.append(
                        (flow, spatial, bypassed, bound, top.withUnsafeBufferPointer { bound.score($0, known: 1) }))
                }
            }
        }
        pairs.sort { $0.score < $1.score }
        var searchedPairs = 0
        for pair in pairs {
            if pruning && pair.score >= (best?.score ?? .infinity) { break }
            search(pair.spatial, pair.bypassed, pair.flow, bound: pair.bound)
            searchedPairs += 1
        }
        guard let best,
            let cost = try? EnergyModel.cost(
                counts: ReuseAnalysis.counts(problem: problem, mapping: best.mapping, holds: best.holds),
                mapping: best.mapping, problem: problem, macPrecision: macPrecision, hardware: hardware,
                at: operatingPoint)
        else {
            let spatial = spatialLoops(
                problem: problem, dataflow: dataflows[0], macsPerPE: support.macsPerPEPerCycle)
            let overflow = smallestOverflow(problem: problem, spatial: spatial, holds: baseHolds)
            throw MappingError(
                message: "no mapping of \(problem.bounds) fits \(hardware.name): " + overflow.message,
                level: overflow.level)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return MapperResult(
            mapping: best.mapping, cost: cost, evaluated: evaluated, validTilings: valid, pairs: pairs.count,
            searchedPairs: searchedPairs, searchSeconds: seconds, tilingSeconds: Double(tilingNanoseconds) / 1e9,
            exhaustive: exhaustive)
    }

    /// Every combination of the levels' loop orders for one tiling (the product of `choices`,
    /// order codes per level, `LoopOrders`), and the best.
    func allOrders(
        _ bounds: [Int], choices: [[Int]], scorer: NestScorer, tileCounts: [Double], evaluated: inout Int
    ) -> (score: Double, orders: [Int]) {
        var orders = choices.map { $0[0] }
        var best = (score: Double.infinity, orders: orders)
        var digits = [Int](repeating: 0, count: choices.count)
        while true {
            let value = scorer.score(bounds, orders: orders, tileCounts: tileCounts)
            evaluated += 1
            if value < best.score { best = (value, orders) }
            let more = orders.withUnsafeMutableBufferPointer { orders in
                digits.withUnsafeMutableBufferPointer { LoopOrders.advance(orders, digits: $0, choices: choices) }
            }
            if !more { return best }
        }
    }

    /// Coordinate descent over the levels' loop orders for one tiling: from each level's first
    /// choice (its plainest order, `LoopOrders`), each level's alternatives are tried in turn
    /// and kept when they lower the score, and a second pass runs only if the first changed
    /// something. A nest already scored (the second pass revisits some) is looked up in
    /// `scored` rather than scored again.
    func descendOrders(
        _ bounds: [Int], choices: [[Int]], scorer: NestScorer, tileCounts: [Double],
        scored: inout [(key: Int, score: Double)], evaluated: inout Int
    ) -> (score: Double, orders: [Int]) {
        scored.removeAll(keepingCapacity: true)
        let widest = choices.map(\.count).max() ?? 1
        var picks = [Int](repeating: 0, count: choices.count)
        func score() -> Double {
            // The picks as base-`widest` digits (nil past Int's range: then nothing is remembered).
            var key: Int? = 0
            for pick in picks {
                guard let k = key else { break }
                let (shifted, overflow) = k.multipliedReportingOverflow(by: widest)
                let (next, carry) = shifted.addingReportingOverflow(pick)
                key = overflow || carry ? nil : next
            }
            if let key, let known = scored.first(where: { $0.key == key }) { return known.score }
            let orders = choices.indices.map { choices[$0][picks[$0]] }
            let value = scorer.score(bounds, orders: orders, tileCounts: tileCounts)
            evaluated += 1
            if let key { scored.append((key, value)) }
            return value
        }
        var current = score()
        for _ in 0..<2 {
            var improved = false
            for level in choices.indices {
                for pick in choices[level].indices where pick != picks[level] {
                    let kept = picks[level]
                    picks[level] = pick
                    let candidate = score()
                    if candidate < current {
                        current = candidate
                        improved = true
                    } else {
                        picks[level] = kept
                    }
                }
            }
            // A pass that changed nothing would only repeat itself.
            if !improved { break }
        }
        return (current, choices.indices.map { choices[$0][picks[$0]] })
    }

    /// The spatial loops of each level for a dataflow: the array's rows and columns take the
    /// dataflow's dimensions, a level whose fanout matches only the rows or the columns takes
    /// that one, and MACs inside a PE split the reductions (K). `assignment`, when given, overrides the
    /// dimensions of a level: one dimension spread over its whole fanout, or two over the
    /// array's rows and columns (the innermost level's PE part; its MACs still split the reductions).
    func spatialLoops(
        problem: Problem, dataflow: Dataflow, macsPerPE: Int, assignment: [[Int]]? = nil
    ) -> [(x: [Loop], y: [Loop])] {
        let fanout = ReuseAnalysis.fanouts(hardware, macsPerPE: macsPerPE)
        let (rowDims, colDims) = problem.arrayDimensions(dataflow)
        let reductions = problem.reductionDimensions
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
            // Dimensions in turn, each over what the ones before it left of the capacity.
            func fill(_ dims: [Int], _ capacity: Int) -> [Loop] {
                var loops: [Loop] = []
                var left = capacity
                for d in dims {
                    guard let loop = take(d, left) else { continue }
                    loops.append(loop)
                    left /= loop.bound
                }
                return loops
            }
            let innermostMACs = i == hardware.memory.count - 1 && macsPerPE > 1
            let units = innermostMACs ? f / macsPerPE : f
            if let dims = assignment?[i], !dims.isEmpty {
                if dims.count == 2 {
                    if let loop = take(dims[0], rows) { x.append(loop) }
                    if let loop = take(dims[1], cols) { y.append(loop) }
                } else if let loop = take(dims[0], units) {
                    x.append(loop)
                }
                if innermostMACs { y += fill(reductions, macsPerPE) }
            } else if innermostMACs {
                if units == rows * cols && units > 1 {
                    x += fill(rowDims, rows)
                    y += fill(colDims, cols)
                } else if units > 1 {
                    x += fill(rowDims, units)
                }
                y += fill(reductions, macsPerPE)
            } else if f == rows * cols && f > 1 {
                x += fill(rowDims, rows)
                y += fill(colDims, cols)
            } else if f == rows && f > 1 {
                x += fill(rowDims, rows)
            } else if f == cols && f > 1 {
                y += fill(colDims, cols)
            } else if f > 1 {
                x += fill(rowDims, f)
            }
            return (x, y)
        }
    }

    /// The spatial loops the search tries for a dataflow. A systolic array has one choice: its
    /// dataflow fixes which dimensions flow along its rows and columns (SCALE-Sim's model). A
    /// parallel array (GPU SMs and tensor cores, vector MAC units) has independent units, so at
    /// every level with a fanout the dimension spread over it is searched: any dimension with
    /// more than one element (a reduction spread makes a spatial reduction of partial sums), or,
    /// over a whole rows x columns array, two different ones. MACs inside a PE always split the
    /// reductions.
    func spatialChoices(problem: Problem, dataflow: Dataflow, macsPerPE: Int) -> [[(x: [Loop], y: [Loop])]] {
        let preset = spatialLoops(problem: problem, dataflow: dataflow, macsPerPE: macsPerPE)
        guard hardware.compute.kind == .parallel else { return [preset] }
        let fanout = ReuseAnalysis.fanouts(hardware, macsPerPE: macsPerPE)
        let rows = hardware.compute.rows
        let cols = hardware.compute.cols
        // A GEMM's dimensions in the order that wins most often (M, N, K, then H, G); any other
        // problem's in file order.
        let order = problem.isGEMMFamily ? [2, 3, 4, 1, 0] : Array(problem.bounds.indices)
        let live = order.filter { problem.bounds[$0] > 1 }
        let levels = hardware.memory.count
        let options: [[[Int]]] = (0..<levels).map { i in
            let units = i == levels - 1 && macsPerPE > 1 ? fanout[i] / macsPerPE : fanout[i]
            guard units > 1, !live.isEmpty else { return [[]] }
            var choices = live.map { [$0] }
            if units == rows * cols && rows > 1 && cols > 1 {
                choices += live.flatMap { a in live.filter { $0 != a }.map { [a, $0] } }
            }
            return choices
        }
        var assignments: [[[Int]]] = [[]]
        for levelOptions in options {
            assignments = assignments.flatMap { partial in levelOptions.map { partial + [$0] } }
        }
        var seen = Set<[Int]>()
        var result: [[(x: [Loop], y: [Loop])]] = []
        for assignment in [nil] + assignments.map(Optional.some) {
            let spatial =
                assignment.map {
                    spatialLoops(problem: problem, dataflow: dataflow, macsPerPE: macsPerPE, assignment: $0)
                } ?? preset
            // Assignments that spread the same loops at every level (a dimension already used up,
            // or the same loop on X rather than Y, which independent units do not tell apart)
            // are tried once.
            let signature = spatial.flatMap { level in
                [-1]
                    + (level.x + level.y).map { [$0.dimension, $0.bound] }.sorted { $0.lexicographicallyPrecedes($1) }
                    .flatMap { $0 }
            }
            if seen.insert(signature).inserted { result.append(spatial) }
        }
        return result
    }

    /// The tile extents a level may take along one dimension inside a parent extent, largest
    /// first: every divisor of the parent (perfect factors), and the parent split into 1, 2, 3,
    /// 4, 6, 8, 12, 16, ... steps rounded up (powers of two and three times them), which adds
    /// imperfect factors where the parent has few divisors (a prime, or 2 x 43): their last
    /// tile is costed as the remainder it is (`TileCounts`).
    static func tileExtents(inside parent: Int) -> [Int] {
        var values: [Int] = []
        var low = 1
        while low * low <= parent {
            if parent % low == 0 {
                values.append(low)
                values.append(parent / low)
            }
            low += 1
        }
        var steps = 2
        while (parent + steps - 1) / steps > 1 {
            values.append((parent + steps - 1) / steps)
            values.append((parent + steps + steps / 2 - 1) / (steps + steps / 2))
            steps *= 2
        }
        return Array(Set(values)).sorted(by: >)
    }

    /// Every extent a tile can take along one dimension inside a parent extent, largest first:
    /// ceil(parent / t) for every tile count t (each value once, so about 2 sqrt(parent) of
    /// them; every divisor among them). A constraints file asks for them per level
    /// (`extents: every`): finer than `tileExtents`, at several times the search time.
    static func everyTileExtent(inside parent: Int) -> [Int] {
        var values: [Int] = []
        var steps = 1
        while steps <= parent {
            let extent = (parent + steps - 1) / steps
            values.append(extent)
            // The fewest steps that give a smaller extent: ceil(parent / (extent - 1)).
            steps = extent > 1 ? (parent + extent - 2) / (extent - 1) : parent + 1
        }
        return values
    }

    /// Why no tiling fits: the first level whose smallest possible tiles (one step of every
    /// temporal loop below it, the spatial loops as the dataflow fixes them) exceed its size.
    func smallestOverflow(problem: Problem, spatial: [(x: [Loop], y: [Loop])], holds: [[Bool]]) -> (
        message: String, level: Int?
    ) {
        let dims = problem.bounds.count
        var extents = [Int](repeating: 1, count: dims)
        // Level 0 holds the whole problem; inner levels at least their spatial share.
        var levels: [(index: Int, extents: [Int])] = []
        for i in stride(from: hardware.memory.count - 1, through: 0, by: -1) {
            for loop in spatial[i].x + spatial[i].y { extents[loop.dimension] *= loop.bound }
            levels.append((i, i == 0 ? problem.bounds : extents))
        }
        for (i, tile) in levels.reversed() {
            let (bytes, parts) = ReuseAnalysis.heldTileBytes(
                problem: problem, extents: tile, holds: holds, level: i, outputBits: problem.searchOutputBits)
            let level = hardware.memory[i]
            if bytes > level.size.si {
                let when = i == 0 ? "as the outermost level, the whole problem" : "even at the smallest tiles"
                return (
                    "\(level.name) holds \(parts.joined(separator: ", ")) (\(when)), \(Bytes(si: bytes)) in all, but its size is \(level.size); give it more size, or let it hold fewer operands with holds:",
                    i
                )
            }
        }
        return ("every tiling exceeds a level's size", nil)
    }

    /// A tiling's temporal loop bounds (`dims` per level, outermost level first): each level's
    /// tile over the next level's (the innermost level's over single elements), rounded up,
    /// so a tile that does not divide its parent leaves a smaller last tile (`TileCounts`).
    static func loopBounds(_ tiling: UnsafeBufferPointer<Int>, dims: Int, into bounds: UnsafeMutableBufferPointer<Int>)
    {
        for index in tiling.indices {
            let inner = index + dims < tiling.count ? tiling[index + dims] : 1
            bounds[index] = (tiling[index] + inner - 1) / inner
        }
    }

    /// The mapping of a tiling's loop bounds with each level's chosen loop order (a code,
    /// `LoopOrders`).
    func mapping(
        _ bounds: [Int], dims: Int, spatial: [(x: [Loop], y: [Loop])], orders: [Int], dataflow: Dataflow,
        bypass: [Set<Operand>]
    ) -> Mapping {
        bounds.withUnsafeBufferPointer { bounds in
            Mapping(
                levels: spatial.indices.map { i in
                    var loops: [Loop] = []
                    LoopOrders.loops(bounds, level: i, dims: dims, order: orders[i]) { loops.append($0) }
                    return LevelMapping(
                        temporal: loops, spatialX: spatial[i].x, spatialY: spatial[i].y, bypass: bypass[i])
                }, dataflow: dataflow)
        }
    }

    /// Which levels can hold each operand: the hardware's `holds`, less what the constraints bypass.
    func holdMatrix(_ problem: Problem) -> [[Bool]] {
        problem.operands.map { operand in
            hardware.memory.indices.map { i in
                hardware.memory[i].holds.contains(operand.operand)
                    && !(constraints.levels[i]?.bypass.contains(operand.operand) ?? false)
            }
        }
    }

    /// Most keep/bypass choices listed in full (2^16 combinations); past it the search tries
    /// keeping everything and each single bypass, and says it was not whole.
    static let wholeBypassChoices = 16

    /// The tiling budget that means none: every maximal tiling of each space (the default).
    public static let wholeSpace = Int.max

    /// The keep-or-bypass choices of a problem: each level and operand class the level may
    /// hold but need not (`holds` less `must_hold`), except an operand's outermost holder,
    /// which is where its data comes from.
    func bypassChoices(_ problem: Problem, holds: [[Bool]]) -> [(level: Int, operand: Operand)] {
        var choices: [(level: Int, operand: Operand)] = []
        for operand in Operand.allCases {
            let members = problem.operands.indices.filter { problem.operands[$0].operand == operand }
            guard let o = members.first, let outermost = holds[o].firstIndex(of: true) else { continue }
            for i in hardware.memory.indices where i > outermost && holds[o][i] {
                let kept = constraints.levels[i]?.keep.contains(operand) ?? false
                if !hardware.memory[i].mustHold.contains(operand) && !kept { choices.append((i, operand)) }
            }
        }
        return choices
    }

    /// The hold matrix with the chosen bypasses taken out.
    func holdMatrix(_ problem: Problem, bypassing bypassed: [Bool], of choices: [(level: Int, operand: Operand)])
        -> [[Bool]]
    {
        var holds = holdMatrix(problem)
        for (bit, choice) in choices.enumerated() where bypassed[bit] {
            for o in problem.operands.indices where problem.operands[o].operand == choice.operand {
                holds[o][choice.level] = false
            }
        }
        return holds
    }

    /// Each level's bypassed operands, as a mapping records them (the constraints' bypasses included).
    func bypassSets(_ bypassed: [Bool], of choices: [(level: Int, operand: Operand)]) -> [Set<Operand>] {
        var sets = hardware.memory.indices.map { i in
            constraints.levels[i].map { $0.bypass.intersection(hardware.memory[i].holds) } ?? []
        }
        for (bit, choice) in choices.enumerated() where bypassed[bit] { sets[choice.level].insert(choice.operand) }
        return sets
    }
}
