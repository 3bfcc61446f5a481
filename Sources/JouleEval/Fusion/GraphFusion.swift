import Foundation
import JouleSpec

extension Evaluator {
    /// Maps each distinct chain of a graph fused and puts the fused members' costs in place of
    /// the one-by-one ones where fusion is asked for and fits, or (`fusionSearch`) where it
    /// beats them on the objective. In training an attention chain is fused only with its
    /// FlashAttention-2 backward (`FusedAttentionBackward`), the two chosen together; an FFN
    /// chain runs unfused there (its fused backward is not modelled).
    func fuse(_ sites: [FusionSite], of graph: Graph, into costs: inout [OperatorCost], evaluated: inout Int)
        -> [FusionDecision]
    {
        guard !sites.isEmpty else { return [] }
        var training = false
        if case .training = graph.phase { training = true }
        var index: [String: Int] = [:]
        for (i, op) in graph.operators.enumerated() where index[op.name] == nil { index[op.name] = i }
        // Each site's backward (members and chain) in training, or why it cannot be fused.
        var backwards: [(FusedAttentionBackward, [Int])?] = []
        var problems: [String?] = []
        for site in sites {
            guard training else {
                backwards.append(nil)
                problems.append(nil)
                continue
            }
            if site.chain.kind == .attention, let backward = attentionBackward(site, in: graph, index: index) {
                backwards.append(backward)
                problems.append(nil)
            } else {
                backwards.append(nil)
                problems.append(
                    site.chain.kind == .attention
                        ? "not fused in training: its backward operators are not the ones FlashAttention-2 fuses"
                        : "not fused in training: the FFN's fused backward is not modelled")
            }
        }
        var chains: [FusedChain] = []
        var seenChains: Set<FusedChain> = []
        for (site, problem) in zip(sites, problems) where problem == nil && seenChains.insert(site.chain).inserted {
            chains.append(site.chain)
        }
        var byChain: [FusedChain: FusionOutcome] = [:]
        for (chain, outcome) in zip(chains, chains.parallelMap { fuse($0) }) {
            byChain[chain] = outcome
            if case .fused(let cost) = outcome { evaluated += cost.evaluated }
        }
        var distinctBackwards: [FusedAttentionBackward] = []
        var seenBackwards: Set<FusedAttentionBackward> = []
        for backward in backwards.compactMap({ $0?.0 }) where seenBackwards.insert(backward).inserted {
            distinctBackwards.append(backward)
        }
        var byBackward: [FusedAttentionBackward: (members: [OperatorCost]?, reason: String)] = [:]
        for (backward, result) in zip(distinctBackwards, distinctBackwards.parallelMap { fuse($0) }) {
            byBackward[backward] = (result.members, result.reason)
            evaluated += result.evaluated
        }
        var decisions: [FusionDecision] = []
        for (s, site) in sites.enumerated() {
            let members = site.members + (backwards[s]?.1 ?? [])
            let energy = members.reduce(0) { $0 + costs[$1].energy.total }
            let seconds = members.reduce(0) { $0 + costs[$1].seconds }
            var decision = FusionDecision(
                name: site.name, kind: site.chain.kind, members: members.map { graph.operators[$0].name },
                fused: false, best: nil, unfusedEnergy: energy, unfusedSeconds: seconds, reason: problems[s] ?? "")
            guard problems[s] == nil else {
                decisions.append(decision)
                continue
            }
            switch byChain[site.chain] {
            case .fused(let best):
                decision.best = best
                var fusedCosts = best.members
                if let (backward, _) = backwards[s] {
                    guard let result = byBackward[backward], let backwardCosts = result.members else {
                        decision.reason = byBackward[backward]?.reason ?? "not mapped"
                        decisions.append(decision)
                        continue
                    }
                    fusedCosts += backwardCosts
                }
                let fusedEnergy = fusedCosts.reduce(0) { $0 + $1.energy.total }
                let fusedSeconds = fusedCosts.reduce(0) { $0 + $1.seconds }
                decision.fusedEnergy = fusedEnergy
                decision.fusedSeconds = fusedSeconds
                let gain = objective.score(energy: energy, seconds: seconds)
                let cost = objective.score(energy: fusedEnergy, seconds: fusedSeconds)
                decision.fused = !graph.options.fusionSearch || cost < gain
                let change = gain > 0 ? (1 - cost / gain) * 100 : 0
                decision.reason =
                    decision.fused
                    ? String(format: "%@ %.1f%% %@", change >= 0 ? "saves" : "costs", abs(change), objective.rawValue)
                    : String(format: "fused would cost %.1f%% more %@", -change, objective.rawValue)
                if decision.fused {
                    for (k, index) in members.enumerated() { costs[index] = fusedCosts[k] }
                }
            case .unfit(let why):
                decision.reason = why
            case nil:
                decision.reason = "not mapped"
            }
            decisions.append(decision)
        }
        return decisions
    }

    /// The backward operators of an attention site in a training graph, found by name
    /// (`attn_context.dgrad`, `.wgrad`, the vector operators' `.backward` in reverse,
    /// `attn_score.dgrad`, `.wgrad`), as a fused backward and its members' indices.
    func attentionBackward(_ site: FusionSite, in graph: Graph, index: [String: Int]) -> (
        FusedAttentionBackward, [Int]
    )? {
        let ops = graph.operators
        guard let first = site.members.first, let last = site.members.last else { return nil }
        let score = ops[first].name
        let context = ops[last].name
        let vectors = site.members.dropFirst().dropLast().reversed().map { ops[$0].name + ".backward" }
        let names = [context + ".dgrad", context + ".wgrad"] + vectors + [score + ".dgrad", score + ".wgrad"]
        let indices = names.compactMap { index[$0] }
        guard indices.count == names.count else { return nil }
        let gemms = indices.compactMap { ops[$0].gemm }
        var between: [VectorOp] = []
        for i in indices.dropFirst(2).dropLast(2) {
            guard case .vector(let v) = ops[i].kind else { return nil }
            between.append(v)
        }
        guard gemms.count == 4 else { return nil }
        let backward = FusedAttentionBackward(
            forward: site.chain, contextData: gemms[0], contextWeight: gemms[1], between: between,
            scoreData: gemms[2], scoreWeight: gemms[3])
        return (backward, indices)
    }
}
