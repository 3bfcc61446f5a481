import Foundation
import JouleSpec
import YAML

/// A feasibility condition of a sweep: a metric bound (`area <= 100 mm^2`, `latency <= 50 ms`)
/// or `fits_memory` (weights plus KV cache within the DRAM's capacity).
public struct Constraint: Sendable, Hashable, CustomStringConvertible, Decodable {
    /// How a metric is compared.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case atMost = "<="
        case below = "<"
        case atLeast = ">="
        case above = ">"

        func holds(_ value: Double, _ limit: Double) -> Bool {
            switch self {
            case .atMost: return value <= limit
            case .below: return value < limit
            case .atLeast: return value >= limit
            case .above: return value > limit
            }
        }
    }

    /// What is constrained.
    public enum Kind: Sendable, Hashable {
        /// A metric against a limit in SI units.
        case bound(Metric, Comparison, Double)
        /// Weights and KV cache fit in DRAM.
        case fitsMemory
    }

    /// The condition.
    public var kind: Kind
    /// As written.
    public var text: String

    public var description: String { text }

    /// Reads `METRIC OP VALUE [UNIT]` or `fits_memory`.
    public init(parsing text: String) throws(SweepError) {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "fits_memory" {
            kind = .fitsMemory
            return
        }
        guard
            let op = Comparison.allCases.sorted(by: { $0.rawValue.count > $1.rawValue.count }).first(where: {
                trimmed.contains($0.rawValue)
            }),
            let range = trimmed.range(of: op.rawValue)
        else {
            throw SweepError(
                "a constraint reads METRIC <= VALUE or fits_memory, found '\(text)'", hint: "latency <= 50 ms")
        }
        let name = trimmed[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
        let value = trimmed[range.upperBound...].trimmingCharacters(in: .whitespaces)
        guard let metric = Metric(named: name) else {
            throw SweepError(
                "unknown metric '\(name)' in a constraint",
                hint: Suggestion.hint(
                    for: name, among: Metric.allCases.map(\.rawValue) + ["average_power", "fits_memory"]))
        }
        if let kind = metric.kind {
            do {
                self.kind = .bound(metric, op, try UnitParser.parse(value, as: [kind]).value)
            } catch {
                throw SweepError(error.message(expected: [kind]), hint: error.hint(expected: [kind]))
            }
        } else {
            guard let number = Double(value) else {
                throw SweepError(
                    "\(metric.rawValue) takes a plain number, found '\(value)'", hint: "\(metric.rawValue) >= 10")
            }
            self.kind = .bound(metric, op, number)
        }
    }

    /// Whether the condition holds for some metrics (column units, as in points.csv), given
    /// whether the weights and KV cache fit.
    public func holds(metrics: [Metric: Double], fitsMemory: Bool) -> Bool {
        switch kind {
        case .fitsMemory:
            return fitsMemory
        case .bound(let metric, let comparison, let limit):
            return comparison.holds((metrics[metric] ?? .nan) * metric.siPerColumnUnit, limit)
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw decoder.diagnostic(error.message, hint: error.hint)
        }
    }
}
