import Foundation

/// An axis of a chart: its title and unit, its scale, and the range it shows.
struct ChartAxis {
    /// How values map onto the axis.
    enum Scale: Equatable {
        /// Evenly spaced values.
        case linear
        /// Evenly spaced decades; only positive values can be shown.
        case log
        /// One band per named category (bar charts); the value is the category's index.
        case categories([String])
    }

    /// What the axis measures, e.g. `Latency`.
    var title: String
    /// The SI unit of the values (`s`, `J`, `op/s`), or nil for a pure number.
    var unit: String?
    /// Whether the unit may take an SI prefix in the title (`ms`, `mJ`) on linear axes.
    var prefixable = true
    var scale: Scale
    /// The values shown, or nil to fit the data with a small margin.
    var domain: ClosedRange<Double>?
    /// Linear axes: stretch the fitted range to include zero (bars).
    var includesZero = false
    /// Log axes: widen the fitted range to whole decades.
    var wholeDecades = false

    init(
        title: String, unit: String? = nil, prefixable: Bool = true, scale: Scale = .linear,
        domain: ClosedRange<Double>? = nil, includesZero: Bool = false, wholeDecades: Bool = false
    ) {
        self.title = title
        self.unit = unit
        self.prefixable = prefixable
        self.scale = scale
        self.domain = domain
        self.includesZero = includesZero
        self.wholeDecades = wholeDecades
    }

    /// Lays the axis out over the data values it has to show.
    func resolve(values: [Double]) -> ResolvedAxis {
        switch scale {
        case .categories(let names):
            let ticks = names.enumerated().map { Tick(value: Double($0.offset), label: .plain($0.element)) }
            return ResolvedAxis(
                scale: scale, lower: -0.5, upper: Double(max(names.count, 1)) - 0.5, ticks: ticks, title: title)
        case .log:
            return resolveLog(values.filter { $0 > 0 && $0.isFinite })
        case .linear:
            return resolveLinear(values.filter(\.isFinite))
        }
    }

    private func resolveLinear(_ values: [Double]) -> ResolvedAxis {
        var lower: Double
        var upper: Double
        if let domain {
            lower = domain.lowerBound
            upper = domain.upperBound
        } else {
            lower = values.min() ?? 0
            upper = values.max() ?? 1
            if includesZero {
                lower = min(lower, 0)
                upper = max(upper, 0)
            }
            if upper - lower <= 1e-12 * max(abs(upper), 1e-300) {
                let half = upper == 0 ? 1 : abs(upper) * 0.1
                lower -= half
                upper += half
            }
            let pad = 0.06 * (upper - lower)
            if !(includesZero && lower == 0) { lower -= pad }
            if !(includesZero && upper == 0) { upper += pad }
        }
        let factor = Self.prefixFactor(max(abs(lower), abs(upper)), allowed: unit != nil && prefixable)
        let ticks = Self.linearTicks(lower: lower, upper: upper, factor: factor)
        return ResolvedAxis(
            scale: .linear, lower: lower, upper: upper, ticks: ticks, title: titled(factor: factor))
    }

    private func resolveLog(_ values: [Double]) -> ResolvedAxis {
        var low: Double
        var high: Double
        if let domain, domain.lowerBound > 0 {
            low = log10(domain.lowerBound)
            high = log10(domain.upperBound)
        } else {
            low = log10(values.min() ?? 1)
            high = log10(values.max() ?? 10)
            if high - low < 1e-9 {
                low -= 0.5
                high += 0.5
            }
            let pad = 0.06 * (high - low)
            low -= pad
            high += pad
            if wholeDecades {
                low = floor(low + 1e-9)
                high = ceil(high - 1e-9)
            }
        }
        (low, high) = Self.ordered(low: low, high: high)
        let lower = pow(10, low)
        let upper = pow(10, high)
        let decades = Int(ceil(low - 1e-9))...Int(max(ceil(low - 1e-9), floor(high + 1e-9)))
        let inside = decades.filter { Double($0) >= low - 1e-9 && Double($0) <= high + 1e-9 }
        if inside.count >= 3 {
            let step = inside.count > 18 ? 3 : (inside.count > 9 ? 2 : 1)
            var ticks: [Tick] = []
            for decade in Int(floor(low))...Int(ceil(high)) {
                let value = pow(10, Double(decade))
                if inside.contains(decade) {
                    ticks.append(Tick(value: value, label: decade % step == 0 ? .power(decade) : nil))
                }
                if step == 1 && high - low <= 7 {
                    for multiple in 2...9 {
                        let minor = Double(multiple) * value
                        if minor >= lower * (1 - 1e-9) && minor <= upper * (1 + 1e-9) {
                            ticks.append(Tick(value: minor, label: nil))
                        }
                    }
                }
            }
            return ResolvedAxis(scale: .log, lower: lower, upper: upper, ticks: ticks, title: titled(factor: 1))
        }
        // Fewer than three decade ticks: label 1-2-5 (or every digit) within the range.
        let factor = Self.prefixFactor(upper, allowed: unit != nil && prefixable)
        for multiples in [[1.0, 2, 5], [1.0, 2, 3, 4, 5, 6, 7, 8, 9]] {
            var values: [Double] = []
            for decade in Int(floor(low)) - 1...Int(ceil(high)) {
                for multiple in multiples {
                    let value = multiple * pow(10, Double(decade))
                    if value >= lower * (1 - 1e-9) && value <= upper * (1 + 1e-9) { values.append(value) }
                }
            }
            if values.count >= 3 {
                let ticks = values.map { value in
                    Tick(value: value, label: .plain(ChartNumberFormat.plain(value / factor)))
                }
                return ResolvedAxis(
                    scale: .log, lower: lower, upper: upper, ticks: ticks, title: titled(factor: factor))
            }
        }
        let ticks = Self.linearTicks(lower: lower, upper: upper, factor: factor).filter { $0.value > 0 }
        return ResolvedAxis(scale: .log, lower: lower, upper: upper, ticks: ticks, title: titled(factor: factor))
    }

