import Foundation

/// Prints quantities and plain numbers the way an engineer writes them.
public enum QuantityFormat {
    private static let prefixes: [(Double, String)] = [
        (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1, ""), (1e-3, "m"), (1e-6, "µ"),
        (1e-9, "n"), (1e-12, "p"), (1e-15, "f"), (1e-18, "a"),
    ]

    /// A number with up to four significant digits and no trailing zeros (`91.75`, `0.2`, `1.2e+20`).
    public static func number(_ value: Double, significant: Int = 4) -> String {
        if value == 0 { return "0" }
        if !value.isFinite { return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan") }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e15 {
            let decimals = max(0, significant - 1 - Int(floor(log10(magnitude))))
            var text = String(format: "%.\(decimals)f", value)
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text
        }
        return String(format: "%.\(significant - 1)e", value)
    }

    /// An integer with thousands separators (`65,536`).
    public static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// A whole count with thousands separators, or in scientific form beyond Int's range.
    public static func grouped(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 9e18 else { return number(value) }
        return grouped(Int(value.rounded()))
    }

    /// A value with an SI prefix chosen so the mantissa lies in [1, 1000), e.g. `700 MHz`.
    public static func scaled(_ value: Double, unit: String, allowSmall: Bool = true, significant: Int = 4) -> String {
        if value == 0 || !value.isFinite { return "\(number(value)) \(unit)" }
        let magnitude = abs(value)
        for (factor, prefix) in prefixes where magnitude >= factor * 0.9995 || factor == 1e-18 {
            if !allowSmall && factor < 1 { return "\(number(value, significant: significant)) \(unit)" }
            return "\(number(value / factor, significant: significant)) \(prefix)\(unit)"
        }
        return "\(number(value)) \(unit)"
    }

    /// A quantity of a kind in its customary unit.
    public static func format(_ si: Double, kind: QuantityKind) -> String {
        switch kind {
        case .bytes: return bytes(si, unit: "B")
        case .bits: return "\(number(si)) bit"
        case .bandwidth: return scaled(si, unit: "B/s", allowSmall: false)
        case .area:
            let mm2 = si * 1e6
            if mm2 >= 0.01 || si == 0 { return "\(number(mm2)) mm^2" }
            return "\(number(si * 1e12)) µm^2"
        case .length: return scaled(si, unit: "m")
        case .energy where abs(si) >= 1e-16 && abs(si) < 1e-9: return "\(number(si * 1e12)) pJ"
        case .energyPerBit where abs(si) >= 1e-16 && abs(si) < 1e-9: return "\(number(si * 1e12)) pJ/bit"
        case .energyPerBit: return scaled(si, unit: "J/bit")
        case .energyPerByte: return scaled(si, unit: "J/byte")
        case .energyPerAccess: return scaled(si, unit: "J/access")
        default: return scaled(si, unit: kind.baseSymbol)
        }
    }

    /// Bytes with a binary prefix when the value is an exact multiple of one, else a decimal one.
    public static func bytes(_ value: Double, unit: String) -> String {
        let binary: [(Double, String)] = [
            (1_099_511_627_776, "Ti"), (1_073_741_824, "Gi"), (1_048_576, "Mi"), (1024, "Ki"),
        ]
        if let (factor, prefix) = binary.first(where: { abs(value) >= $0.0 }) {
            let ratio = value / factor
            if (ratio * 4).rounded() == ratio * 4 { return "\(number(ratio)) \(prefix)\(unit)" }
        }
        return scaled(value, unit: unit, allowSmall: false)
    }

    /// A quantity written so that it parses back to the same value (12 significant digits,
    /// binary prefixes for whole binary multiples of bytes).
    public static func exact(_ si: Double, kind: QuantityKind) -> String {
        switch kind {
        case .bytes:
            let binary = bytes(si, unit: "B")
            return (try? UnitParser.parse(binary).value) == si ? binary : "\(number(si, significant: 15)) B"
        case .area: return "\(number(si * 1e6, significant: 12)) mm^2"
        default: return scaled(si, unit: kind.baseSymbol, significant: 12)
        }
    }
}
