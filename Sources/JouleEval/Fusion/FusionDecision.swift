import JouleSpec

/// What evaluation did with one fusable chain of a graph: fused or not, why, and the two costs.
public struct FusionDecision: Sendable {
    /// The group's name (`L3.attention`).
    public var name: String
    /// Its pattern.
    public var kind: FusedChain.Kind
    /// Its member operators' names, in chain order.
    public var members: [String]
    /// Whether the chain runs fused.
    public var fused: Bool
    /// The best fused mapping of the forward chain, when one fits.
    public var best: FusedChainCost?
    /// The fused kernels' joules and seconds (the forward chain's, and in training its fused
    /// backward's), when they fit.
    public var fusedEnergy: Double?
    public var fusedSeconds: Double?
    /// The members (in training, the backward's too) run one by one: joules and seconds.
    public var unfusedEnergy: Double
    public var unfusedSeconds: Double
    /// Why the chain runs as it does, as a phrase ("saves 12% energy", "does not fit: ...").
    public var reason: String

    /// The holding level's name, when fused or fusable.
    public func levelName(_ hardware: Accelerator) -> String? {
        best.map { hardware.memory[$0.tiling.level].name }
    }
}

extension GraphOptions {
    /// The chain kinds a mapped evaluation fuses (every kind, considered, under `fusionSearch`).
    public var fusedKinds: Set<FusedChain.Kind> {
        if fusionSearch { return Set(FusedChain.Kind.allCases) }
        var kinds: Set<FusedChain.Kind> = []
        if fusedAttention { kinds.insert(.attention) }
        if fusedFFN { kinds.insert(.ffn) }
        return kinds
    }
}
