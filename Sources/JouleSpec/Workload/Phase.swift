import Foundation

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
    /// Attention runs fused (FlashAttention): scores and probabilities stay on chip.
    public var fusedAttention: Bool
    /// Bias, activation, residual, RoPE and norm run in the producing GEMM's epilogue.
    public var fusedEpilogues: Bool
    /// The FFN runs fused: gate and up, activation and down as one kernel, the intermediate on chip.
    public var fusedFFN: Bool = false
    /// Whether a mapped evaluation chooses, chain by chain, whether fusing attention and the
    /// FFN pays (`--fusion auto`, which also fuses the epilogues: they always pay, their
    /// operands being the producing GEMM's output tile). It sets no chain's fused flag.
    public var fusionSearch: Bool = false
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
    /// Context parallelism (ring attention; Liu et al. 2023, Megatron-LM): the phase's sequence
    /// is one device's share of a sequence this many times longer, and attention runs its
    /// queries against the keys and values of every share. Prefill and training; 1 is none.
    public var contextParallel: Int = 1

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

    /// The words `fusion` takes: off (or none), auto, on (every group), and a comma-separated
    /// list of groups (attention, ffn, epilogues) or operator chains by role
    /// (`attn_score>softmax>attn_context`, `ffn_up>act>ffn_down`).
    public static let fusionNames = ["off", "none", "auto", "on", "attention", "ffn", "epilogues"]

    /// The fusion word in effect: the one given, else `auto`; under an ideal roofline, which
    /// has no mapping to choose with, `auto` is `off` (the LLM-roofline tools' count).
    public static func fusionInEffect(_ given: String?, ideal: Bool) -> String {
        let word = given ?? "auto"
        return ideal && word == "auto" ? "off" : word
    }

    /// The fusion word these options stand for: off, auto, on, or the list of fused groups.
    public var fusionName: String {
        if fusionSearch { return "auto" }
        let groups = [("attention", fusedAttention), ("ffn", fusedFFN), ("epilogues", fusedEpilogues)]
            .filter(\.1).map(\.0)
        return groups.isEmpty ? "off" : groups.count == 3 ? "on" : groups.joined(separator: ",")
    }

    /// The role chains an explicit fusion list may name, by group.
    static let fusionChains: [(group: String, roles: [[String]])] = [
        (
            "attention",
            [
                ["attn_score", "softmax", "attn_context"], ["attn_score", "attn_softcap", "softmax", "attn_context"],
                ["attn_score", "position_bias", "softmax", "attn_context"],
            ]
        ),
        (
            "ffn",
            [
                ["ffn_up", "act", "ffn_down"], ["ffn_gate", "act", "ffn_down"],
                ["ffn_gate", "ffn_up", "act", "ffn_down"],
                ["expert_up", "act", "expert_down"], ["expert_gate", "act", "expert_down"],
                ["expert_gate", "expert_up", "act", "expert_down"],
            ]
        ),
    ]

    /// Why a fusion word is wrong, naming the part at fault, or nil when it is right.
    public static func fusionProblem(_ text: String) -> String? {
        var options = GraphOptions()
        return options.applyFusion(text)
    }

    /// Sets the fusion flags from a fusion word; false when it is wrong (`fusionProblem` says why).
    public mutating func setFusion(_ text: String) -> Bool { applyFusion(text) == nil }

    /// Sets the fusion flags from a fusion word; the problem when it is wrong.
    mutating func applyFusion(_ text: String) -> String? {
        var attention = false
        var epilogues = false
        var ffn = false
        var search = false
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        for item in items {
            switch item {
            case "off", "none": continue
            case "auto": (search, epilogues) = (true, true)
            case "on": (attention, ffn, epilogues) = (true, true, true)
            case "attention": attention = true
            case "ffn": ffn = true
            case "epilogues": epilogues = true
            default:
                guard item.contains(">") else {
                    return
                        "unknown fusion '\(item)'; expected off, auto, on, or a list of attention, ffn, epilogues, or a chain such as attn_score>softmax>attn_context"
                }
                let roles = item.split(separator: ">").map { $0.trimmingCharacters(in: .whitespaces) }
                if let unknown = roles.first(where: { OperatorRole(rawValue: $0) == nil }) {
                    return "no operator role '\(unknown)' in the chain '\(item)'"
                }
                guard let group = Self.fusionChains.first(where: { $0.roles.contains(roles) })?.group else {
                    let known = Self.fusionChains.flatMap(\.roles)
                    let link = (1..<max(1, roles.count)).first { i in
                        !known.contains { chain in
                            zip(chain, chain.dropFirst()).contains { $0 == (roles[i - 1], roles[i]) }
                        }
                    }
                    let at = link.map { "\(roles[$0 - 1]) does not feed \(roles[$0])" } ?? "it is not a whole chain"
                    return
                        "'\(item)' is not a producer -> consumer chain Joule fuses (\(at)); fusable chains: attn_score>softmax>attn_context, ffn_gate>ffn_up>act>ffn_down"
                }
                if group == "attention" { attention = true } else { ffn = true }
            }
        }
        (fusedAttention, fusedFFN, fusedEpilogues, fusionSearch) = (attention, ffn, epilogues, search)
        return nil
    }
}
