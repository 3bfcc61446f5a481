import YAML

/// The power limits a device accepts (`nvidia-smi -pl` refuses values outside them) and the
/// one it applies by default (file key `power_limits: { min, max, default }`).
public struct PowerLimits: Sendable, Hashable, Decodable {
    /// The lowest limit the device accepts.
    public var minimum: Power
    /// The highest limit the device accepts.
    public var maximum: Power
    /// The limit in force unless one is set; `maximum` when left out.
    public var defaultLimit: Power

    /// A range from its bounds and default.
    public init(minimum: Power, maximum: Power, defaultLimit: Power? = nil) {
        self.minimum = minimum
        self.maximum = maximum
        self.defaultLimit = defaultLimit ?? maximum
    }

    /// Whether a limit lies within the range.
    public func contains(_ limit: Power) -> Bool {
        limit.si >= minimum.si * (1 - 1e-12) && limit.si <= maximum.si * (1 + 1e-12)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case min, max
        case defaultLimit = "default"
    }

    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let minimum = reader.required(.min, Power.self, example: "min: 200 W")
        let maximum = reader.required(.max, Power.self, example: "max: 700 W")
        let written = reader.optional(.defaultLimit, Power.self)
        if let minimum, minimum.si <= 0 { reader.error("min must be positive", at: .min) }
        if let minimum, let maximum, maximum.si < minimum.si {
            reader.error("max (\(maximum)) is below min (\(minimum))", at: .max)
        }
        if let written, let minimum, let maximum, written.si < minimum.si || written.si > maximum.si {
            reader.error("default (\(written)) lies outside min to max (\(minimum) to \(maximum))", at: .defaultLimit)
        }
        try reader.finish()
        self.init(minimum: try reader.unwrap(minimum), maximum: try reader.unwrap(maximum), defaultLimit: written)
    }
}
