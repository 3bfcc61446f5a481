import Foundation
import JouleSpec
import YAML

/// A serving workload: its requests (one fixed type, or a mix) and either a fixed number of
/// concurrent sequences or an arrival rate.
///
/// A file gives the requests in one of four forms: fixed lengths (`input_tokens: 512`,
/// `output_tokens: 256`), a distribution for either length
/// (`input_tokens: {distribution: uniform, min: 128, max: 1024}`, see `LengthDistribution`),
/// a list of classes (`requests: [{input_tokens: 128, output_tokens: 64, share: 0.7}, ...]`),
/// or a CSV trace (`trace: requests.csv`, beside the workload file, see `RequestTrace`).
public struct ServingWorkload: Sendable, Hashable, Decodable {
    /// The workload's name.
    public var name: String
    /// Prompt tokens per request (for a mix, the mean, rounded).
    public var inputTokens: Int
    /// Generated tokens per request (for a mix, the mean, rounded).
    public var outputTokens: Int
    /// The request mix; nil for one request type of `inputTokens` and `outputTokens`.
    public var mix: RequestMix?
    /// Sequences decoded together (nil when an arrival rate is given).
    public var concurrency: Int?
    /// Requests per second arriving (nil when a concurrency is given).
    public var requestsPerSecond: Double?

    /// A workload of one request type from its parts.
    public init(
        name: String = "workload", inputTokens: Int, outputTokens: Int, concurrency: Int? = nil,
        requestsPerSecond: Double? = nil
    ) {
        self.name = name
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.concurrency = concurrency
        self.requestsPerSecond = requestsPerSecond
    }

    /// A workload of a request mix from its parts.
    public init(name: String = "workload", mix: RequestMix, concurrency: Int? = nil, requestsPerSecond: Double? = nil) {
        self.init(
            name: name, inputTokens: Int(mix.meanInputTokens.rounded()),
            outputTokens: Int(mix.meanOutputTokens.rounded()), concurrency: concurrency,
            requestsPerSecond: requestsPerSecond)
        self.mix = mix
    }

    /// The requests as classes: the mix's, or the one fixed type with share 1.
    public var requestMix: RequestMix {
        mix ?? RequestMix([RequestClass(inputTokens: inputTokens, outputTokens: outputTokens)], origin: .classes)
    }

    /// The requests in a report: `512 in / 256 out`, or the mix's summary.
    public var requestSummary: String {
        mix?.summary ?? "\(inputTokens) in / \(outputTokens) out"
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, concurrency, requests, trace
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case requestsPerSecond = "requests_per_second"
    }

    /// Decodes and validates a workload file, every error with its position.
    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let name = reader.optional(.name, String.self) ?? "workload"
        // The ways the requests may be given that the file uses (lengths count once, by either key).
        let forms = [CodingKeys.inputTokens, .requests, .trace].filter {
            reader.has($0) || $0 == .inputTokens && reader.has(.outputTokens)
        }
        if forms.count > 1 {
            reader.error(
                "give the requests one way: input_tokens and output_tokens, requests, or trace, not \(forms.map(\.stringValue).joined(separator: " and "))",
                at: forms[1], hint: "trace: requests.csv")
        }
        var mix: RequestMix?
        var fixed: (input: Int, output: Int)?
        switch forms.first {
        case .requests:
            let classes = reader.optional(.requests, [RequestClass].self)
            if let classes, classes.isEmpty {
                reader.error(
                    "requests lists no request class", at: .requests,
                    hint: "requests: [{input_tokens: 128, output_tokens: 64, share: 0.7}]")
            } else if let classes {
                mix = RequestMix(classes, origin: .classes)
            }
        case .trace:
            if let file = reader.optional(.trace, String.self) {
                let beside = ((decoder.sourcePath ?? "") as NSString).deletingLastPathComponent
                let path = file.hasPrefix("/") ? file : (beside as NSString).appendingPathComponent(file)
                do {
                    mix = RequestMix(try RequestTrace.load(path), origin: .trace(path: path))
                } catch {
                    reader.error("trace '\(file)' could not be read", at: .trace)
                    reader.absorb(error)
                }
            }
        default:
            let example = "input_tokens: 512"
            let input = reader.required(.inputTokens, LengthDistribution.self, example: example)
            let output = reader.required(.outputTokens, LengthDistribution.self, example: "output_tokens: 256")
            for (key, value) in [(CodingKeys.inputTokens, input), (.outputTokens, output)] {
                if case .fixed(let length)? = value, !RequestClass.lengths.contains(length) {
                    reader.error(
                        "\(key.stringValue) must be from 1 to \(GraphBuilder.maximumLength), found \(length)", at: key)
                }
            }
            switch (input, output) {
            case (.fixed(let input)?, .fixed(let output)?): fixed = (input, output)
            case (let input?, let output?): mix = RequestMix(input: input, output: output)
            default: break
            }
        }
        let concurrency = reader.optional(.concurrency, Int.self)
        let requestsPerSecond = reader.optional(.requestsPerSecond, Double.self)
        if let concurrency, concurrency < 1 || concurrency > GraphBuilder.maximumBatch {
            reader.error(
                "concurrency must be from 1 to \(GraphBuilder.maximumBatch), found \(concurrency)", at: .concurrency)
        }
        if let rate = requestsPerSecond, !(rate > 0 && rate < 1e9) {
            reader.error("requests_per_second must be positive, found \(rate)", at: .requestsPerSecond)
        }
        if (concurrency == nil) == (requestsPerSecond == nil) {
            reader.error(
                "give either concurrency (sequences decoded together) or requests_per_second, not both or neither",
                hint: "concurrency: 32")
        }
        try reader.finish()
        if let fixed {
            self.init(
                name: name, inputTokens: fixed.input, outputTokens: fixed.output, concurrency: concurrency,
                requestsPerSecond: requestsPerSecond)
        } else {
            self.init(
                name: name, mix: try reader.unwrap(mix), concurrency: concurrency, requestsPerSecond: requestsPerSecond)
        }
    }

    /// Loads a workload file (a trace it names is read from beside it).
    public static func load(_ path: String) throws(Diagnostics) -> ServingWorkload {
        try Catalog.decode(ServingWorkload.self, path: path)
    }
}
