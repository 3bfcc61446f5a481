import YAML

/// The core clocks a device supports (file key `clock_range: { min, max }`, as `nvidia-smi -q -d
/// SUPPORTED_CLOCKS` lists them): a power cap lowers the clock no further than `minimum`.
/// `maximum` may exceed the nominal `clock` (a boost clock); Joule models clocks up to the
/// nominal one, whose voltage it knows.
public struct ClockRange: Sendable, Hashable, Decodable {
    /// The lowest supported clock.
    public var minimum: Frequency
    /// The highest supported clock.
    public var maximum: Frequency

    /// A range from its bounds.
    public init(minimum: Frequency, maximum: Frequency) {
        self.minimum = minimum
        self.maximum = maximum
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case min, max }

    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let minimum = reader.required(.min, Frequency.self, example: "min: 345 MHz")
        let maximum = reader.required(.max, Frequency.self, example: "max: 1980 MHz")
        if let minimum, minimum.si <= 0 { reader.error("min must be positive", at: .min) }
        if let minimum, let maximum, maximum.si < minimum.si {
            reader.error("max (\(maximum)) is below min (\(minimum))", at: .max)
        }
        try reader.finish()
        self.init(minimum: try reader.unwrap(minimum), maximum: try reader.unwrap(maximum))
    }
}
