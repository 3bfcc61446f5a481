import JouleSpec

/// A fused chain's mapping and cost: the tiling chosen and what each member operator costs
/// inside the one kernel.
public struct FusedChainCost: Sendable {
    /// The tiling.
    public var tiling: FusedTiling
    /// What it moves above its level.
    public var traffic: FusedTraffic
    /// One cost per member in chain order: the producers, the vector operators between, the
    /// consumer. Their seconds add up to the kernel's latency.
    public var members: [OperatorCost]
    /// Mappings the searches of the members' inner nests evaluated.
    public var evaluated: Int

    /// The kernel's latency.
    public var seconds: Double { members.reduce(0) { $0 + $1.seconds } }
    /// The kernel's joules.
    public var energy: Double { members.reduce(0) { $0 + $1.energy.total } }
}

/// Whether a chain can be fused on a hardware, and at what cost.
public enum FusionOutcome: Sendable {
    /// The best fused mapping found.
    case fused(FusedChainCost)
    /// Not fused, and why (no on-chip level holds even the smallest tile, none may hold the
    /// intermediate, or the phase is not modelled fused), as a phrase.
    case unfit(String)
}

/// Maps fused chains (`FusedChain`) as one loop nest.
///
/// Above the holding level L the chain's shared loops are tiled once (`FusedTiling`), and the
/// traffic of the producers' input, the second operands and the output is counted exactly
/// (`FusedChain.traffic`); levels between DRAM and L that must hold an operand pass it through.
/// The intermediate lives at L, in tiles, and never reaches the levels above. Below L each
/// member's tile (rows x shared x K1 for a producer, rows x N2 x shared for the consumer) is
/// mapped by the mapper on the part of the hardware under one instance of L, and its counts
/// are multiplied by the tiles computed. The capacity check at L counts every operand's tile
/// and the intermediate's together (`FusedChain.footprint`). The vector operators between run
/// on the intermediate at L; an online softmax also pays its rescaling, one multiply per
/// output element per extra shared tile plus its running statistics.
extension Evaluator {
    /// Levels that can hold a fused chain: on chip, inside the DRAM, allowed to keep weights,
    /// inputs and outputs, with the processing elements under them evenly divided.
    public func fusionLevels() -> [Int] {
        let d = Roofline.dramIndex(hardware) ?? 0
        return hardware.memory.indices.filter { i in
            i > d && !hardware.memory[i].isOffChip && hardware.memory[i].holds.isSuperset(of: Operand.allCases)
                && subAccelerator(from: i) != nil
        }
    }

    /// The hardware under one instance of level `i`: that level and those below it, with the
    /// instances and processing elements one instance of `i` feeds; nil when they do not divide.
    func subAccelerator(from i: Int) -> Accelerator? {
        let share = hardware.memory[i].instances
        guard share >= 1 else { return nil }
        var sub = hardware
        sub.memory = []
        for level in hardware.memory[i...] {
            guard level.instances % share == 0 else { return nil }
            var copy = level
            copy.instances = level.instances / share
            sub.memory.append(copy)
        }
        let compute = hardware.compute
        if compute.rows % share == 0 {
            sub.compute.rows = compute.rows / share
        } else if compute.cols % share == 0 {
            sub.compute.cols = compute.cols / share
        } else {
            return nil
        }
        sub.compute.vector.lanes = max(1, compute.vector.lanes / share)
        return sub
    }

    /// Bytes a tiling moves to or from DRAM (after any level it passes through has caught
    /// what it can).
    public func dramBytes(_ chain: FusedChain, _ tiling: FusedTiling, _ traffic: FusedTraffic) -> Double {
        let d = Roofline.dramIndex(hardware) ?? 0
        return outerAccesses(chain, tiling, traffic).enumerated().reduce(0.0) { total, entry in
            total + memberCounts(chain, member: entry.offset, accesses: entry.element).bytes(level: d)
        }
    }

    /// Every tiling of a chain that fits at one of `levels`, with its traffic.
    func fusedTilings(_ chain: FusedChain, levels: [Int]) -> [(tiling: FusedTiling, traffic: FusedTraffic)] {
        var found: [(FusedTiling, FusedTraffic)] = []
        let rowChoices = Mapper.tileExtents(inside: chain.rows)
        let sharedChoices = Mapper.tileExtents(inside: chain.shared)
        for level in levels {
            let capacity = hardware.memory[level].size.si
            for rows in rowChoices {
                for shared in sharedChoices {
                    let probe = FusedTiling(level: level, rows: rows, shared: shared, order: .rowsOuter)
                    guard chain.footprint(probe) <= capacity else { continue }
                    for order in FusedTiling.Order.allCases {
                        var tiling = probe
                        tiling.order = order
                        // One row tile: both orders move the same; keep the first.
                        if order == .sharedOuter && rows >= chain.rows { continue }
                        found.append((tiling, chain.traffic(tiling)))
                    }
                }
            }
        }
        return found
    }

