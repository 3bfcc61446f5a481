import JouleSpec

/// A fused kernel ready to cost: the level holding its intermediates, its members in graph
/// order, and how its tiles share the level's instances. Built by a fused chain's mapping
/// (`FusedChain`) and by the fused attention backward (`FusedAttentionBackward`).
struct FusedKernel {
    /// A GEMM member: the graph GEMM it stands for, the tiles it computes under the level (shape
    /// and count; a recomputation adds a shape), and its accesses at and above the level
    /// (level-major, three operands per level, as `AccessCounts` keeps them).
    struct GEMMMember {
        var gemm: GEMM
        var tiles: [(tile: GEMM, count: Double)]
        var outer: [OperandAccess]
    }

    /// A vector member: its operator (reading and writing at the level) and the operations it
    /// performs inside the kernel.
    struct VectorMember {
        var op: VectorOp
        var ops: Double
    }

    /// One member.
    enum Member {
        case gemm(GEMMMember)
        case vector(VectorMember)
    }

    /// The holding level.
    var level: Int
    /// The members, in graph order.
    var members: [Member]
    /// Kernel compute seconds per second of tiles run one after another: the tiles spread over
    /// the level's instances, bounded below by the longest run one instance must do in turn.
    var timeScale: Double
}

extension AccessCounts {
    /// A fused kernel member GEMM's counts: its level-major accesses at the GEMM's operand word
    /// sizes, except the output at the accumulator's width where it holds partial sums (the
    /// rule of `ReuseAnalysis.holdsPartialSums`, read off the counts, since a fused kernel's
    /// traffic above its level is counted by hand): at the levels in `partialSums` (the inner
    /// levels whose mapped tile said so), and at the first level where the output is read back
    /// (partial sums come back to it) and every level below it.
    static func member(_ accesses: [OperandAccess], of gemm: GEMM, partialSums: Set<Int> = [], macs: Double = 0)
        -> AccessCounts
    {
        let bits = gemm.operandBits
        var sized = accesses
        var readBack = false
        for i in 0..<sized.count / 3 {
            for o in 0..<3 { sized[i * 3 + o].wordBits = bits[o] }
            readBack = readBack || sized[i * 3 + 2].reads > 0
            if readBack || partialSums.contains(i) { sized[i * 3 + 2].wordBits = gemm.accumulatorBits }
        }
        return AccessCounts(
            accesses: sized, operandCount: 3, macs: macs, paddedMACs: macs, temporalCycles: 0, spatialUnits: 0)
    }

    /// A fused kernel member vector operator's counts: its accesses, counted in bytes.
    static func member(byteAccesses accesses: [OperandAccess]) -> AccessCounts {
        var sized = accesses
        for i in sized.indices { sized[i].wordBits = 8 }
        return AccessCounts(
            accesses: sized, operandCount: 3, macs: 0, paddedMACs: 0, temporalCycles: 0, spatialUnits: 0)
    }
}

