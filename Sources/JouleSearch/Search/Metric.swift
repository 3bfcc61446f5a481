import JouleSpec
import YAML

/// A figure a sweep reports for every point, usable as an objective or in a constraint.
public enum Metric: String, Sendable, Hashable, CaseIterable, Keyword {
    public static let keywordNoun = "metric"

    /// Joules per step (a decode step makes one token per sequence).
    case energy
    /// Joules per token produced (decode) or processed (prefill, training).
    case energyPerToken = "energy_per_token"
    /// Seconds per step.
    case latency
    /// Seconds per token produced or processed: latency / tokens (1 / tokens_per_second).
    case timePerToken = "time_per_token"
    /// Energy-delay product of a step (J·s).
    case edp
    /// Die area (compute plus on-chip memory, or the given total).
    case area
    /// Average power over the step.
    case power
    /// Tokens per joule.
    case tokensPerJoule = "tokens_per_joule"
    /// Tokens per second.
    case tokensPerSecond = "tokens_per_second"
    /// Zeus's cost: eta x energy + (1 - eta) x TDP x time.
    case cost
    /// Serving: median time to first token.
    case ttftP50 = "ttft_p50"
    /// Serving: 99th-percentile time to first token.
    case ttftP99 = "ttft_p99"
    /// Serving: time per output token (one iteration of continuous batching).
    case tpot
    /// Serving: joules per request.
    case energyPerRequest = "energy_per_request"
    /// Serving: joules per output token.
    case energyPerOutputToken = "energy_per_output_token"
    /// Serving: output tokens per second.
    case throughput

    /// The column in points.csv.
    public var column: String {
        switch self {
        case .energy: return "energy_j"
        case .energyPerToken: return "energy_per_token_j"
        case .latency: return "latency_s"
        case .timePerToken: return "time_per_token_s"
        case .edp: return "edp_js"
        case .area: return "area_mm2"
        case .power: return "average_power_w"
        case .tokensPerJoule: return "tokens_per_joule"
        case .tokensPerSecond: return "tokens_per_s"
        case .cost: return "cost"
        case .ttftP50: return "ttft_p50_s"
        case .ttftP99: return "ttft_p99_s"
        case .tpot: return "tpot_s"
        case .energyPerRequest: return "energy_per_request_j"
        case .energyPerOutputToken: return "energy_per_output_token_j"
        case .throughput: return "throughput_tokens_per_s"
        }
    }

    /// Whether only a serving steady state has the metric (a sweep with a `workload:` file).
    public var isServing: Bool {
        switch self {
        case .ttftP50, .ttftP99, .tpot, .energyPerRequest, .energyPerOutputToken, .throughput: return true
        default: return false
        }
    }

    /// The metrics a sweep reports, in column order: a serving sweep has every one, another
    /// sweep those that are not serving metrics.
    public static func reported(serving: Bool) -> [Metric] { allCases.filter { serving || !$0.isServing } }

    /// The metrics a serving steady state has, as `--slo` and `--optimize` name them.
    public static let serving: [Metric] = [
        .ttftP50, .ttftP99, .tpot, .energyPerRequest, .energyPerOutputToken, .throughput, .power,
    ]

    /// The metric a name gives: its raw value, or `average_power` for `power`.
    public init?(named name: String) {
        if name == "average_power" {
            self = .power
        } else {
            self.init(rawValue: name)
        }
    }

    /// The name `--slo` and `--optimize` use: `average_power` for `power`, else the raw value.
    public var servingName: String { self == .power ? "average_power" : rawValue }

    /// Whether larger is better.
    public var maximise: Bool { self == .tokensPerJoule || self == .tokensPerSecond || self == .throughput }

    /// The quantity kind a constraint on this metric is written in (nil: a plain number).
    public var kind: QuantityKind? {
        switch self {
        case .energy, .energyPerToken, .energyPerRequest, .energyPerOutputToken: return .energy
        case .latency, .timePerToken, .ttftP50, .ttftP99, .tpot: return .time
        case .area: return .area
        case .power: return .power
        default: return nil
        }
    }

    /// SI units per unit of the column (the area column is in mm^2, the rest in SI).
    public var siPerColumnUnit: Double { self == .area ? 1e-6 : 1 }
}