    /// Why no level holds the chain: the smallest tile against the largest level able to hold it.
    func unfitReason(_ chain: FusedChain, levels: [Int]) -> String {
        guard let largest = levels.max(by: { hardware.memory[$0].size.si < hardware.memory[$1].size.si }) else {
            return "does not fit: \(hardware.name) has no on-chip level that may keep weights, inputs and outputs"
        }
        let smallest = chain.footprint(FusedTiling(level: largest, rows: 1, shared: 1, order: .rowsOuter))
        let level = hardware.memory[largest]
        return
            "does not fit: its smallest tile (1 row x 1 shared column, whole reduction and output columns) needs \(Int(smallest.rounded(.up))) B but \(level.name), the largest level able to hold it, has \(Int(level.size.si)) B"
    }

    /// The best fused mapping of a chain for the objective, or why there is none. `levels`
    /// narrows the holding levels (all by default); `keep` is how many of the best estimated
    /// tilings per level are mapped in full. A tiling whose member tiles cannot be mapped under
    /// its level is passed over; when none can, the chain is unfit with the mapper's reason.
    public func fuse(_ chain: FusedChain, levels: [Int]? = nil, keep: Int = 4) -> FusionOutcome {
        let key = MapperCache.FusionKey(
            chain: chain,
            settings: MapperCache.Settings(
                hardware: identity, dataflow: dataflow, objective: objective, at: operatingPoint,
                tilingBudget: tilingBudget, constraints: constraints),
            levels: levels, keep: keep)
        return cache.fusion(key) { searchFused(chain, levels: levels, keep: keep) }
    }

    /// `fuse(_:levels:keep:)` without the cache.
    private func searchFused(_ chain: FusedChain, levels: [Int]?, keep: Int) -> FusionOutcome {
        let allowed = levels ?? fusionLevels()
        let tilings = fusedTilings(chain, levels: allowed)
        guard !tilings.isEmpty else { return .unfit(unfitReason(chain, levels: allowed)) }
        // Rank by the estimate: exact traffic above the level, compute at peak.
        let candidates = tilings.map { tiling, traffic in
            (level: tiling.level, estimate: estimate(chain, tiling, traffic), value: (tiling, traffic))
        }
        let (best, evaluated, failure) = bestKernel(candidates, keep: keep) { candidate throws(EvaluationError) in
            let cost = try self.cost(chain, tiling: candidate.0, traffic: candidate.1)
            return (objective.score(energy: cost.energy, seconds: cost.seconds), cost, cost.evaluated)
        }
        guard var result = best else {
            return .unfit(failure.map { "does not fit: " + $0 } ?? unfitReason(chain, levels: allowed))
        }
        result.evaluated = evaluated
        return .fused(result)
    }

    /// The least DRAM traffic a fused chain can have with its intermediate at `level`, in
    /// bytes, and the tiling that has it; nil when no tile fits.
    public func leastFusedTraffic(_ chain: FusedChain, level: Int) -> (bytes: Double, tiling: FusedTiling)? {
        var best: (Double, FusedTiling)?
        for (tiling, traffic) in fusedTilings(chain, levels: [level]) {
            let bytes = dramBytes(chain, tiling, traffic)
            if best == nil || bytes < best?.0 ?? .infinity { best = (bytes, tiling) }
        }
        return best
    }

    /// The objective's estimate of a tiling: its exact traffic above the level and compute at
    /// the array's peak for the MAC slots its tiles occupy.
    func estimate(_ chain: FusedChain, _ tiling: FusedTiling, _ traffic: FusedTraffic) -> Double {
        let outer = outerAccesses(chain, tiling, traffic).enumerated().map { m, accesses in
            memberCounts(chain, member: m, accesses: accesses)
        }
        let rows = Double(tiling.rows * chain.group)
        let slots =
            traffic.pairs * rows * Double(tiling.shared)
            * (Double(chain.producers.count * chain.reduction) + Double(chain.columns))
        return kernelEstimate(outer: outer, slots: slots, precision: chain.producers[0].macPrecision)
    }