extension Evaluator {
    /// The members' costs inside one fused kernel: each GEMM tile mapped by the mapper on the
    /// hardware under one instance of the level and its counts multiplied by the tiles run,
    /// plus the accesses at and above the level; vector members read and write at the level;
    /// one roofline over the kernel, its latency shared among the members by compute time.
    func cost(_ kernel: FusedKernel) throws(EvaluationError) -> (members: [OperatorCost], evaluated: Int) {
        let level = kernel.level
        guard let sub = subAccelerator(from: level) else {
            throw EvaluationError(message: "internal: \(hardware.memory[level].name) cannot hold a fused kernel")
        }
        let mapper = Mapper(
            hardware: sub, objective: objective, tilingBudget: tilingBudget, operatingPoint: operatingPoint)
        let identity = MapperCache.HardwareIdentity(sub)
        let point = operatingPoint
        let voltage = EnergyModel.voltageFactor(point, hardware: hardware)
        let levels = hardware.memory.count
        var evaluated = 0
        var members: [OperatorCost] = []
        var readBytes = [Double](repeating: 0, count: levels)
        var writeBytes = [Double](repeating: 0, count: levels)
        for member in kernel.members {
            let counts: AccessCounts
            var energy = template
            var computeSeconds = 0.0
            var macs = 0.0
            var vectorOperations = 0.0
            switch member {
            case .gemm(let g):
                var accesses = g.outer
                var partialSums: Set<Int> = []
                for (tile, count) in g.tiles {
                    let result: MapperResult
                    do {
                        result = try cache.best(
                            mapper, identity: identity, problem: Problem.gemm(tile), macPrecision: tile.macPrecision,
                            dataflow: dataflow)
                    } catch {
                        throw EvaluationError(
                            message:
                                "fused tile \(tile.m) x \(tile.n) x \(tile.k) under \(hardware.memory[level].name): \(error.message)",
                            level: error.level.map { $0 + level })
                    }
                    evaluated += result.evaluated
                    guard let counts = result.cost.counts else { continue }
                    for j in 0..<sub.memory.count {
                        for o in 0..<3 {
                            let a = counts.access(level: j, operand: o)
                            let index = (level + j) * 3 + o
                            accesses[index].reads += a.reads * count
                            accesses[index].fills += a.fills * count
                            accesses[index].updates += a.updates * count
                            accesses[index].tile = max(accesses[index].tile, a.tile)
                            accesses[index].held = accesses[index].held || a.held
                            if o == 2 && a.held && a.wordBits != tile.outputPrecision.storageBits {
                                partialSums.insert(level + j)
                            }
                        }
                    }
                    macs += counts.macs * count
                    computeSeconds += result.cost.computeSeconds * count * kernel.timeScale
                }
                if let support = hardware.compute.precisions[g.gemm.macPrecision] {
                    energy.mac = macs * support.macEnergy.value.si * g.gemm.accumulatorEnergyFactor
                }
                counts = AccessCounts.member(accesses, of: g.gemm, partialSums: partialSums, macs: macs)
            case .vector(let v):
                // Its reads and writes of the intermediate at the level, counted in bytes.
                var accesses = [OperandAccess](repeating: OperandAccess(), count: levels * 3)
                accesses[level * 3 + 1] = OperandAccess(reads: v.op.bytesRead, held: true)
                accesses[level * 3 + 2] = OperandAccess(updates: v.op.bytesWritten, held: true)
                counts = AccessCounts.member(byteAccesses: accesses)
                vectorOperations = v.ops
                energy.vector = v.ops * hardware.compute.vector.energyPerOp.value.si
                computeSeconds = v.ops / (Double(hardware.compute.vector.lanes) * point.frequency.si)
            }
            EnergyModel.addAccessEnergy(counts, hardware: hardware, into: &energy)
            energy.scaleDynamic(by: voltage)
            for i in 0..<levels {
                for o in 0..<3 {
                    let a = counts.access(level: i, operand: o)
                    readBytes[i] += a.reads * a.wordBits / 8
                    writeBytes[i] += (a.fills + a.updates) * a.wordBits / 8
                }
            }
            var cost = OperatorCost(
                seconds: 0, cycles: 0, computeSeconds: computeSeconds, levelSeconds: [], energy: energy,
                bound: .compute, utilization: 0, counts: counts, mapping: nil)
            cost.vectorOperations = vectorOperations
            members.append(cost)
        }
        // One roofline over the kernel, its latency shared out by compute time.
        var total = template
        for member in members { total.add(member.energy) }
        let clockScale = point.frequency.si / hardware.clock.si
        let levelSeconds = hardware.memory.enumerated().map { i, level in
            EnergyModel.transferSeconds(
                level: level, readBytes: readBytes[i], writeBytes: writeBytes[i],
                scale: level.isOffChip ? 1 : clockScale)
        }
        let computeTotal = members.reduce(0) { $0 + $1.computeSeconds }
        let roofline = EnergyModel.combine(
            computeSeconds: computeTotal, levelSeconds: levelSeconds, energy: total, hardware: hardware, at: point)
        for m in members.indices {
            let share =
                computeTotal > 0 ? members[m].computeSeconds / computeTotal : 1 / Double(members.count)
            let seconds = roofline.seconds * share
            members[m].seconds = seconds
            members[m].cycles = seconds * point.frequency.si
            members[m].bound = roofline.bound
            members[m].energy.leakage = hardware.staticPower.value.si * seconds
            // Its share of every level's time, so that its own roofline gives its seconds.
            members[m].levelSeconds = roofline.levelSeconds.map { $0 * share }
            if case .gemm(let g) = kernel.members[m], seconds > 0, let counts = members[m].counts,
                let support = hardware.compute.precisions[g.gemm.macPrecision]
            {
                let slots =
                    seconds * point.frequency.si * Double(hardware.compute.processingElements)
                    * Double(support.macsPerPEPerCycle)
                members[m].utilization = counts.macs / slots
            }
        }
        return (members, evaluated)
    }
}

