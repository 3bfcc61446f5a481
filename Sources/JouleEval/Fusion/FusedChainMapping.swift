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
    /// No on-chip level holds even the smallest fused tile (or none can hold the intermediate): why.
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

    /// Elements moved to or from DRAM by a tiling, in bytes.
    public func dramBytes(_ chain: FusedChain, _ traffic: FusedTraffic) -> Double {
        (traffic.input * chain.inputBits + traffic.producerSecond * chain.producers.reduce(0) { $0 + $1.secondBits }
            + traffic.consumerSecond * chain.consumer.secondBits
            + (traffic.outputWrites + traffic.outputReads) * chain.outputBits) / 8
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
            return "\(hardware.name) has no on-chip level that may keep weights, inputs and outputs"
        }
        let smallest = chain.footprint(FusedTiling(level: largest, rows: 1, shared: 1, order: .rowsOuter))
        let level = hardware.memory[largest]
        return
            "its smallest tile (1 row x 1 shared column, whole reduction and output columns) needs \(Int(smallest.rounded(.up))) B but \(level.name), the largest level able to hold it, has \(Int(level.size.si)) B"
    }

    /// The best fused mapping of a chain for the objective (DRAM bytes when `leastTraffic`),
    /// or why there is none. `levels` narrows the holding levels (all by default); `keep` is
    /// how many of the best estimated tilings per level are mapped in full.
    public func fuse(_ chain: FusedChain, levels: [Int]? = nil, keep: Int = 2) throws(EvaluationError)
        -> FusionOutcome
    {
        let allowed = levels ?? fusionLevels()
        let tilings = fusedTilings(chain, levels: allowed)
        guard !tilings.isEmpty else { return .unfit(unfitReason(chain, levels: allowed)) }
        // Rank by the estimate: exact traffic above the level, compute at peak.
        var ranked: [Int: [(Double, FusedTiling, FusedTraffic)]] = [:]
        for (tiling, traffic) in tilings {
            let estimate = self.estimate(chain, tiling, traffic)
            ranked[tiling.level, default: []].append((estimate, tiling, traffic))
        }
        var best: FusedChainCost?
        var bestScore = Double.infinity
        var evaluated = 0
        for level in ranked.keys.sorted() {
            let options = (ranked[level] ?? []).sorted { $0.0 < $1.0 }.prefix(keep)
            for (_, tiling, traffic) in options {
                var cost = try self.cost(chain, tiling: tiling, traffic: traffic)
                evaluated += cost.evaluated
                let score = objective.score(energy: cost.energy, seconds: cost.seconds)
                if score < bestScore {
                    bestScore = score
                    cost.evaluated = evaluated
                    best = cost
                }
            }
        }
        guard var result = best else { return .unfit(unfitReason(chain, levels: allowed)) }
        result.evaluated = evaluated
        return .fused(result)
    }

    /// The least DRAM traffic a fused chain can have with its intermediate at `level`, in
    /// bytes, and the tiling that has it; nil when no tile fits.
    public func leastFusedTraffic(_ chain: FusedChain, level: Int) -> (bytes: Double, tiling: FusedTiling)? {
        var best: (Double, FusedTiling)?
        for (tiling, traffic) in fusedTilings(chain, levels: [level]) {
            let bytes = dramBytes(chain, traffic)
            if best == nil || bytes < best?.0 ?? .infinity { best = (bytes, tiling) }
        }
        return best
    }

    /// The objective's estimate of a tiling: its exact traffic above the level and compute at
    /// the array's peak for the MAC slots its tiles occupy.
    func estimate(_ chain: FusedChain, _ tiling: FusedTiling, _ traffic: FusedTraffic) -> Double {
        let outer = outerAccesses(chain, traffic, level: tiling.level)
        var energy = Breakdown(levels: hardware.memory)
        var levelSeconds = [Double](repeating: 0, count: hardware.memory.count)
        for (m, accesses) in outer.enumerated() {
            let counts = memberCounts(chain, member: m, accesses: accesses)
            EnergyModel.addAccessEnergy(counts, hardware: hardware, into: &energy)
            let seconds = EnergyModel.transferSeconds(counts: counts, hardware: hardware, at: operatingPoint)
            for i in levelSeconds.indices { levelSeconds[i] += seconds[i] }
        }
        let rows = Double(tiling.rows * chain.group)
        let slots =
            traffic.pairs * rows * Double(tiling.shared)
            * (Double(chain.producers.count * chain.reduction) + Double(chain.columns))
        let precision = chain.producers[0].macPrecision
        let support = hardware.compute.precisions[precision]
        let peak =
            Double(hardware.compute.processingElements) * Double(support?.macsPerPEPerCycle ?? 1)
            * operatingPoint.frequency.si
        energy.mac = slots * (support?.macEnergy.value.si ?? 0)
        let seconds = max(slots / peak, levelSeconds.max() ?? 0)
        return objective.score(energy: energy.total, seconds: seconds)
    }

    /// Each member GEMM's accesses at and above the holding level (producers, then the
    /// consumer), level-major as `AccessCounts` keeps them: loads are read at DRAM, passed
    /// through levels that must hold them and written into the level; output tiles go the
    /// other way, and partial outputs come back.
    func outerAccesses(_ chain: FusedChain, _ traffic: FusedTraffic, level: Int) -> [[OperandAccess]] {
        let n = hardware.memory.count
        let d = Roofline.dramIndex(hardware) ?? 0
        var members = [[OperandAccess]](
            repeating: [OperandAccess](repeating: OperandAccess(), count: n * 3), count: chain.producers.count + 1)
        func move(_ member: Int, _ role: Int, loads: Double, stores: Double) {
            guard loads > 0 || stores > 0 else { return }
            let operand = Operand.allCases[role]
            members[member][d * 3 + role].reads += loads
            members[member][d * 3 + role].updates += stores
            members[member][d * 3 + role].held = true
            for i in (d + 1)..<level where hardware.memory[i].mustHold.contains(operand) {
                members[member][i * 3 + role].fills += loads
                members[member][i * 3 + role].updates += stores
                members[member][i * 3 + role].reads += loads + stores
                members[member][i * 3 + role].held = true
            }
            members[member][level * 3 + role].fills += loads
            members[member][level * 3 + role].reads += stores
            members[member][level * 3 + role].held = true
        }
        for p in chain.producers.indices {
            move(p, 1, loads: p == 0 ? traffic.input : 0, stores: 0)
            move(p, 0, loads: traffic.producerSecond, stores: 0)
        }
        let c = chain.producers.count
        move(c, 0, loads: traffic.consumerSecond, stores: 0)
        move(c, 2, loads: traffic.outputReads, stores: traffic.outputWrites)
        members[c][level * 3 + 2].reads += traffic.accumulateReads
        return members
    }

    /// A member GEMM's access counts from its level-major accesses.
    func memberCounts(_ chain: FusedChain, member: Int, accesses: [OperandAccess], macs: Double = 0)
        -> AccessCounts
    {
        let gemm = member < chain.producers.count ? chain.producers[member] : chain.consumer
        return AccessCounts(
            accesses: accesses, operandCount: 3,
            wordBits: [gemm.secondBits, gemm.inputPrecision.storageBits, gemm.outputPrecision.storageBits],
            macs: macs, paddedMACs: macs, temporalCycles: 0, spatialUnits: 0)
    }

    /// The full cost of one tiling: each member's inner nest mapped on the hardware under the
    /// level, the traffic above, the vector operators at the level, one roofline for the kernel.
    func cost(_ chain: FusedChain, tiling t: FusedTiling, traffic: FusedTraffic) throws(EvaluationError)
        -> FusedChainCost
    {
        let level = t.level
        guard let sub = subAccelerator(from: level) else {
            throw EvaluationError(message: "internal: \(hardware.memory[level].name) cannot hold a fused chain")
        }
        let rows = t.rows * chain.group
        let mapper = Mapper(
            hardware: sub, objective: objective, tilingBudget: tilingBudget, operatingPoint: operatingPoint)
        let identity = MapperCache.HardwareIdentity(sub)
        var inner: [MapperResult] = []
        var evaluated = 0
        let tiles =
            chain.producers.map { Self.tile(of: $0, m: rows, n: t.shared, k: chain.reduction) } + [
                Self.tile(of: chain.consumer, m: rows, n: chain.columns, k: t.shared)
            ]
        for gemm in tiles {
            do {
                let result = try cache.best(
                    mapper, identity: identity, problem: Problem.gemm(gemm), macPrecision: gemm.macPrecision,
                    dataflow: dataflow)
                evaluated += result.evaluated
                inner.append(result)
            } catch {
                throw EvaluationError(
                    message:
                        "fused tile \(gemm.m) x \(gemm.n) x \(gemm.k) under \(hardware.memory[level].name): \(error.message)",
                    level: error.level.map { $0 + level })
            }
        }
        var accesses = outerAccesses(chain, traffic, level: level)
        let point = operatingPoint
        let voltage = EnergyModel.voltageFactor(point, hardware: hardware)
        let clockScale = point.frequency.si / hardware.clock.si
        var memberCosts: [OperatorCost] = []
        var computeSeconds: [Double] = []
        var readBytes = [Double](repeating: 0, count: hardware.memory.count)
        var writeBytes = [Double](repeating: 0, count: hardware.memory.count)
        // Tiles run one unit per instance of the level: the longest row tile's pairs run in turn.
        let waves = max(traffic.pairs / Double(hardware.memory[level].instances), traffic.longestRowTile)
        let gemms = chain.producers + [chain.consumer]
        for (m, result) in inner.enumerated() {
            guard let counts = result.cost.counts else { continue }
            for j in 0..<sub.memory.count {
                for o in 0..<3 {
                    let a = counts.access(level: j, operand: o)
                    let index = (level + j) * 3 + o
                    accesses[m][index].reads += a.reads * traffic.pairs
                    accesses[m][index].fills += a.fills * traffic.pairs
                    accesses[m][index].updates += a.updates * traffic.pairs
                    accesses[m][index].tile = a.tile
                    accesses[m][index].held = accesses[m][index].held || a.held
                }
            }
            let member = memberCounts(chain, member: m, accesses: accesses[m], macs: counts.macs * traffic.pairs)
            var energy = template
            EnergyModel.addAccessEnergy(member, hardware: hardware, into: &energy)
            if let support = hardware.compute.precisions[gemms[m].macPrecision] {
                energy.mac = member.macs * support.macEnergy.value.si * gemms[m].accumulatorEnergyFactor
            }
            energy.scaleDynamic(by: voltage)
            for i in hardware.memory.indices {
                for o in 0..<3 {
                    let a = member.access(level: i, operand: o)
                    readBytes[i] += a.reads * member.wordBits[o] / 8
                    writeBytes[i] += (a.fills + a.updates) * member.wordBits[o] / 8
                }
            }
            memberCosts.append(
                OperatorCost(
                    seconds: 0, cycles: 0, computeSeconds: result.cost.computeSeconds * waves, levelSeconds: [],
                    energy: energy, bound: .compute, utilization: 0, counts: member, mapping: nil))
            computeSeconds.append(result.cost.computeSeconds * waves)
        }
        // The vector operators between, on the intermediate at the level (an online softmax
        // also rescales its output and statistics once per extra shared tile).
        var vectorCosts: [OperatorCost] = []
        for (v, op) in chain.between.enumerated() {
            var energy = template
            var ops = op.ops
            if chain.kind == .attention && v == chain.between.count - 1 {
                ops += traffic.accumulateReads + traffic.statistics
            }
            energy.vector = ops * hardware.compute.vector.energyPerOp.value.si
            // Its reads and writes of the intermediate at the level, counted in bytes.
            var accesses = [OperandAccess](repeating: OperandAccess(), count: hardware.memory.count * 3)
            accesses[level * 3 + 1] = OperandAccess(reads: op.bytesRead, held: true)
            accesses[level * 3 + 2] = OperandAccess(updates: op.bytesWritten, held: true)
            let counts = AccessCounts(
                accesses: accesses, operandCount: 3, wordBits: [8, 8, 8], macs: 0, paddedMACs: 0, temporalCycles: 0,
                spatialUnits: 0)
            EnergyModel.addAccessEnergy(counts, hardware: hardware, into: &energy)
            energy.scaleDynamic(by: voltage)
            readBytes[level] += op.bytesRead
            writeBytes[level] += op.bytesWritten
            let seconds = ops / (Double(hardware.compute.vector.lanes) * point.frequency.si)
            var cost = OperatorCost(
                seconds: 0, cycles: 0, computeSeconds: seconds, levelSeconds: [], energy: energy, bound: .compute,
                utilization: 0, counts: counts, mapping: nil)
            cost.vectorOperations = ops
            vectorCosts.append(cost)
            computeSeconds.append(seconds)
        }
        let producers = Array(memberCosts[0..<chain.producers.count])
        var members = producers + vectorCosts + [memberCosts[chain.producers.count]]
        let order =
            Array(computeSeconds[0..<chain.producers.count]) + computeSeconds[(chain.producers.count + 1)...]
            + [computeSeconds[chain.producers.count]]
        // One roofline over the kernel, its latency shared out by compute time.
        var total = template
        for member in members { total.add(member.energy) }
        let levelSeconds = hardware.memory.enumerated().map { i, level in
            EnergyModel.transferSeconds(
                level: level, readBytes: readBytes[i], writeBytes: writeBytes[i],
                scale: level.isOffChip ? 1 : clockScale)
        }
        let kernel = EnergyModel.combine(
            computeSeconds: order.reduce(0, +), levelSeconds: levelSeconds, energy: total, hardware: hardware,
            at: point)
        let computeTotal = order.reduce(0, +)
        let peak = Double(hardware.compute.processingElements) * point.frequency.si
        for m in members.indices {
            let share = computeTotal > 0 ? order[m] / computeTotal : 1 / Double(members.count)
            let seconds = kernel.seconds * share
            members[m].seconds = seconds
            members[m].cycles = seconds * point.frequency.si
            members[m].bound = kernel.bound
            members[m].energy.leakage = hardware.staticPower.value.si * seconds
            // Its share of every level's time, so that its own roofline gives its seconds.
            members[m].levelSeconds = kernel.levelSeconds.map { $0 * share }
            if m < chain.producers.count || m == members.count - 1, let counts = members[m].counts, seconds > 0 {
                let rate = Double(hardware.compute.precisions[gemms[0].macPrecision]?.macsPerPEPerCycle ?? 1)
                members[m].utilization = counts.macs / (seconds * peak * rate)
            }
        }
        return FusedChainCost(tiling: t, traffic: traffic, members: members, evaluated: evaluated)
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
