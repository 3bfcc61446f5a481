import JouleSpec

/// What one device must hold, against its off-chip memory.
///
/// Inference: weights, the KV cache of every sequence the device serves, and the activation
/// working set (the largest operator's inputs and outputs). Training adds gradients and the
/// optimizer state (mixed-precision Adam: an fp32 master copy, momentum and variance, 12
/// bytes per parameter; Rajbhandari et al., ZeRO, SC 2020, section 3.1), sharded over the
/// data-parallel ranks by the ZeRO stage, and the activations saved for the backward pass
/// (Korthikanti et al., "Reducing Activation Recomputation in Large Transformer Models",
/// MLSys 2023, table 2).
public struct MemoryFootprint: Sendable, Hashable {
    /// Parameters held.
    public var weights: Double
    /// KV cache.
    public var kvCache: Double
    /// Activations: the working set in inference, everything saved for backward in training.
    public var activations: Double
    /// Gradients (training).
    public var gradients: Double
    /// Optimizer state (training).
    public var optimizer: Double
    /// The device's off-chip capacity (nil when it has no off-chip level).
    public var capacity: Double?
    /// The names of the off-chip levels, for messages.
    public var memoryName: String

    /// Optimizer bytes per parameter for mixed-precision Adam: fp32 parameters, momentum and
    /// variance (ZeRO's K = 12).
    public static let adamBytesPerParameter = 12.0

    /// Everything the device holds.
    public var total: Double { weights + kvCache + activations + gradients + optimizer }

    /// Bytes past the capacity (0 when it fits).
    public var overflow: Double { capacity.map { max(0, total - $0) } ?? 0 }

    /// Whether it fits.
    public var fits: Bool { overflow == 0 }

    /// The parts, named, in a fixed order (zero parts left out).
    public var parts: [(name: String, bytes: Double)] {
        [
            ("weights", weights), ("KV cache", kvCache), ("activations", activations), ("gradients", gradients),
            ("optimizer state", optimizer),
        ].filter { $0.1 > 0 }
    }

    /// A sentence saying what overflows and by how much (nil when it fits).
    public var overflowMessage: String? {
        guard let capacity, !fits else { return nil }
        let sum = parts.map { "\($0.name) \(Bytes(si: $0.bytes))" }.joined(separator: " + ")
        return
            "\(sum) = \(Bytes(si: total)) per device overflow the \(Bytes(si: capacity)) of \(memoryName) by \(Bytes(si: overflow))"
    }

    /// Parameter, gradient and optimizer bytes per device for training state alone (ZeRO,
    /// section 5): stage 1 shards the optimizer state, 2 the gradients too, 3 the parameters too.
    public static func trainingState(
        parameters: Double, weightBytes: Double, gradientBytes: Double, zero: ParallelPlan.ZeRO, data: Int
    ) -> (weights: Double, gradients: Double, optimizer: Double) {
        let n = Double(max(1, data))
        let weights = parameters * weightBytes / (zero == .parameters ? n : 1)
        let gradients = parameters * gradientBytes / (zero.rawValue >= 2 ? n : 1)
        let optimizer = parameters * adamBytesPerParameter / (zero.rawValue >= 1 ? n : 1)
        return (weights, gradients, optimizer)
    }

    /// Activation bytes one transformer layer saves for the backward pass (Korthikanti et
    /// al. 2023, table 2, 16-bit activations): s·b·h·(10 + 24/t + 5·a·s/(h·t)) with tensor
    /// parallelism t, s·b·h/t·(34 + 5·a·s/h) with sequence parallelism too. Fused attention
    /// (FlashAttention) keeps no score matrix, which drops the 5·a·s/h term. Scaled by the
    /// activation width over 2 bytes. Under context parallelism `s` is the device's share of the
    /// sequence and `keys` the whole sequence its queries attend to (the score term is s x keys);
    /// nil keys means the sequence. Selective recomputation keeps no score term either; full
    /// recomputation keeps only the layer's input, 2·s·b·h (table 2), split over the tensor
    /// group with sequence parallelism (each rank keeps its sequence shard).
    public static func savedActivationsPerLayer(
        sequence s: Int, keys: Int? = nil, batch b: Int, hidden h: Int, heads a: Int, tensor t: Int,
        sequenceParallel: Bool, fusedAttention: Bool, recompute: ParallelPlan.Recompute = .none,
        activationBytes: Double
    ) -> Double {
        let (sd, bd, hd, ad, td) = (Double(s), Double(b), Double(h), Double(a), Double(t))
        if recompute == .full { return sd * bd * hd * 2 / (sequenceParallel ? td : 1) * activationBytes / 2 }
        let scores = fusedAttention || recompute == .selective ? 0 : 5 * ad * Double(keys ?? s) / hd
        let perElement = sequenceParallel ? (34 + scores) / td : 10 + 24 / td + scores / td
        return sd * bd * hd * perElement * activationBytes / 2
    }
}
