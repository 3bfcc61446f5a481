import Foundation
import JouleSpec
import YAML

/// How a workload's prompt or output lengths are spread: one fixed length, or a distribution
/// that is cut into equal-probability buckets so that an evaluation stays fast and deterministic.
///
/// In a workload file a length is a number (`input_tokens: 512`) or a mapping:
///
/// - `{distribution: uniform, min: 128, max: 1024}`: every whole length from min to max alike;
/// - `{distribution: lognormal, median: 512, sigma: 0.8, max: 8192}`: ln(length) normal with
///   mean ln(median) and standard deviation sigma, a right-skewed shape whose two parameters
///   are fitted to a trace's median and spread; truncated to [min, max] (min defaults to 1,
///   max to the longest sequence Joule builds).
public enum LengthDistribution: Sendable, Hashable, Decodable, CustomStringConvertible {
    /// Every request has this many tokens.
    case fixed(Int)
    /// Whole lengths from `min` to `max`, all equally likely.
    case uniform(min: Int, max: Int)
    /// ln(length) normal around ln(median) with standard deviation sigma, truncated to [min, max].
    case lognormal(median: Double, sigma: Double, min: Int, max: Int)

    /// The equal-probability buckets a distribution is cut into. 16 buckets put the top one at
    /// the 97th percentile, so p90 and p99 figures resolve the tail; a mix of two distributed
    /// lengths has at most 16 x 16 request classes and 16 distinct prompt lengths to prefill.
    public static let bucketCount = 16

    /// The lengths standing for the distribution and their probabilities: the length at the
    /// middle quantile (k + 1/2) / n of each of n equal-probability buckets, buckets of equal
    /// length merged.
    public var buckets: [(length: Int, share: Double)] {
        guard case .fixed(let length) = self else {
            let n = Self.bucketCount
            var merged: [(length: Int, share: Double)] = []
            for k in 0..<n {
                let length = quantile((Double(k) + 0.5) / Double(n))
                if let last = merged.last, last.length == length {
                    merged[merged.count - 1].share += 1 / Double(n)
                } else {
                    merged.append((length, 1 / Double(n)))
                }
            }
            return merged
        }
        return [(length, 1)]
    }

    /// The length below which a fraction p of requests fall (0 < p < 1), rounded to whole tokens.
    public func quantile(_ p: Double) -> Int {
        switch self {
        case .fixed(let length):
            return length
        case .uniform(let low, let high):
            // The continuous uniform on [min, max + 1), floored: each whole length has 1/(max-min+1).
            return Swift.min(high, low + Int((p * Double(high - low + 1)).rounded(.down)))
        case .lognormal(let median, let sigma, let low, let high):
            let below = StandardNormal.cdf(log(Double(low) / median) / sigma)
            let above = StandardNormal.cdf(log(Double(high) / median) / sigma)
            let z = StandardNormal.quantile(below + p * (above - below))
            return Swift.min(high, Swift.max(low, Int((median * exp(sigma * z)).rounded())))
        }
    }

    /// How the distribution reads in a report.
    public var description: String {
        switch self {
        case .fixed(let length): return "\(length)"
        case .uniform(let low, let high): return "uniform \(low)-\(high)"
        case .lognormal(let median, let sigma, let low, let high):
            return
                "lognormal median \(QuantityFormat.number(median)) sigma \(QuantityFormat.number(sigma)), \(low)-\(high)"
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case distribution, min, max, median, sigma
    }

    /// The distributions a file may name.
    enum Kind: String, Keyword {
        case uniform, lognormal
        static let keywordNoun = "length distribution"
    }

    /// Decodes a number or a distribution mapping, every error with its position.
    public init(from decoder: any Decoder) throws {
        guard decoder.yamlNode?.entries != nil else {
            self = .fixed(try decoder.singleValueContainer().decode(Int.self))
            return
        }
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let kind = reader.required(
            .distribution, Kind.self, example: "{distribution: lognormal, median: 512, sigma: 0.8, max: 8192}")
        let low = reader.optional(.min, Int.self)
        let high = reader.optional(.max, Int.self)
        let median = reader.optional(.median, Double.self)
        let sigma = reader.optional(.sigma, Double.self)
        for (key, value) in [(CodingKeys.min, low), (.max, high)] {
            if let value, !RequestClass.lengths.contains(value) {
                reader.error(
                    "\(key.stringValue) must be from 1 to \(GraphBuilder.maximumLength), found \(value)", at: key)
            }
        }
        if let low, let high, low > high {
            reader.error("min \(low) is above max \(high)", at: .min)
        }
        switch kind {
        case .uniform:
            if low == nil { reader.missing(.min, example: "min: 128") }
            if high == nil { reader.missing(.max, example: "max: 1024") }
            for key in [CodingKeys.median, .sigma] where reader.has(key) {
                reader.error(
                    "a uniform distribution takes min and max, not \(key.stringValue)", at: key,
                    hint: "{distribution: uniform, min: 128, max: 1024}")
            }
        case .lognormal:
            if median == nil { reader.missing(.median, example: "median: 512") }
            if sigma == nil { reader.missing(.sigma, example: "sigma: 0.8") }
            if let median, !(median >= 1 && median <= Double(GraphBuilder.maximumLength)) {
                reader.error(
                    "median must be from 1 to \(GraphBuilder.maximumLength) tokens, found \(median)", at: .median)
            }
            if let sigma, !(sigma > 0 && sigma <= 10) {
                reader.error("sigma must be above 0 and at most 10, found \(sigma)", at: .sigma, hint: "sigma: 0.8")
            }
        case nil:
            break
        }
        try reader.finish()
        switch try reader.unwrap(kind) {
        case .uniform:
            self = .uniform(min: try reader.unwrap(low), max: try reader.unwrap(high))
        case .lognormal:
            self = .lognormal(
                median: try reader.unwrap(median), sigma: try reader.unwrap(sigma), min: low ?? 1,
                max: high ?? GraphBuilder.maximumLength)
        }
    }
}

/// The standard normal distribution's CDF and its inverse.
enum StandardNormal {
    /// P(Z <= z) = erfc(-z / sqrt 2) / 2.
    static func cdf(_ z: Double) -> Double { erfc(-z / 2.0.squareRoot()) / 2 }

    /// The z with cdf(z) = p, by bisection on [-40, 40] to the last bit (deterministic, and
    /// exact enough for quantile buckets; cdf is monotone).
    static func quantile(_ p: Double) -> Double {
        var (low, high) = (-40.0, 40.0)
        for _ in 0..<200 where high - low > 1e-12 {
            let middle = (low + high) / 2
            if cdf(middle) < p { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }
}
