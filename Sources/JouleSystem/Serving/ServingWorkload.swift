import Foundation
import JouleSpec
import YAML

/// A serving workload: one request type (fixed prompt and output lengths) and either a fixed
/// number of concurrent sequences or an arrival rate.
public struct ServingWorkload: Sendable, Hashable, Decodable {
    /// The workload's name.
    public var name: String
    /// Prompt tokens per request.
    public var inputTokens: Int
    /// Generated tokens per request.
    public var outputTokens: Int
    /// Sequences decoded together (nil when an arrival rate is given).
    public var concurrency: Int?
    /// Requests per second arriving (nil when a concurrency is given).
    public var requestsPerSecond: Double?

    /// A workload from its parts.
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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, concurrency
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case requestsPerSecond = "requests_per_second"
    }

    /// Decodes and validates a workload file, every error with its position.
    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        name = reader.optional(.name, String.self) ?? "workload"
        let input = reader.required(.inputTokens, Int.self, example: "input_tokens: 512")
        let output = reader.required(.outputTokens, Int.self, example: "output_tokens: 256")
        concurrency = reader.optional(.concurrency, Int.self)
        requestsPerSecond = reader.optional(.requestsPerSecond, Double.self)
        for (key, value) in [(CodingKeys.inputTokens, input), (.outputTokens, output)] {
            if let value, value < 1 || value > GraphBuilder.maximumLength {
                reader.error(
                    "\(key.stringValue) must be from 1 to \(GraphBuilder.maximumLength), found \(value)", at: key)
            }
        }
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
        inputTokens = try reader.unwrap(input)
        outputTokens = try reader.unwrap(output)
    }

    /// Loads a workload file.
    public static func load(_ path: String) throws(Diagnostics) -> ServingWorkload {
        try Catalog.decode(ServingWorkload.self, path: path)
    }
}