    /// Each member GEMM's accesses at and above the holding level (producers, then the
    /// consumer), level-major as `AccessCounts` keeps them: loads are read at DRAM, pass
    /// through the levels that must hold them and are written into the level; output tiles go
    /// the other way, and partial outputs come back. A level passed through (a GPU's L2) is
    /// shared by the holding level's instances under it, which run that many row tiles at
    /// once: it keeps the coarser tile they make together when that fits, so what it fetches
    /// from above is that tile's traffic, and it feeds the finer tiles below.
    func outerAccesses(_ chain: FusedChain, _ t: FusedTiling, _ traffic: FusedTraffic) -> [[OperandAccess]] {
        let level = t.level
        var members = [[OperandAccess]](
            repeating: [OperandAccess](repeating: OperandAccess(), count: hardware.memory.count * 3),
            count: chain.producers.count + 1)
        var entering: [Int: FusedTraffic] = [level: traffic]
        let d = Roofline.dramIndex(hardware) ?? 0
        for p in (d + 1)..<max(d + 1, level) where !hardware.memory[p].mustHold.isEmpty {
            let share = max(1, hardware.memory[level].instances / max(1, hardware.memory[p].instances))
            var coarse = t
            coarse.level = p
            coarse.rows = min(chain.rows, t.rows * share)
            entering[p] =
                coarse.rows > t.rows && chain.footprint(coarse) <= hardware.memory[p].size.si
                ? chain.traffic(coarse) : traffic
        }
        /// A member's loads and stores of one operand entering a level.
        func flow(_ member: Int, _ role: Int, _ traffic: FusedTraffic) -> (loads: Double, stores: Double) {
            if member < chain.producers.count {
                return role == 1
                    ? (member == 0 ? traffic.input : 0, 0) : role == 0 ? (traffic.producerSecond, 0) : (0, 0)
            }
            return role == 0
                ? (traffic.consumerSecond, 0) : role == 2 ? (traffic.outputReads, traffic.outputWrites) : (0, 0)
        }
        for member in members.indices {
            for role in 0..<3 {
                moveAcrossLevels(&members[member], role: role, level: level) { w in
                    flow(member, role, entering[w] ?? traffic)
                }
            }
        }
        members[chain.producers.count][level * 3 + 2].reads += traffic.accumulateReads
        return members
    }

    /// A member GEMM's access counts from its level-major accesses.
    func memberCounts(_ chain: FusedChain, member: Int, accesses: [OperandAccess]) -> AccessCounts {
        let gemm = member < chain.producers.count ? chain.producers[member] : chain.consumer
        return AccessCounts.member(accesses, of: gemm)
    }

    /// The full cost of one tiling: each member's inner nest mapped on the hardware under the
    /// level, the traffic above, the vector operators at the level, one roofline for the kernel.
    func cost(_ chain: FusedChain, tiling t: FusedTiling, traffic: FusedTraffic) throws(EvaluationError)
        -> FusedChainCost
    {
        let rows = t.rows * chain.group
        let outer = outerAccesses(chain, t, traffic)
        var members: [FusedKernel.Member] = []
        for (p, producer) in chain.producers.enumerated() {
            let tile = Self.tile(of: producer, m: rows, n: t.shared, k: chain.reduction)
            members.append(
                .gemm(FusedKernel.GEMMMember(gemm: producer, tiles: [(tile, traffic.pairs)], outer: outer[p])))
        }
        for (v, op) in chain.between.enumerated() {
            // An online softmax rescales its output and statistics once per extra shared tile.
            let rescale =
                chain.kind == .attention && v == chain.between.count - 1
                ? traffic.accumulateReads + traffic.statistics : 0
            members.append(.vector(FusedKernel.VectorMember(op: op, ops: op.ops + rescale)))
        }
        let tile = Self.tile(of: chain.consumer, m: rows, n: chain.columns, k: t.shared)
        members.append(
            .gemm(
                FusedKernel.GEMMMember(
                    gemm: chain.consumer, tiles: [(tile, traffic.pairs)], outer: outer[chain.producers.count])))
        // Tiles run one unit per instance of the level: the longest row tile's pairs run in turn.
        let waves = max(traffic.pairs / Double(hardware.memory[t.level].instances), traffic.longestRowTile)
        let kernel = FusedKernel(level: t.level, members: members, timeScale: waves / max(1, traffic.pairs))
        let (costs, evaluated) = try cost(kernel)
        return FusedChainCost(tiling: t, traffic: traffic, members: costs, evaluated: evaluated)
    }

    /// One tile of a member GEMM: a single instance, m x n x k, its formats kept.
    static func tile(of gemm: GEMM, m: Int, n: Int, k: Int) -> GEMM {
        var tile = GEMM(
            b: 1, m: m, n: n, k: k, second: gemm.second, inputPrecision: gemm.inputPrecision,
            secondPrecision: gemm.secondPrecision, outputPrecision: gemm.outputPrecision)
        tile.secondGroups = gemm.secondGroups
        tile.accumulatorPrecision = gemm.accumulatorPrecision
        return tile
    }
}
