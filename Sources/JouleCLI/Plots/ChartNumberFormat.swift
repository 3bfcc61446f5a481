import Foundation

/// Number formats for axis labels.
enum ChartNumberFormat {
    /// The SI prefix of a power-of-1000 factor (`m` for 1e-3).
    static func prefix(for factor: Double) -> String {
        let prefixes: [Int: String] = [
            15: "P", 12: "T", 9: "G", 6: "M", 3: "k", 0: "", -3: "m", -6: "µ", -9: "n", -12: "p", -15: "f",
        ]
        return prefixes[Int(log10(factor).rounded())] ?? ""
    }

    /// A plain number with up to three significant digits and no trailing zeros.
    static func plain(_ value: Double) -> String {
        if value == 0 { return "0" }
        let decimals = max(0, 2 - Int(floor(log10(abs(value)) + 1e-9)))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
