/// What the model is doing.
public enum Phase: Sendable, Hashable, CustomStringConvertible {
    /// Process `sequence` prompt tokens of each of `batch` sequences at once.
    case prefill(batch: Int, sequence: Int)
    /// Generate one token for each of `batch` sequences with `context` tokens in the KV cache
    /// (counting the new one).
    case decode(batch: Int, context: Int)
    /// One training step on `batch` sequences of `sequence` tokens: forward, backward, optimizer.
    case training(batch: Int, sequence: Int)

    /// Sequences (or images) processed together.
    public var batch: Int {
        switch self {
        case .prefill(let batch, _), .decode(let batch, _), .training(let batch, _): return batch
        }
    }

    /// The phase's name as written on the command line.
    public var name: String {
        switch self {
        case .prefill: return "prefill"
        case .decode: return "decode"
        case .training: return "training"
        }
    }

    public var description: String {
        switch self {
        case .prefill(let batch, let sequence): return "prefill batch \(batch), sequence \(sequence)"
        case .decode(let batch, let context): return "decode batch \(batch), context \(context)"
        case .training(let batch, let sequence): return "training batch \(batch), sequence \(sequence)"
        }
    }
}

/// How a graph is built beyond its phase: masking, logits and fusion.
public struct GraphOptions: Sendable, Hashable {
    /// How many scores attention computes.
    public enum Attention: String, Sendable, Hashable, CaseIterable {
        /// Only unmasked scores (causal, sliding window): the default for decoders.
        case causal
        /// The whole score matrix (bidirectional encoders always do this).
        case full
    }

    /// Which tokens go through the LM head.
    public enum Logits: String, Sendable, Hashable, CaseIterable {
        /// The last token of each sequence (generation): the default for prefill.
        case last
        /// Every token (scoring, training).
        case all
    }

    public var attention: Attention
    public var logits: Logits
    /// Scores stay on chip (FlashAttention): score, softmax and context tensors make no DRAM trip.
    public var fusedAttention: Bool
    /// Bias, activation, residual, RoPE and norm run in the producing GEMM's epilogue.
    public var fusedEpilogues: Bool
    /// MoE expert load in place of the model file's `moe.load` (nil keeps the file's).
    public var expertLoad: ExpertLoad? = nil
    /// Source tokens an encoder-decoder's decode step cross-attends to (the encoder output's
    /// length); nil takes the context.
    public var sourceLength: Int? = nil
    /// N:M structured sparsity of the forward weights of every transformer layer (projections,
    /// FFN and experts; not the embedding, router or LM head), or nil for dense weights.
    public var weightSparsity: SparsityPattern? = nil
    /// The fraction of non-zero activations entering each FFN down-projection (ReLU-family
    /// FFNs leave most of them zero): its MACs scale by it, its bytes do not (1 for dense).
    public var activationDensity: Double = 1
    /// Tokens each sequence scores in a decode step against its KV cache: 1, or k + 1 for a
    /// speculative-decoding verification of k draft tokens.
    public var decodeTokens: Int = 1

    /// Options with the defaults: causal attention, last-token logits, no fusion.
    public init(
        attention: Attention = .causal, logits: Logits = .last, fusedAttention: Bool = false,
        fusedEpilogues: Bool = false
    ) {
        self.attention = attention
        self.logits = logits
        self.fusedAttention = fusedAttention
        self.fusedEpilogues = fusedEpilogues
    }

    /// The defaults for a model: the whole score matrix for bidirectional encoders (text and
    /// vision); causal for decoders and for an encoder-decoder, whose decoder is causal (its
    /// encoder attends bidirectionally whatever the option says).
    public static func defaults(for model: ModelConfig) -> GraphOptions {
        var options = GraphOptions()
        if model.family == .encoder || model.family == .visionEncoder { options.attention = .full }
        return options
    }

    /// The names `fusion` takes: off, on (both), attention, epilogues.
    public static let fusionNames = ["off", "on", "attention", "epilogues"]

    /// Sets the fusion flags from a name; false when the name is not one of `fusionNames`.
    public mutating func setFusion(_ name: String) -> Bool {
        switch name {
        case "off": (fusedAttention, fusedEpilogues) = (false, false)
        case "on": (fusedAttention, fusedEpilogues) = (true, true)
        case "attention": (fusedAttention, fusedEpilogues) = (true, false)
        case "epilogues": (fusedAttention, fusedEpilogues) = (false, true)
        default: return false
        }
        return true
    }
}
