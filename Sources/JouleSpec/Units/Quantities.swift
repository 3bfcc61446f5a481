// The typed quantities of Joule files: small wrappers over an SI `Double` (DESIGN.md, Units).

/// Energy in joules.
public struct Energy: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.energy
    /// An energy in picojoules.
    public static func picojoules(_ value: Double) -> Energy { Energy(si: value * 1e-12) }
    /// The energy in picojoules.
    public var picojoules: Double { si * 1e12 }
}

/// Power in watts.
public struct Power: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.power
}

/// Time in seconds.
public struct Time: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.time
}

/// Frequency in hertz.
public struct Frequency: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.frequency
    /// A frequency in megahertz.
    public static func megahertz(_ value: Double) -> Frequency { Frequency(si: value * 1e6) }
}

/// Voltage in volts.
public struct Voltage: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.voltage
}

/// A size in bytes (binary prefixes print when the size is an exact multiple).
public struct Bytes: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.bytes
}

/// A width in bits (memory access width).
public struct Bits: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.bits
}

/// Bandwidth in bytes per second.
public struct Bandwidth: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.bandwidth
}

/// Area in square metres (printed in mm² or µm²).
public struct Area: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.area
    /// An area in square millimetres.
    public static func squareMillimetres(_ value: Double) -> Area { Area(si: value * 1e-6) }
    /// The area in square millimetres.
    public var squareMillimetres: Double { si * 1e6 }
}

/// Energy per bit in joules per bit.
public struct EnergyPerBit: PhysicalQuantity {
    public var si: Double
    public init(si: Double) { self.si = si }
    public static let kind = QuantityKind.energyPerBit
    /// An energy per bit in picojoules per bit.
    public static func picojoulesPerBit(_ value: Double) -> EnergyPerBit { EnergyPerBit(si: value * 1e-12) }
}

/// Energy multiplies out of power and time, power out of energy and time.
extension Power {
    public static func * (lhs: Power, rhs: Time) -> Energy { Energy(si: lhs.si * rhs.si) }
}

extension Energy {
    public static func / (lhs: Energy, rhs: Time) -> Power { Power(si: lhs.si / rhs.si) }
}
