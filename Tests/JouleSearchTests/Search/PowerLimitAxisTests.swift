import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// A sweep's `power_limit` axis: each point runs where the GPU driver would settle the clock
/// under the cap (`PowerCap`), as `joule eval --power-limit` does.
struct PowerLimitAxisTests {
    static let base = """
        base: { hardware: h100-sxm, model: llama-2-7b, phase: prefill, sequence: 2048, roofline: ideal }

        """

    @Test func eachPointRunsWhereTheCapSettlesTheClock() throws {
        let plan = try SweepPlan(
            spec: sweep(Self.base + "axes: [ { key: power_limit, values: [250 W, 700 W, 150 W] } ]\n"),
            catalog: repositoryCatalog)
        let uncapped = try SweepPlan(
            spec: sweep(Self.base + "axes: [ { key: batch, values: [1] } ]\n"), catalog: repositoryCatalog
        ).evaluate(0)
        let free = try #require(uncapped.metrics[.latency])
        let freePower = try #require(uncapped.metrics[.power])
        #expect(freePower > 250 && freePower < 700)  // so 250 W throttles and 700 W does not

        // 250 W: the clock comes down until the power fits, within the search's 1 MHz step.
        let capped = plan.evaluate(0)
        #expect(capped.error.isEmpty, "\(capped.error)")
        let power = try #require(capped.metrics[.power])
        #expect(power <= 250 && power > 245)
        #expect(try #require(capped.metrics[.latency]) > free)

        // 700 W: above what prefill draws at the nominal clock, so nothing changes.
        let above = plan.evaluate(1)
        #expect(above.metrics[.latency] == free)
        #expect(above.metrics[.energy] == uncapped.metrics[.energy])

        // Zeus's cost weighs time by the highest power limit the device accepts (700 W).
        let energy = try #require(above.metrics[.energy])
        let cost = try #require(above.metrics[.cost])
        #expect(abs(cost - (0.5 * energy + 0.5 * 700 * free)) <= 1e-12 * cost)

        // 150 W: the device refuses it; the point carries the error, the sweep goes on.
        let refused = plan.evaluate(2)
        #expect(refused.error.contains("h100-sxm accepts power limits from 200 W to 700 W"), "\(refused.error)")
    }

    @Test func aValueWithoutAUnitIsAnErrorAtTheAxis() throws {
        #expect {
            _ = try SweepPlan(
                spec: sweep(Self.base + "axes: [ { key: power_limit, values: [300] } ]\n"), catalog: repositoryCatalog)
        } throws: { error in
            "\(error)".contains("power_limit = 300: must be a power such as 300 W")
        }
    }

    @Test func aPowerLimitWithAnOperatingPointIsAnError() throws {
        let plan = try SweepPlan(
            spec: sweep(
                Self.base
                    + "axes:\n  - { key: power_limit, values: [300 W] }\n  - { key: operating_point, values: [0] }\n"),
            catalog: repositoryCatalog)
        #expect(plan.evaluate(0).error.contains("sweep it or operating_point, not both"))
    }
}
