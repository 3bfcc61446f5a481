import Foundation
import JouleEval
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// Power caps as the driver enforces them, on a design whose power is derived by hand.
///
/// `capped`: 10 x 10 PEs x 100 MACs per cycle at 1 GHz, 0.9 V, int8 MACs at 1 pJ, a DRAM with
/// no bandwidth limit at 1 fJ/bit, idle 1 W, static 3 W. A 1000³ int8 GEMM is 1e9 MACs in
/// 1e5 cycles; it moves 3e6 bytes. With V0 = 0.9 V, f0 = 1 GHz, every term but the idle power
/// scales as (f/f0)(V/V0)² (dynamic energy by V², its rate by f; the clocked static part by f V²):
///
///     P(f, V) = 1 W + K x (f/f0) x (V/V0)²,   K = (3 − 1) W + (1e9 x 1 pJ + 2.4e7 bit x 1 fJ) / 100 µs
///             = 2 + 10.00024 = 12.00024 W,   so P(f0, V0) = 13.00024 W.
struct PowerCapTests {
    static let yaml = """
        name: capped
        technology: 45 nm
        clock: 1 GHz
        voltage: 0.9 V
        idle_power: 1 W
        static_power: 3 W
        power_limits: { min: 2 W, max: 20 W }
        clock_range: { min: 250 MHz, max: 1 GHz }
        compute:
          kind: parallel
          array: { rows: 10, cols: 10 }
          macs_per_pe_per_cycle: 100
          precisions: { int8: 1 pJ }
        memory:
          - { name: DRAM, kind: dram, size: 1 GiB, read_energy: 1 fJ/bit }
        """
    static let tableYAML =
        yaml + """

            operating_points:
              - { frequency: 1 GHz, voltage: 0.9 V }
              - { frequency: 800 MHz, voltage: 0.8 V }
              - { frequency: 600 MHz, voltage: 0.7 V }
              - { frequency: 400 MHz, voltage: 0.6 V }
            """
    static let k = 2 + (1e9 * 1e-12 + 2.4e7 * 1e-15) / 100e-6

    static func hardware(_ text: String) throws -> Accelerator {
        try YAMLDecoder().decode(Accelerator.self, from: text, path: "capped.yaml")
    }

    static let gemm = GEMM(
        b: 1, m: 1000, n: 1000, k: 1000, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)

    static func settle(_ limit: Double, on hardware: Accelerator) throws(PowerCap.CapError) -> PowerCap.Settled {
        try PowerCap.settle(limit: limit, hardware: hardware) { (point) throws(Evaluator.EvaluationError) in
            do {
                let cost = try Roofline.ideal(gemm, hardware: hardware, at: point)
                return (cost.seconds, cost.energy.total)
            } catch {
                throw Evaluator.EvaluationError(message: "\(error)")
            }
        }
    }

    /// P = 1 + K x (f/f0) x (V/V0)², by hand.
    static func power(frequency: Double, voltage: Double) -> Double {
        1 + k * (frequency / 1e9) * (voltage / 0.9) * (voltage / 0.9)
    }

    struct TableCase: CustomTestStringConvertible, Sendable {
        var limit: Double
        var frequency: Double
        var testDescription: String { "\(limit) W -> \(frequency / 1e6) MHz" }
    }

    /// Listed points: 1 GHz 13.0 W, 800 MHz 8.585 W, 600 MHz 5.356 W, 400 MHz 3.133 W. The driver
    /// takes the fastest that fits.
    @Test(arguments: [
        TableCase(limit: 15, frequency: 1e9), TableCase(limit: 13.1, frequency: 1e9),
        TableCase(limit: 9, frequency: 800e6), TableCase(limit: 6, frequency: 600e6),
        TableCase(limit: 3.2, frequency: 400e6),
    ])
    func aTableOfPointsGivesTheFastestThatFits(_ example: TableCase) throws {
        let hardware = try Self.hardware(Self.tableYAML)
        let settled = try Self.settle(example.limit, on: hardware)
        #expect(settled.point.frequency.si == example.frequency)
        let expected = Self.power(frequency: settled.point.frequency.si, voltage: settled.point.voltage.si)
        #expect(abs(settled.averagePower - expected) < 1e-9 * expected)
        #expect(settled.averagePower <= example.limit)
        #expect(abs(settled.nominalPower - Self.power(frequency: 1e9, voltage: 0.9)) < 1e-9)
        #expect(settled.throttled == (example.frequency < 1e9))
    }

