import JouleSpec
import YAML

/// One pool of a serving fleet as a fleet file writes it: a cluster or one hardware, the plan
/// of its replicas, and which requests it takes.
///
/// ```yaml
/// - name: h100
///   cluster: dgx-h100            # or hardware: h100-sxm
///   tp: 8                        # pp, dp default to 1
///   route: {input_tokens: {max: 512}}   # or route: auto; left out: every request not taken before
/// ```
public struct FleetPool: Sendable, Decodable {
    /// Which requests a pool takes.
    public enum Route: Sendable, Hashable {
        /// Requests whose prompt length lies in [min, max].
        case inputTokens(min: Int, max: Int)
        /// The threshold on prompt length that minimises the fleet's energy per request.
        case auto

        /// Whether the route takes a request of `input` prompt tokens (never for `auto`, which
        /// the fleet resolves to a range first).
        public func takes(_ input: Int) -> Bool {
            guard case .inputTokens(let low, let high) = self else { return false }
            return low <= input && input <= high
        }
    }

    /// The pool's name in reports (the cluster's or hardware's name when left out).
    public var name: String?
    /// The cluster file or library name, with where it was written.
    public var cluster: Located<String>?
    /// The hardware file or library name, with where it was written.
    public var hardware: Located<String>?
    /// The plan of the pool.
    public var plan: ParallelPlan
    /// Which requests the pool takes (nil: all those no earlier pool took).
    public var route: Route?
    /// Where the route was written.
    public var routeMark: SourceMark?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, cluster, hardware, tp, pp, dp, route
    }

    /// Decodes one pool, every error with its position.
    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        name = reader.optional(.name, String.self)
        cluster = reader.optional(.cluster, Located<String>.self)
        hardware = reader.optional(.hardware, Located<String>.self)
        if (cluster == nil) == (hardware == nil) {
            reader.error("give a pool either a cluster or a hardware, not both or neither", hint: "cluster: dgx-h100")
        }
        plan = ParallelPlan()
        for (key, path) in [(CodingKeys.tp, \ParallelPlan.tensor), (.pp, \.pipeline), (.dp, \.data)] {
            guard let value = reader.optional(key, Int.self) else { continue }
            if value < 1 || value > 1 << 20 {
                reader.error("\(key.stringValue) must be a positive number of devices, found \(value)", at: key)
            } else {
                plan[keyPath: path] = value
            }
        }
        routeMark = reader.mark(of: .route)
        if reader.has(.route) {
            if decoder.yamlNode?["route"]?.scalar == "auto" {
                route = .auto
            } else if let range = reader.optional(.route, RouteRange.self) {
                route = .inputTokens(min: range.min, max: range.max)
            }
        }
        try reader.finish()
    }

    /// `{input_tokens: {min: A, max: B}}` in a file.
    struct RouteRange: Decodable {
        var min: Int
        var max: Int

        enum CodingKeys: String, CodingKey, CaseIterable {
            case inputTokens = "input_tokens"
        }

        enum BoundKeys: String, CodingKey, CaseIterable {
            case min, max
        }

        init(from decoder: any Decoder) throws {
            let example = "route: {input_tokens: {max: 512}}"
            guard decoder.yamlNode?.entries != nil else {
                throw decoder.diagnostic("a route is auto or a range of prompt lengths", hint: example)
            }
            var reader = try MappingReader(decoder, keys: CodingKeys.self)
            let bounds = reader.required(.inputTokens, Bounds.self, example: example)
            try reader.finish()
            let range = try reader.unwrap(bounds)
            (min, max) = (range.min, range.max)
        }
    }

    /// `{min: A, max: B}`, either may be left out.
    struct Bounds: Decodable {
        var min: Int
        var max: Int

        init(from decoder: any Decoder) throws {
            var reader = try MappingReader(decoder, keys: RouteRange.BoundKeys.self)
            let low = reader.optional(.min, Int.self) ?? 1
            let high = reader.optional(.max, Int.self) ?? GraphBuilder.maximumLength
            if !reader.has(.min) && !reader.has(.max) {
                reader.error("give min or max (or both) prompt tokens", hint: "{max: 512}")
            }
            for (key, value) in [(RouteRange.BoundKeys.min, low), (.max, high)]
            where !RequestClass.lengths.contains(value) {
                reader.error(
                    "\(key.stringValue) must be from 1 to \(GraphBuilder.maximumLength), found \(value)", at: key)
            }
            if low > high { reader.error("min \(low) is above max \(high)", at: .min) }
            try reader.finish()
            (min, max) = (low, high)
        }
    }
}
