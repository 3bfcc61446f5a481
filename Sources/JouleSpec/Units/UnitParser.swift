import YAML

/// A number with a unit, read from text such as `3.9 pJ/bit` or `24 MiB`, in SI base units.
public struct ParsedQuantity: Sendable, Equatable {
    /// The value in the SI base unit of `kind` (J, W, s, Hz, V, B, bit, B/s, m^2, m, J/bit ...).
    public var value: Double
    /// What kind of quantity the unit denotes.
    public var kind: QuantityKind
}

/// Why a quantity could not be read.
public enum QuantityError: Error, Sendable, Equatable {
    /// The text has no leading number.
    case notANumber(String)
    /// A number without the unit the quantity needs.
    case bareNumber(Double)
    /// A unit nobody knows; `suggestion` is the closest known symbol.
    case unknownUnit(String, suggestion: String?)
    /// A valid quantity of the wrong kind (`3 GB` where a bandwidth is needed).
    case wrongKind(found: QuantityKind, text: String)
    /// A number too large for its kind (`1e400 nm`, `1e308 B`), beyond `QuantityKind.maximum`,
    /// or too small to divide by (`1e-300 Hz`), below `QuantityKind.smallestNonZero`.
    case outOfRange(text: String, kind: QuantityKind)

    /// A sentence for an error message, given what was expected.
    public func message(expected: [QuantityKind]) -> String {
        let wanted = expected.map(\.noun).joined(separator: " or ")
        switch self {
        case .notANumber(let text): return "expected \(wanted), found '\(text)'"
        case .bareNumber(let value):
            return "expected \(wanted) with a unit, found the bare number \(QuantityFormat.number(value))"
        case .unknownUnit(let unit, _): return "unknown unit '\(unit)' (expected \(wanted))"
        case .wrongKind(let found, let text): return "expected \(wanted), but '\(text)' is \(found.noun)"
        case .outOfRange(let text, let kind):
            let smallest =
                kind.smallestNonZero > 0
                ? ", and zero or at least \(QuantityFormat.format(kind.smallestNonZero, kind: kind))" : ""
            return
                "'\(text)' is out of range for \(kind.noun) (at most \(QuantityFormat.format(kind.maximum, kind: kind)) in magnitude\(smallest))"
        }
    }

    /// An example of the right form, with a suggestion when there is one.
    public func hint(expected: [QuantityKind]) -> String {
        let examples = expected.map(\.example).joined(separator: "' or '")
        if case .unknownUnit(_, let suggestion?) = self {
            return "did you mean '\(suggestion)'? for example: '\(examples)'"
        }
        return "for example: '\(examples)'"
    }
}

