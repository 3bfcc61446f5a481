import YAML

/// The energy of one memory read or write as written in a file: per bit, per byte, or per
/// access of the level's `width`.
public enum MemoryAccessEnergy: Sendable, Hashable, CustomStringConvertible, Decodable {
    /// Joules per bit (also what `pJ/byte` becomes, divided by 8).
    case perBit(EnergyPerBit)
    /// Joules per access of the level's width.
    case perAccess(Energy)

    /// The accepted kinds, for errors.
    public static let kinds: [QuantityKind] = [.energyPerBit, .energyPerByte, .energyPerAccess]

    /// Reads `3.9 pJ/bit`, `31 pJ/byte` or `12 pJ/access`.
    public init(parsing text: String) throws(QuantityError) {
        let parsed = try UnitParser.parse(text, as: Self.kinds)
        switch parsed.kind {
        case .energyPerByte: self = .perBit(EnergyPerBit(si: parsed.value / 8))
        case .energyPerAccess: self = .perAccess(Energy(si: parsed.value))
        default: self = .perBit(EnergyPerBit(si: parsed.value))
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw decoder.diagnostic(error.message(expected: Self.kinds), hint: error.hint(expected: Self.kinds))
        }
    }

    /// The energy per bit, given the access width in bits (needed for per-access energies).
    public func perBit(width: Double?) -> EnergyPerBit? {
        switch self {
        case .perBit(let value): return value
        case .perAccess(let energy):
            guard let width, width > 0 else { return nil }
            return EnergyPerBit(si: energy.si / width)
        }
    }

    public var description: String {
        switch self {
        case .perBit(let value): return value.description
        case .perAccess(let energy): return energy.description + "/access"
        }
    }
}
