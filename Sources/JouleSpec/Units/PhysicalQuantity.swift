import YAML

/// A physical quantity stored in SI as a `Double`, decoded from text with a unit and printed
/// back with a sensible prefix.
public protocol PhysicalQuantity: Sendable, Hashable, Comparable, Decodable, CustomStringConvertible {
    /// The value in the SI base unit of `kind`.
    var si: Double { get }
    /// A quantity from its SI value.
    init(si: Double)
    /// The kind this type holds.
    static var kind: QuantityKind { get }
}

extension PhysicalQuantity {
    /// Reads a quantity of this kind from text such as `700 MHz`.
    public init(parsing text: String) throws(QuantityError) {
        self.init(si: try UnitParser.parse(text, as: [Self.kind]).value)
    }

    /// Decodes from a YAML scalar with a unit; errors name what was expected and give an example.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw decoder.diagnostic(error.message(expected: [Self.kind]), hint: error.hint(expected: [Self.kind]))
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.si < rhs.si }

    /// The value with an engineering prefix, e.g. `0.2 pJ`, `24 MiB`, `34 GB/s`.
    public var description: String { QuantityFormat.format(si, kind: Self.kind) }

    /// Zero of this kind.
    public static var zero: Self { Self(si: 0) }

    public static func + (lhs: Self, rhs: Self) -> Self { Self(si: lhs.si + rhs.si) }
    public static func - (lhs: Self, rhs: Self) -> Self { Self(si: lhs.si - rhs.si) }
    public static func * (lhs: Self, rhs: Double) -> Self { Self(si: lhs.si * rhs) }
    public static func * (lhs: Double, rhs: Self) -> Self { Self(si: lhs * rhs.si) }
    public static func / (lhs: Self, rhs: Double) -> Self { Self(si: lhs.si / rhs) }
    public static func / (lhs: Self, rhs: Self) -> Double { lhs.si / rhs.si }
}
