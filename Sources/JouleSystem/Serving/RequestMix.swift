import Foundation

/// A serving workload's requests as classes of fixed lengths with shares, and how the file gave
/// them (distributions cut into buckets, a list of classes, or a CSV trace).
///
/// The steady-state figures of a mix weigh each class by how long its requests stay in the
/// batch: a request of class i decodes out_i iterations, so among the sequences decoding at
/// any moment a fraction share_i · out_i / E[out] are of class i.
public struct RequestMix: Sendable, Hashable {
    /// Where the classes came from.
    public enum Origin: Sendable, Hashable {
        /// A prompt and an output length distribution, independent, each cut into buckets.
        case distributions(input: LengthDistribution, output: LengthDistribution)
        /// A list of classes written in the workload file.
        case classes
        /// A CSV trace, its path as resolved.
        case trace(path: String)
    }

    /// The classes, their shares summing to 1.
    public private(set) var classes: [RequestClass]
    /// Where the classes came from.
    public var origin: Origin

    /// A mix of classes; shares are normalised to sum to 1 (a file's shares may be weights).
    public init(_ classes: [RequestClass], origin: Origin) {
        let total = classes.map(\.share).reduce(0, +)
        self.classes = classes.map {
            RequestClass(inputTokens: $0.inputTokens, outputTokens: $0.outputTokens, share: $0.share / total)
        }
        self.origin = origin
    }

    /// The mix of two independent length distributions: every pair of a prompt bucket and an
    /// output bucket, its share the product of theirs.
    public init(input: LengthDistribution, output: LengthDistribution) {
        var classes: [RequestClass] = []
        for prompt in input.buckets {
            for answer in output.buckets {
                classes.append(
                    RequestClass(
                        inputTokens: prompt.length, outputTokens: answer.length, share: prompt.share * answer.share))
            }
        }
        self.init(classes, origin: .distributions(input: input, output: output))
    }

    /// The mean prompt length over requests, E[in].
    public var meanInputTokens: Double { mean { Double($0.inputTokens) } }
    /// The mean output length over requests, E[out].
    public var meanOutputTokens: Double { mean { Double($0.outputTokens) } }
    /// The mean context of the sequences decoding, E[out · (in + out/2)] / E[out]: a request of
    /// class i is in the batch out_i iterations at an average context in_i + out_i/2.
    public var meanDecodeContext: Double {
        mean { Double($0.outputTokens) * (Double($0.inputTokens) + Double($0.outputTokens) / 2) } / meanOutputTokens
    }
    /// The mean final length of the sequences decoding, E[out · (in + out)] / E[out]: the KV
    /// cache each running sequence reserves, weighted by its time in the batch.
    public var meanReservedContext: Double {
        mean { Double($0.outputTokens) * Double($0.inputTokens + $0.outputTokens) } / meanOutputTokens
    }

    /// The mean of a figure over requests.
    public func mean(_ figure: (RequestClass) -> Double) -> Double {
        classes.reduce(0) { $0 + $1.share * figure($1) }
    }

    /// How the mix reads in a report: its source and its mean lengths.
    public var summary: String {
        let means = "mean \(Int(meanInputTokens.rounded())) in / \(Int(meanOutputTokens.rounded())) out"
        switch origin {
        case .distributions(let input, let output):
            return "input \(input), output \(output) (\(classes.count) classes); \(means)"
        case .classes:
            return "\(classes.count) request classes; \(means)"
        case .trace(let path):
            return "trace \((path as NSString).lastPathComponent) (\(classes.count) distinct requests); \(means)"
        }
    }

    /// The value below which a fraction q of the requests fall (the smallest value whose
    /// cumulative share reaches q, the nearest-rank percentile of the discretised mix).
    public static func percentile(_ q: Double, of values: [(value: Double, share: Double)]) -> Double {
        let sorted = values.sorted { $0.value < $1.value }
        var cumulative = 0.0
        for entry in sorted {
            cumulative += entry.share
            if cumulative >= q - 1e-12 { return entry.value }
        }
        return sorted.last?.value ?? 0
    }
}
