import JouleSpec

/// The backward of a fused attention chain as FlashAttention-2 runs it (Dao 2023, Algorithm 2):
/// key tiles outside, query tiles inside. Per (query tile, key tile) pair the scores are
/// recomputed (Q·Kᵀ) and the probabilities rebuilt from the forward's row log-sum-exp, so
/// neither the forward nor the backward moves an N x N tensor; dV and dK accumulate at the
/// level for the key tile, and dQ is read and written back per pair.
///
/// Members, in graph order: `attn_context.dgrad` (dP = dO·Vᵀ, which also carries the scores'
/// recomputation), `attn_context.wgrad` (dV = Pᵀ·dO), the vector operators' backward (softmax
/// backward, which also carries the softmax's recomputation), `attn_score.dgrad` (dQ = dS·K),
/// `attn_score.wgrad` (dK = Qᵀ·dS).
public struct FusedAttentionBackward: Sendable, Hashable {
    /// The forward chain whose backward this is.
    public var forward: FusedChain
    /// dP = dO·Vᵀ and dV = Pᵀ·dO.
    public var contextData: GEMM
    public var contextWeight: GEMM
    /// The vector operators' backward (softmax and any before it), in graph order.
    public var between: [VectorOp]
    /// dQ = dS·K and dK = Qᵀ·dS.
    public var scoreData: GEMM
    public var scoreWeight: GEMM

    /// Head dims of the queries and keys (d) and of the values (dv).
    var d: Int { forward.reduction }
    var dv: Int { forward.columns }

    /// Bytes a tiling keeps at its level at once: the key tile's K, V, dK and dV, the query
    /// tile's Q, dO and dQ, the score and probability-gradient tiles, and two fp32 row statistics.
    public func footprint(_ t: FusedTiling) -> Double {
        let rows = Double(t.rows * forward.group)
        let s = Double(t.shared)
        let activation = forward.inputBits
        var bits = s * (Double(d) * forward.producers[0].secondBits + Double(dv) * forward.consumer.secondBits)
        bits += s * Double(d + dv) * scoreWeight.outputPrecision.storageBits
        bits += rows * Double(d + dv + d) * activation
        bits += 2 * rows * s * forward.intermediateBits + 2 * rows * 32
        return bits / 8
    }

    /// Elements moved above the level by a tiling, over every instance.
    public struct Traffic: Sendable, Hashable {
        /// K and V read once per key tile, dK and dV written once.
        public var keys: Double = 0
        /// Query-tile rows summed over the pairs (Q, dO and the statistics are read per pair).
        public var pairRows: Double = 0
        /// Query-tile rows over every row tile once (dQ is first written, not read back).
        public var rows: Double = 0
        /// Pairs computed, and the most one instance of the level runs in turn.
        public var pairs: Double = 0
        public var longest: Double = 0
    }

    /// The traffic of a tiling (its order is always key tiles outside).
    public func traffic(_ t: FusedTiling) -> Traffic {
        var outer = t
        outer.order = .sharedOuter
        let forwardTraffic = forward.traffic(outer)
        var traffic = Traffic()
        traffic.keys = forwardTraffic.producerSecond / Double(d)
        traffic.pairRows = forwardTraffic.input / Double(d)
        traffic.rows = Double(forward.rows * forward.group * forward.instances)
        traffic.pairs = forwardTraffic.pairs
        traffic.longest = forwardTraffic.rowTiles / Double(forward.instances)
        return traffic
    }
}

extension Evaluator {
    /// The members' accesses at and above the level, in graph-member order (the five GEMMs'
    /// only; vector members read and write at the level).
    func outerAccesses(_ backward: FusedAttentionBackward, _ traffic: FusedAttentionBackward.Traffic, level: Int)
        -> [[OperandAccess]]
    {
        var members = [[OperandAccess]](
            repeating: [OperandAccess](repeating: OperandAccess(), count: hardware.memory.count * 3), count: 4)
        // Levels passed through (a GPU's L2) see the same traffic: no coarser tile is modelled.
        func move(_ member: Int, _ role: Int, loads: Double, stores: Double) {
            moveAcrossLevels(&members[member], role: role, level: level) { _ in (loads, stores) }
        }
        let hd = Double(backward.d)
        let hv = Double(backward.dv)
        // dP = dO·Vᵀ, with the recomputation Q·Kᵀ: dO and Q per pair (and the two fp32 row
        // statistics, counted in input words), V and K once per key tile.
        let statistics = 2 * 32 / backward.contextData.inputPrecision.storageBits
        move(0, 1, loads: traffic.pairRows * (hv + hd + statistics), stores: 0)
        move(0, 0, loads: traffic.keys * (hv + hd), stores: 0)
        // dV = Pᵀ·dO: written once per key tile.
        move(1, 2, loads: 0, stores: traffic.keys * hv)
        // dQ = dS·K: read back and written per pair (first written, not read).
        move(2, 2, loads: (traffic.pairRows - traffic.rows) * hd, stores: traffic.pairRows * hd)
        // dK = Qᵀ·dS: written once per key tile.
        move(3, 2, loads: 0, stores: traffic.keys * hd)
        return members
    }

