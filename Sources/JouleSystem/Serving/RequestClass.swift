import JouleSpec
import YAML

/// One kind of request in a serving mix: fixed prompt and output lengths, and its share of the
/// requests.
public struct RequestClass: Sendable, Hashable, Decodable {
    /// Prompt tokens per request.
    public var inputTokens: Int
    /// Generated tokens per request.
    public var outputTokens: Int
    /// This class's fraction of the requests (a mix's shares sum to 1; a file's are relative
    /// weights, normalised when the mix is built).
    public var share: Double

    /// A request class from its parts.
    public init(inputTokens: Int, outputTokens: Int, share: Double = 1) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.share = share
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case share
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
    }

    /// Decodes one entry of a workload's `requests:` list, every error with its position.
    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let example = "{input_tokens: 128, output_tokens: 64, share: 0.7}"
        let input = reader.required(.inputTokens, Int.self, example: example)
        let output = reader.required(.outputTokens, Int.self, example: example)
        let share = reader.required(.share, Double.self, example: example)
        for (key, value) in [(CodingKeys.inputTokens, input), (.outputTokens, output)] {
            if let value, !RequestClass.lengths.contains(value) {
                reader.error(
                    "\(key.stringValue) must be from 1 to \(GraphBuilder.maximumLength), found \(value)", at: key)
            }
        }
        if let share, !(share > 0 && share.isFinite) {
            reader.error("share must be a positive number, found \(share)", at: .share, hint: "share: 0.7")
        }
        try reader.finish()
        self.init(
            inputTokens: try reader.unwrap(input), outputTokens: try reader.unwrap(output),
            share: try reader.unwrap(share))
    }

    /// The token counts a prompt or an output may have.
    public static let lengths = 1...GraphBuilder.maximumLength
}