    /// Along the alpha-power curve f ∝ (V − 0.3 V)^1.3 / V: at V = 0.6 V the clock is
    /// (0.9 / 0.6) x (0.3 / 0.6)^1.3 = 0.60919 of nominal, drawing 1 + K x 0.60919 x (0.6/0.9)² =
    /// 4.2491 W. A cap of exactly that settles within the 1 MHz search resolution below 609.19 MHz.
    @Test func aContinuousRangeSettlesWhereThePowerMeetsTheCap() throws {
        let hardware = try Self.hardware(Self.yaml)
        let share = (0.9 / 0.6) * pow(0.3 / 0.6, 1.3)
        let cap = Self.power(frequency: share * 1e9, voltage: 0.6)
        let settled = try Self.settle(cap, on: hardware)
        #expect(settled.throttled)
        #expect(settled.point.frequency.si <= share * 1e9 * (1 + 1e-9))
        #expect(settled.point.frequency.si >= share * 1e9 - 1e6)
        #expect(abs(settled.point.voltage.si - 0.6) < 2e-3)
        #expect(settled.averagePower <= cap)
        #expect(settled.point.name == "cap 4.249 W")
    }

    /// The clock settles on the driver's grid, the nominal clock less whole 1 MHz steps, at
    /// the fastest grid clock whose power fits (found here by walking all 750 steps with the
    /// hand formula), and the search takes far fewer evaluations than bisection's 2 + log2(750)
    /// ≈ 12: this design's power is linear in f V² (see above), so the secant in f V² lands on
    /// the answer and one more evaluation confirms the clock above it does not fit.
    @Test(arguments: [3.0, 4.2491, 6.5, 9.75, 12.9])
    func aContinuousRangeSettlesOnTheFastestGridClockThatFitsInFewEvaluations(_ cap: Double) throws {
        let hardware = try Self.hardware(Self.yaml)
        var fastest: OperatingPoint?
        for i in 0...750 {
            let point = PowerCap.point(share: (1e9 - Double(i) * 1e6) / 1e9, hardware: hardware)
            if Self.power(frequency: point.frequency.si, voltage: point.voltage.si) <= cap {
                fastest = point
                break
            }
        }
        let expected = try #require(fastest)
        var evaluations = 0
        let settled = try PowerCap.settle(limit: cap, hardware: hardware) { (point) throws(Evaluator.EvaluationError) in
            evaluations += 1
            do {
                let cost = try Roofline.ideal(Self.gemm, hardware: hardware, at: point)
                return (cost.seconds, cost.energy.total)
            } catch {
                throw Evaluator.EvaluationError(message: "\(error)")
            }
        }
        #expect(abs(settled.point.frequency.si - expected.frequency.si) < 1, "\(settled.point.frequency)")
        #expect(evaluations <= 5, "\(evaluations) evaluations")
    }

    @Test func aCapBelowIdlePowerIsAnErrorWithTheNumbers() throws {
        let hardware = try Self.hardware(Self.yaml)
        #expect {
            _ = try Self.settle(0.5, on: hardware)
        } throws: { error in
            guard let error = error as? PowerCap.CapError, case .belowIdle(0.5, 1, "capped") = error else {
                return false
            }
            return error.description == "the power limit 500 mW is below capped's idle power, 1 W: no clock can meet it"
        }
    }

    @Test func aCapOutsideTheDevicesRangeIsRefused() throws {
        let hardware = try Self.hardware(Self.yaml)
        for limit in [1.5, 25.0] {
            #expect {
                _ = try Self.settle(limit, on: hardware)
            } throws: { error in
                guard let error = error as? PowerCap.CapError, case .outsideRange = error else { return false }
                return error.description.hasPrefix("capped accepts power limits from 2 W to 20 W")
            }
        }
    }

    /// The lowest listed point draws 3.133 W; 2.5 W is above idle and in range, yet unreachable.
    @Test func aCapNoClockMeetsIsAnError() throws {
        let hardware = try Self.hardware(Self.tableYAML)
        #expect {
            _ = try Self.settle(2.5, on: hardware)
        } throws: { error in
            guard let error = error as? PowerCap.CapError, case .unreachable(_, let lowest, let power, _) = error else {
                return false
            }
            return lowest.frequency.si == 400e6 && abs(power - Self.power(frequency: 400e6, voltage: 0.6)) < 1e-9
        }
    }
}
