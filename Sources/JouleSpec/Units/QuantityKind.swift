/// The physical kinds of quantity a Joule file may hold, with the words used in errors.
public enum QuantityKind: String, Sendable, CaseIterable {
    case energy, power, time, frequency, voltage, bytes, bits, bandwidth, area, length
    case energyPerBit, energyPerByte, energyPerAccess

    /// A noun phrase for error messages ("an energy", "a bandwidth").
    public var noun: String {
        switch self {
        case .energy: return "an energy"
        case .power: return "a power"
        case .time: return "a time"
        case .frequency: return "a frequency"
        case .voltage: return "a voltage"
        case .bytes: return "a size in bytes"
        case .bits: return "a width in bits"
        case .bandwidth: return "a bandwidth"
        case .area: return "an area"
        case .length: return "a length"
        case .energyPerBit: return "an energy per bit"
        case .energyPerByte: return "an energy per byte"
        case .energyPerAccess: return "an energy per access"
        }
    }

    /// A correctly written example.
    public var example: String {
        switch self {
        case .energy: return "0.2 pJ"
        case .power: return "40 W"
        case .time: return "1.5 ms"
        case .frequency: return "700 MHz"
        case .voltage: return "0.86 V"
        case .bytes: return "24 MiB"
        case .bits: return "64 bit"
        case .bandwidth: return "34 GB/s"
        case .area: return "331 mm^2"
        case .length: return "28 nm"
        case .energyPerBit: return "3.9 pJ/bit"
        case .energyPerByte: return "31 pJ/byte"
        case .energyPerAccess: return "12 pJ/access"
        }
    }

    /// The SI unit symbol values of this kind are stored in.
    public var baseSymbol: String {
        switch self {
        case .energy: return "J"
        case .power: return "W"
        case .time: return "s"
        case .frequency: return "Hz"
        case .voltage: return "V"
        case .bytes: return "B"
        case .bits: return "bit"
        case .bandwidth: return "B/s"
        case .area: return "m^2"
        case .length: return "m"
        case .energyPerBit: return "J/bit"
        case .energyPerByte: return "J/byte"
        case .energyPerAccess: return "J/access"
        }
    }

    /// The largest magnitude a file may give, in the SI base unit: far beyond any real design,
    /// and small enough that every product Joule forms with it (counts up to 2^63 times an
    /// energy, bits of a size, areas summed over instances) stays finite, and that sizes in
    /// bytes and bits convert to `Int` exactly.
    public var maximum: Double {
        switch self {
        case .energy: return 1e3  // 1 kJ: no action costs that
        case .power: return 1e9  // 1 GW: a whole data centre
        case .time: return 1e9  // ~32 years
        case .frequency: return 1e13  // 10 THz
        case .voltage: return 1e3  // 1 kV
        case .bytes: return 1_152_921_504_606_846_976  // 2^60 B = 1 EiB
        case .bits: return 1_152_921_504_606_846_976  // 2^60 bit
        case .bandwidth: return 1e18  // 1 EB/s
        case .area: return 1  // 1 m^2 = 10^6 mm^2
        case .length: return 1  // 1 m
        case .energyPerBit, .energyPerByte, .energyPerAccess: return 1  // 1 J per bit or access
        }
    }

    /// The smallest non-zero magnitude a file may give, for the kinds Joule divides by: a
    /// clock of 1e-300 Hz or a bandwidth of 1e-300 B/s would make every latency infinite.
    public var smallestNonZero: Double {
        switch self {
        case .frequency: return 1e3  // 1 kHz
        case .bandwidth: return 1  // 1 B/s
        case .voltage: return 1e-3  // 1 mV (dynamic energy scales with (V / V_nominal)^2)
        default: return 0
        }
    }
}
