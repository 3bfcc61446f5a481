import Foundation
import Testing
import YAML

@testable import JouleSpec

/// The keys issue 16 added to hardware files: `idle_power`, `power_limits`, `clock_range`,
/// `efficiency` per precision and for the vector unit, `bandwidth_efficiency` and `fill_energy`
/// per level.
struct OperatingRangeKeysTests {
    static func yaml(top: String = "", precision: String = "int8: 0.2 pJ", vector: String = "", level: String = "")
        -> String
    {
        """
        name: keys
        technology: 28 nm
        clock: 1 GHz
        \(top)
        compute:
          array: { rows: 4, cols: 4 }
          precisions: { \(precision) }
          vector: { lanes: 4\(vector) }
        memory:
          - { name: DRAM, technology: DDR4, size: 1 GiB, bandwidth: 10 GB/s\(level) }
        """
    }

    static func errors(_ text: String) -> [String] {
        do {
            _ = try YAMLDecoder().decode(Accelerator.self, from: text, path: "keys.yaml")
            return []
        } catch {
            return error.items.map { "\($0.mark.map { "\($0.line):\($0.column)" } ?? "-") \($0.message)" }
        }
    }

    @Test func theKeysLoad() throws {
        let text = Self.yaml(
            top:
                "idle_power: 2 W\nstatic_power: 3 W\npower_limits: { min: 2 W, max: 20 W, default: 15 W }\nclock_range: { min: 250 MHz, max: 1.2 GHz }",
            precision: "int8: { energy: 0.2 pJ, efficiency: 0.75 }", vector: ", efficiency: 0.5",
            level: ", bandwidth_efficiency: 0.9")
        let hardware = try YAMLDecoder().decode(Accelerator.self, from: text, path: "keys.yaml")
        #expect(hardware.idlePower == .given(Power(si: 2)))
        #expect(
            hardware.powerLimits
                == PowerLimits(minimum: Power(si: 2), maximum: Power(si: 20), defaultLimit: Power(si: 15)))
        #expect(hardware.clockRange == ClockRange(minimum: Frequency(si: 250e6), maximum: Frequency(si: 1.2e9)))
        #expect(hardware.compute.precisions[.int8]?.efficiency == 0.75)
        #expect(hardware.compute.vector.efficiency == 0.5)
        #expect(hardware.memory[0].bandwidthEfficiency == 0.9)
        #expect(hardware.lowestClockShare == 0.25)
        // Left out: idle power is the static power (estimated), efficiencies 1, no ranges.
        let plain = try YAMLDecoder().decode(
            Accelerator.self, from: Self.yaml(top: "static_power: 3 W"), path: "p.yaml")
        #expect(plain.idlePower.value.si == 3 && plain.idlePower.provenance.isEstimated)
        #expect(plain.powerLimits == nil && plain.clockRange == nil && plain.lowestClockShare == 0.5)
        #expect(plain.compute.precisions[.int8]?.efficiency == 1 && plain.memory[0].bandwidthEfficiency == 1)
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var expected: [String]
        var testDescription: String { name }
    }

    /// Positions counted by hand: line 4 is the `top` line, 7 the precisions, 8 the vector, 10 the level.
    @Test(arguments: [
        Case(
            name: "efficiency above 1", text: yaml(precision: "int8: { energy: 0.2 pJ, efficiency: 1.5 }"),
            expected: ["7:53 efficiency is a share of the peak rate, above 0 and at most 1, found 1.5"]),
        Case(
            name: "vector efficiency 0", text: yaml(vector: ", efficiency: 0"),
            expected: ["8:35 efficiency is a share of the peak rate, above 0 and at most 1, found 0.0"]),
        Case(
            name: "bandwidth efficiency negative", text: yaml(level: ", bandwidth_efficiency: -0.5"),
            expected: ["10:92 bandwidth_efficiency is a share of the bandwidth, above 0 and at most 1, found -0.5"]),
        Case(
            name: "fill energy negative", text: yaml(level: ", fill_energy: -1 pJ/bit"),
            expected: ["10:83 fill_energy must be zero or positive"]),
        Case(
            name: "limits upside down", text: yaml(top: "power_limits: { min: 300 W, max: 200 W }"),
            expected: ["4:34 max (200 W) is below min (300 W)"]),
        Case(
            name: "clock outside its range", text: yaml(top: "clock_range: { min: 100 MHz, max: 900 MHz }"),
            expected: ["4:14 the clock (1 GHz) lies outside clock_range (100 MHz to 900 MHz)"]),
        Case(
            name: "idle above the highest limit",
            text: yaml(top: "idle_power: 30 W\npower_limits: { min: 2 W, max: 20 W }"),
            expected: ["4:13 idle_power (30 W) exceeds the highest power limit (20 W)"]),
    ])
    func badValuesAreErrorsAtTheirPlace(_ example: Case) {
        #expect(Self.errors(example.text) == example.expected)
    }
}
