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
        }
    }

    /// Whether larger is better.
    public var maximise: Bool { self == .tokensPerJoule || self == .tokensPerSecond }

    /// The quantity kind a constraint on this metric is written in (nil: a plain number).
    public var kind: QuantityKind? {
        switch self {
        case .energy, .energyPerToken: return .energy
        case .latency, .timePerToken: return .time
        case .area: return .area
        case .power: return .power
        default: return nil
        }
    }

    /// SI units per unit of the column (the area column is in mm^2, the rest in SI).
    public var siPerColumnUnit: Double { self == .area ? 1e-6 : 1 }
}