    /// The title with the unit in parentheses, prefixed for the factor (`Latency (ms)`).
    private func titled(factor: Double) -> String {
        guard let unit else { return title }
        return "\(title) (\(ChartNumberFormat.prefix(for: factor))\(unit))"
    }

    /// The SI prefix factor that brings `magnitude` into [1, 1000), or 1 when prefixes are not allowed.
    /// Log-axis exponents made safe to lay out: finite (±300 at most, an empty or zero data
    /// set gives -inf) and at least one decade apart, whatever extreme numbers the data held.
    static func ordered(low: Double, high: Double) -> (low: Double, high: Double) {
        let low = low.isFinite ? min(max(low, -300), 299) : (high.isFinite ? min(max(high, -299), 300) - 1 : 0)
        let high = high.isFinite ? min(max(high, -300), 300) : low + 1
        return high > low ? (low, high) : (low, low + 1)
    }

    /// The range 10^low ... 10^high, ordered and finite (see `ordered`).
    static func decadeDomain(low: Double, high: Double) -> ClosedRange<Double> {
        let (low, high) = ordered(low: low, high: high)
        return pow(10, low)...pow(10, high)
    }

    static func prefixFactor(_ magnitude: Double, allowed: Bool) -> Double {
        guard allowed, magnitude > 0, magnitude.isFinite else { return 1 }
        let exponent = Int(floor(log10(magnitude * 1.0005) / 3)) * 3
        return pow(10, Double(min(15, max(-15, exponent))))
    }

    /// Ticks at a 1-2-5 step between the bounds, labelled in units of `factor`.
    static func linearTicks(lower: Double, upper: Double, factor: Double) -> [Tick] {
        let span = upper - lower
        guard span > 0, span.isFinite else { return [] }
        let raw = span / 5.5
        let magnitude = pow(10, floor(log10(raw)))
        let step = ([1.0, 2, 5, 10].first { $0 * magnitude >= raw * (1 - 1e-9) } ?? 10) * magnitude
        let decimals = max(0, -Int(floor(log10(step / factor) + 1e-9)))
        var ticks: [Tick] = []
        var index = (lower / step).rounded(.up)
        while index * step <= upper + step * 1e-9 {
            var value = index * step
            if abs(value) < step * 1e-9 { value = 0 }
            ticks.append(Tick(value: value, label: .plain(String(format: "%.\(decimals)f", value / factor))))
            index += 1
        }
        return ticks
    }
}

/// A mark on an axis: its value and its label (nil for a minor tick).
struct Tick {
    /// How a tick is labelled.
    enum Label: Equatable {
        /// Text as written.
        case plain(String)
        /// A power of ten, written 10 with the exponent raised.
        case power(Int)
    }

    var value: Double
    var label: Label?
}

/// An axis laid out: its range, ticks and final title.
struct ResolvedAxis {
    var scale: ChartAxis.Scale
    var lower: Double
    var upper: Double
    var ticks: [Tick]
    var title: String

    /// Where a value lies between the lower (0) and upper (1) end; nil where it cannot be shown.
    func fraction(_ value: Double) -> Double? {
        guard value.isFinite else { return nil }
        switch scale {
        case .log:
            guard value > 0 else { return nil }
            return (log10(value) - log10(lower)) / (log10(upper) - log10(lower))
        case .linear, .categories:
            return (value - lower) / (upper - lower)
        }
    }
}
