import JouleSpec

/// A fusable chain's place in a graph: its members' operator indices and a name.
public struct FusionSite: Sendable {
    /// The chain.
    public var chain: FusedChain
    /// Graph operator indices in chain order: producers, the vector operators between, consumer.
    public var members: [Int]
    /// The group's name, e.g. `L3.attention`, `L3.ffn`, `L5.experts.1`.
    public var name: String
}

extension Graph {
    /// The chains of the kinds asked for: attention (score → bias, soft-capping, softmax and
    /// any dequantization → context) and FFN (gate and up → activation → down, per expert batch)
    /// of the forward pass.
    public func fusionSites(kinds: Set<FusedChain.Kind>) -> [FusionSite] {
        var sites: [FusionSite] = []
        let ops = operators
        func gemm(_ i: Int, _ roles: Set<OperatorRole>) -> GEMM? {
            guard i < ops.count, ops[i].pass == .forward, roles.contains(ops[i].role) else { return nil }
            return ops[i].gemm
        }
        func vector(_ i: Int, _ roles: Set<OperatorRole>) -> VectorOp? {
            guard i < ops.count, ops[i].pass == .forward, roles.contains(ops[i].role),
                case .vector(let v) = ops[i].kind
            else { return nil }
            return v
        }
        /// Vector operators of the roles from `start`: their indices.
        func run(from start: Int, _ roles: Set<OperatorRole>) -> [Int] {
            var i = start
            while vector(i, roles) != nil { i += 1 }
            return Array(start..<i)
        }
        var i = 0
        while i < ops.count {
            if kinds.contains(.attention), let score = gemm(i, [.attnScore]) {
                let between = run(from: i + 1, [.positionBias, .softcap, .softmax, .dequant])
                let end = i + 1 + between.count
                if let context = gemm(end, [.attnContext]),
                    let chain = FusedChain(
                        kind: .attention, producers: [score],
                        between: between.compactMap { vector($0, [.positionBias, .softcap, .softmax, .dequant]) },
                        consumer: context, mask: mask(score, layer: ops[i].layer))
                {
                    sites.append(
                        FusionSite(
                            chain: chain, members: [i] + between + [end],
                            name: ops[end].name.replacingOccurrences(of: "attn_context", with: "attention")))
                    i = end + 1
                    continue
                }
            }
            if kinds.contains(.ffn), gemm(i, [.ffnGate, .ffnUp, .expertGate, .expertUp]) != nil {
                var producers = [i]
                var between = run(from: i + 1, [.dequant])
                var next = i + 1 + between.count
                if ops[i].role == .ffnGate || ops[i].role == .expertGate, gemm(next, [.ffnUp, .expertUp]) != nil {
                    producers.append(next)
                    between = run(from: next + 1, [.dequant])
                    next += 1 + between.count
                }
                let act = run(from: next, [.act])
                let end = next + act.count
                if act.count == 1, let down = gemm(end, [.ffnDown, .expertDown]),
                    let chain = FusedChain(
                        kind: .ffn, producers: producers.compactMap { ops[$0].gemm },
                        between: (between + act).compactMap { vector($0, [.dequant, .act]) }, consumer: down)
                {
                    let group = ops[end].role == .expertDown ? "experts" : "ffn"
                    sites.append(
                        FusionSite(
                            chain: chain, members: producers + between + act + [end],
                            name: ops[end].name.replacingOccurrences(of: ops[end].role.rawValue, with: group)))
                    i = end + 1
                    continue
                }
            }
            i += 1
        }
        return sites
    }

    /// The mask of an attention score: causal (with the layer's window) where it skips scores.
    private func mask(_ score: GEMM, layer: Int?) -> FusedChain.Mask {
        guard score.density < 1 else { return .dense }
        return FusedChain.Mask(causal: true, window: layer.flatMap { model.window(layer: $0) })
    }
}
