import YAML

/// One DVFS point: a clock frequency and the supply voltage it needs.
public struct OperatingPoint: Sendable, Hashable, Decodable {
    /// The clock frequency.
    public var frequency: Frequency
    /// The supply voltage.
    public var voltage: Voltage
    /// An optional label (e.g. `nominal`, `eco`).
    public var name: String?

    /// A point from its frequency and voltage.
    public init(frequency: Frequency, voltage: Voltage, name: String? = nil) {
        self.frequency = frequency
        self.voltage = voltage
        self.name = name
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case frequency, voltage, name }

    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let frequency = reader.required(.frequency, Frequency.self, example: "frequency: 700 MHz")
        let voltage = reader.required(.voltage, Voltage.self, example: "voltage: 0.86 V")
        name = reader.optional(.name, String.self)
        if let frequency, frequency.si <= 0 { reader.error("frequency must be positive", at: .frequency) }
        if let voltage, voltage.si <= 0 { reader.error("voltage must be positive", at: .voltage) }
        try reader.finish()
        self.frequency = try reader.unwrap(frequency)
        self.voltage = try reader.unwrap(voltage)
    }
}
