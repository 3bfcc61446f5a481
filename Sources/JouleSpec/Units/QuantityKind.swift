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
}