    /// The fused backward kernel of one tiling.
    func kernel(_ backward: FusedAttentionBackward, tiling t: FusedTiling, traffic: FusedAttentionBackward.Traffic)
        -> FusedKernel
    {
        let rows = t.rows * backward.forward.group
        let outer = outerAccesses(backward, traffic, level: t.level)
        let score = backward.forward.producers[0]
        let recompute = Self.tile(of: score, m: rows, n: t.shared, k: backward.d)
        var members: [FusedKernel.Member] = [
            .gemm(
                FusedKernel.GEMMMember(
                    gemm: backward.contextData,
                    tiles: [
                        (Self.tile(of: backward.contextData, m: rows, n: t.shared, k: backward.dv), traffic.pairs),
                        (recompute, traffic.pairs),
                    ], outer: outer[0])),
            .gemm(
                FusedKernel.GEMMMember(
                    gemm: backward.contextWeight,
                    tiles: [
                        (Self.tile(of: backward.contextWeight, m: t.shared, n: backward.dv, k: rows), traffic.pairs)
                    ],
                    outer: outer[1])),
        ]
        // The forward's vector operators run again (the probabilities rebuilt), on the last one.
        let recomputed = backward.forward.between.reduce(0) { $0 + $1.ops }
        for (v, op) in backward.between.enumerated() {
            let extra = v == backward.between.count - 1 ? recomputed : 0
            members.append(.vector(FusedKernel.VectorMember(op: op, ops: op.ops + extra)))
        }
        members.append(
            .gemm(
                FusedKernel.GEMMMember(
                    gemm: backward.scoreData,
                    tiles: [(Self.tile(of: backward.scoreData, m: rows, n: backward.d, k: t.shared), traffic.pairs)],
                    outer: outer[2])))
        members.append(
            .gemm(
                FusedKernel.GEMMMember(
                    gemm: backward.scoreWeight,
                    tiles: [(Self.tile(of: backward.scoreWeight, m: backward.d, n: t.shared, k: rows), traffic.pairs)],
                    outer: outer[3])))
        let waves = max(traffic.pairs / Double(hardware.memory[t.level].instances), traffic.longest)
        return FusedKernel(level: t.level, members: members, timeScale: waves / max(1, traffic.pairs))
    }

    /// The best fused backward, or why there is none (as `fuse` for a chain).
    public func fuse(_ backward: FusedAttentionBackward, keep: Int = 4) -> (
        members: [OperatorCost]?, tiling: FusedTiling?, evaluated: Int, reason: String
    ) {
        let levels = fusionLevels()
        var candidates: [(level: Int, estimate: Double, value: (FusedTiling, FusedAttentionBackward.Traffic))] = []
        let rowChoices = Mapper.tileExtents(inside: backward.forward.rows)
        let sharedChoices = Mapper.tileExtents(inside: backward.forward.shared)
        let gemms = [backward.contextData, backward.contextWeight, backward.scoreData, backward.scoreWeight]
        for level in levels {
            for rows in rowChoices {
                for shared in sharedChoices {
                    let tiling = FusedTiling(level: level, rows: rows, shared: shared, order: .sharedOuter)
                    guard backward.footprint(tiling) <= hardware.memory[level].size.si else { continue }
                    let traffic = backward.traffic(tiling)
                    let outer = outerAccesses(backward, traffic, level: level).enumerated().map { m, accesses in
                        AccessCounts.member(accesses, of: gemms[m])
                    }
                    // Five tile GEMMs of rows x shared x d (dv) per pair.
                    let slots =
                        traffic.pairs * Double(rows * backward.forward.group) * Double(shared)
                        * Double(3 * backward.d + 2 * backward.dv)
                    let estimate = kernelEstimate(
                        outer: outer, slots: slots, precision: backward.contextData.macPrecision)
                    candidates.append((level, estimate, (tiling, traffic)))
                }
            }
        }
        guard !candidates.isEmpty else {
            return (nil, nil, 0, unfitReason(backward.forward, levels: levels) + " (the backward's tiles)")
        }
        let (best, evaluated, failure) = bestKernel(candidates, keep: keep) {
            candidate throws(EvaluationError) in
            let (members, count) = try cost(kernel(backward, tiling: candidate.0, traffic: candidate.1))
            let energy = members.reduce(0) { $0 + $1.energy.total }
            let seconds = members.reduce(0) { $0 + $1.seconds }
            return (objective.score(energy: energy, seconds: seconds), (members, candidate.0), count)
        }
        guard let best else {
            return (nil, nil, evaluated, "does not fit: " + (failure ?? "no backward tile maps"))
        }
        return (best.0, best.1, evaluated, "")
    }
}
