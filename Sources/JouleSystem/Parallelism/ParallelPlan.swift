/// How a model is spread over a cluster's devices.
///
/// Devices are numbered tensor-parallel rank fastest, then context-parallel, then
/// data-parallel (expert-parallel groups lie inside it), then pipeline stage, as Megatron-LM
/// orders them (its default order "tp-cp-ep-dp-pp"): a tensor-parallel group is the closest
/// devices (one node when it fits), a pipeline crosses nodes last.
public struct ParallelPlan: Sendable, Hashable, CustomStringConvertible {
    /// ZeRO's stages of sharding training state over the data-parallel ranks (Rajbhandari et
    /// al., SC 2020): 0 none, 1 optimizer state, 2 and gradients, 3 and parameters.
    public enum ZeRO: Int, Sendable, Hashable, CaseIterable {
        case none = 0
        case optimizer = 1
        case gradients = 2
        case parameters = 3
    }

    /// Tensor parallelism: attention heads and FFN columns split Megatron-style.
    public var tensor: Int
    /// Pipeline stages: consecutive layers per stage.
    public var pipeline: Int
    /// Data-parallel replicas: the batch is split.
    public var data: Int
    /// Expert parallelism: MoE experts split over the data-parallel ranks.
    public var expert: Int
    /// Megatron sequence parallelism: norms and residuals split by token across the tensor
    /// group, all-reduces become reduce-scatter + all-gather.
    public var sequence: Bool
    /// Microbatches per step through the pipeline (nil: as many as stages when the batch
    /// divides, else 1).
    public var microbatches: Int?
    /// ZeRO stage (training only).
    public var zero: ZeRO
    /// Whether communication overlaps with computation.
    public var overlap: Bool
    /// The collective algorithm.
    public var algorithm: CollectiveAlgorithm
    /// Context parallelism: each sequence split over this many devices, attention run as ring
    /// attention (prefill and training); in decode the KV cache split and partial attention
    /// outputs combined.
    public var context: Int = 1
    /// Model chunks per pipeline device (the interleaved 1F1B schedule of Narayanan et al.,
    /// SC 2021): each device holds `virtualStages` chunks of layers/(pipeline x virtualStages)
    /// layers, spaced `pipeline` chunks apart; 1 is the plain 1F1B schedule.
    public var virtualStages: Int = 1
    /// Activation recomputation in training.
    public var recompute: Recompute = .none

    /// A plan; every degree defaults to 1.
    public init(
        tensor: Int = 1, pipeline: Int = 1, data: Int = 1, expert: Int = 1, sequence: Bool = false,
        microbatches: Int? = nil, zero: ZeRO = .none, overlap: Bool = false, algorithm: CollectiveAlgorithm = .auto
    ) {
        self.tensor = tensor
        self.pipeline = pipeline
        self.data = data
        self.expert = expert
        self.sequence = sequence
        self.microbatches = microbatches
        self.zero = zero
        self.overlap = overlap
        self.algorithm = algorithm
    }

    /// Devices the plan uses: tensor x context x pipeline x data.
    public var devices: Int { tensor * context * pipeline * data }

    public var description: String {
        var parts = ["TP \(tensor)", "PP \(pipeline)", "DP \(data)"]
        if context > 1 { parts.append("CP \(context)") }
        if virtualStages > 1 { parts.append("VPP \(virtualStages)") }
        if expert > 1 { parts.append("EP \(expert)") }
        if sequence { parts.append("SP") }
        if zero != .none { parts.append("ZeRO-\(zero.rawValue)") }
        if recompute != .none { parts.append("\(recompute.rawValue) recomputation") }
        return parts.joined(separator: ", ")
    }
}

/// Why a plan does not fit a model or a cluster: a sentence naming the numbers.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// An error with a message.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