extension Evaluator {
    /// The objective's estimate of a fused kernel from its members' accesses at and above the
    /// level (exact) and its MAC slots run at the array's peak, static power charged over the
    /// longer of the two.
    func kernelEstimate(outer: [AccessCounts], slots: Double, precision: Precision) -> Double {
        var energy = Breakdown(levels: hardware.memory)
        var levelSeconds = [Double](repeating: 0, count: hardware.memory.count)
        for counts in outer {
            EnergyModel.addAccessEnergy(counts, hardware: hardware, into: &energy)
            let seconds = EnergyModel.transferSeconds(counts: counts, hardware: hardware, at: operatingPoint)
            for i in levelSeconds.indices { levelSeconds[i] += seconds[i] }
        }
        let support = hardware.compute.precisions[precision]
        let peak =
            Double(hardware.compute.processingElements) * Double(support?.macsPerPEPerCycle ?? 1)
            * operatingPoint.frequency.si
        energy.mac = slots * (support?.macEnergy.value.si ?? 0)
        let seconds = max(slots / peak, levelSeconds.max() ?? 0)
        energy.leakage = hardware.staticPower.value.si * seconds
        return objective.score(energy: energy.total, seconds: seconds)
    }

    /// The best of some candidate kernels: the `keep` best estimates at each level costed in
    /// full, the lowest score kept. A candidate whose costing fails is passed over; the last
    /// failure is returned when every one fails.
    func bestKernel<Candidate, Result>(
        _ candidates: [(level: Int, estimate: Double, value: Candidate)], keep: Int,
        cost: (Candidate) throws(EvaluationError) -> (score: Double, result: Result, evaluated: Int)
    ) -> (best: Result?, evaluated: Int, failure: String?) {
        var byLevel: [Int: [(Double, Candidate)]] = [:]
        for candidate in candidates {
            byLevel[candidate.level, default: []].append((candidate.estimate, candidate.value))
        }
        var best: Result?
        var bestScore = Double.infinity
        var evaluated = 0
        var failure: String?
        for level in byLevel.keys.sorted() {
            for (_, candidate) in (byLevel[level] ?? []).sorted(by: { $0.0 < $1.0 }).prefix(keep) {
                do {
                    let (score, result, count) = try cost(candidate)
                    evaluated += count
                    if score < bestScore {
                        bestScore = score
                        best = result
                    }
                } catch {
                    failure = error.message
                }
            }
        }
        return (best, evaluated, failure)
    }
}

extension Evaluator {
    /// Adds one operand's traffic between DRAM and `level` to level-major accesses: across each
    /// boundary, from DRAM through every level between that must hold the operand down to
    /// `level`, the upper level reads what goes down and takes what comes up, the lower one
    /// is filled with what comes down and reads what goes up. `entering(w)` is the loads and
    /// stores crossing into level w from the one above.
    func moveAcrossLevels(
        _ accesses: inout [OperandAccess], role: Int, level: Int, entering: (Int) -> (loads: Double, stores: Double)
    ) {
        let d = Roofline.dramIndex(hardware) ?? 0
        let operand = Operand.allCases[role]
        let path =
            [d] + ((d + 1)..<max(d + 1, level)).filter { hardware.memory[$0].mustHold.contains(operand) } + [level]
        for k in 1..<path.count {
            let (loads, stores) = entering(path[k])
            guard loads > 0 || stores > 0 else { continue }
            let upper = path[k - 1] * 3 + role
            let lower = path[k] * 3 + role
            accesses[upper].reads += loads
            accesses[upper].updates += stores
            accesses[upper].held = true
            accesses[lower].fills += loads
            accesses[lower].reads += stores
            accesses[lower].held = true
        }
    }
}