/// Parses numbers with units. SI prefixes are decimal (1 KB = 1 kB = 1000 B); binary prefixes
/// (KiB, MiB, GiB, TiB) are powers of 1024. `b`/`bit` are bits, `B`/`byte` bytes.
public enum UnitParser {
    private static let decimalPrefixes: [(String, Double)] = [
        ("", 1), ("a", 1e-18), ("f", 1e-15), ("p", 1e-12), ("n", 1e-9), ("u", 1e-6), ("µ", 1e-6), ("μ", 1e-6),
        ("m", 1e-3), ("k", 1e3), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12), ("P", 1e15),
    ]
    private static let binaryPrefixes: [(String, Double)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624),
    ]

    /// Base symbols, each with its kind; prefixes attach in front.
    private static let bases: [(symbol: String, kind: QuantityKind, scale: Double)] = [
        ("J", .energy, 1), ("W", .power, 1), ("s", .time, 1), ("Hz", .frequency, 1), ("V", .voltage, 1),
        ("B", .bytes, 1), ("byte", .bytes, 1), ("bytes", .bytes, 1), ("b", .bits, 1), ("bit", .bits, 1),
        ("bits", .bits, 1), ("m^2", .area, 1), ("m2", .area, 1), ("m²", .area, 1), ("m", .length, 1),
    ]

    /// Every symbol accepted on its own, for suggestions.
    public static let knownSymbols: [String] = {
        var symbols: [String] = []
        for base in ["J", "W", "s", "Hz", "V", "B", "bit", "m^2"] {
            for prefix in ["", "p", "n", "u", "m", "k", "M", "G", "T"] {
                if base == "m^2" && !["", "m", "u"].contains(prefix) { continue }
                // No fractions of a byte or bit (the parser rejects them) and no millihertz clocks,
                // so "mb" suggests "MB" and "mhz" suggests "MHz".
                if ["B", "bit", "Hz"].contains(base) && ["p", "n", "u", "m"].contains(prefix) { continue }
                symbols.append(prefix + base)
            }
        }
        symbols += ["KiB", "MiB", "GiB", "TiB", "pJ/bit", "pJ/byte", "pJ/access", "GB/s", "TB/s", "nm", "mm^2"]
        // Only units a real value takes: no terajoule MACs or picovolt supplies (out of range).
        return symbols.filter { (try? parse("1 " + $0)) != nil }
    }()

    /// Reads `text` into a value and kind.
    public static func parse(_ text: String) throws(QuantityError) -> ParsedQuantity {
        let trimmed = text.trimmingWhitespace()
        let (number, rest) = splitNumber(trimmed)
        guard let number, let value = Double(number.filter { $0 != "_" && $0 != "," }) else {
            throw .notANumber(trimmed)
        }
        let unit = rest.trimmingWhitespace()
        if unit.isEmpty { throw .bareNumber(value) }
        guard let (kind, factor) = unitFactor(unit) else {
            throw .unknownUnit(unit, suggestion: Suggestion.closest(to: unit, among: knownSymbols))
        }
        let scaled = value * factor
        guard scaled.isFinite, abs(scaled) <= kind.maximum, scaled == 0 || abs(scaled) >= kind.smallestNonZero else {
            throw .outOfRange(text: trimmed, kind: kind)
        }
        return ParsedQuantity(value: scaled, kind: kind)
    }

    /// Reads `text` as one of the `expected` kinds.
    public static func parse(_ text: String, as expected: [QuantityKind]) throws(QuantityError) -> ParsedQuantity {
        let parsed = try parse(text)
        guard expected.contains(parsed.kind) else { throw .wrongKind(found: parsed.kind, text: text) }
        return parsed
    }

    private static func splitNumber(_ text: String) -> (String?, Substring) {
        var end = text.startIndex
        var seenDigit = false
        var index = text.startIndex
        var allowSign = true
        var seenExponent = false
        while index < text.endIndex {
            let c = text[index]
            if c.isNumber && c.isASCII {
                seenDigit = true
            } else if (c == "+" || c == "-") && allowSign {
            } else if c == "." || c == "_" || c == "," {
            } else if (c == "e" || c == "E") && seenDigit && !seenExponent {
                // An exponent only if a digit follows (so "2 EB" and "1e" stay units).
                let next = text.index(after: index)
                let after = next < text.endIndex ? text[next] : " "
                let afterSign =
                    (after == "+" || after == "-") && text.index(after: next) < text.endIndex
                    ? text[text.index(after: next)] : after
                guard afterSign.isNumber else { break }
                seenExponent = true
                allowSign = true
                index = next
                end = index
                continue
            } else {
                break
            }
            allowSign = false
            index = text.index(after: index)
            end = index
        }
        guard seenDigit else { return (nil, Substring(text)) }
        return (String(text[..<end]), text[end...])
    }

    private static func unitFactor(_ unit: String) -> (QuantityKind, Double)? {
        if let slash = unit.firstIndex(of: "/") {
            let numerator = String(unit[..<slash]).trimmingWhitespace()
            let denominator = String(unit[unit.index(after: slash)...]).trimmingWhitespace()
            guard let (kind, factor) = simpleUnit(numerator) else { return nil }
            switch (kind, denominator) {
            case (.bytes, "s"), (.bytes, "sec"): return (.bandwidth, factor)
            case (.bits, "s"), (.bits, "sec"): return (.bandwidth, factor / 8)
            case (.energy, "bit"), (.energy, "b"): return (.energyPerBit, factor)
            case (.energy, "byte"), (.energy, "B"): return (.energyPerByte, factor)
            case (.energy, "access"): return (.energyPerAccess, factor)
            case (.energy, "op"), (.energy, "MAC"), (.energy, "mac"), (.energy, "cycle"): return (.energy, factor)
            default: return nil
            }
        }
        if unit == "bps" { return (.bandwidth, 1.0 / 8) }
        return simpleUnit(unit)
    }

    private static func simpleUnit(_ unit: String) -> (QuantityKind, Double)? {
        for base in bases.sorted(by: { $0.symbol.count > $1.symbol.count }) where unit.hasSuffix(base.symbol) {
            let prefix = String(unit.dropLast(base.symbol.count))
            let countable = base.kind == .bytes || base.kind == .bits
            if countable, let binary = binaryPrefixes.first(where: { $0.0 == prefix }) {
                return (base.kind, binary.1)
            }
            guard let decimal = decimalPrefixes.first(where: { $0.0 == prefix }) else { continue }
            if countable && decimal.1 < 1 { continue }
            if !countable && prefix == "K" { continue }
            let factor = base.kind == .area ? decimal.1 * decimal.1 : decimal.1
            return (base.kind, factor * base.scale)
        }
        return nil
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        String(
            self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed()
        )
    }
}

extension Substring {
    func trimmingWhitespace() -> String { String(self).trimmingWhitespace() }
}
