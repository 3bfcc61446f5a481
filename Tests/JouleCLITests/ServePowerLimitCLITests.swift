import Foundation
import Testing

/// `joule serve --power-limit`: every device's clock settles under the cap as under `joule
/// eval --power-limit`, so the capped steady state is the steady state at the settled clock.
struct ServePowerLimitCLITests {
    static let serve = [
        "serve", "llama-2-7b", "h100-sxm", "--workload", "Workloads/chat.yaml", "--concurrency", "8", "--format",
        "json",
    ]

    static func object(_ words: [String]) throws -> [String: Any] {
        let run = try joule(words)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// A cap between the idle power (64.4 W) and the uncapped device power lowers the clock:
    /// TPOT grows, the device power lands just under the cap, and every figure equals the
    /// steady state with the clock pinned at the settled share of the nominal 1.83 GHz.
    @Test func aCapBetweenIdleAndTheUncappedPowerThrottlesEveryDevice() throws {
        let free = try Self.object(Self.serve)
        let uncapped = try #require(free["device_power_w"] as? Double)
        try #require(uncapped > 260)  // the 250 W cap below binds
        let capped = try Self.object(Self.serve + ["--power-limit", "250 W"])
        let cap = try #require(capped["power_cap"] as? [String: Any])
        #expect(cap["throttled"] as? Bool == true)
        let power = try #require(capped["device_power_w"] as? Double)
        #expect(power <= 250 && power > 249)  // within the 1 MHz search step
        let tpot = try #require(capped["tpot_s"] as? Double)
        #expect(tpot > (free["tpot_s"] as? Double ?? .infinity))
        let frequency = try #require(cap["frequency_hz"] as? Double)
        let share = String(format: "%.12f%%", frequency / 1.83e9 * 100)
        let pinned = try Self.object(Self.serve + ["--operating-point", share])
        for key in ["tpot_s", "ttft_s", "energy_per_output_token_j", "device_power_w"] {
            let a = try #require(capped[key] as? Double)
            let b = try #require(pinned[key] as? Double)
            #expect(abs(a - b) <= 1e-9 * abs(b), "\(key): \(a) vs \(b)")
        }
        #expect(
            (capped["energy_per_output_token_j"] as? Double ?? .infinity)
                < (free["energy_per_output_token_j"] as? Double ?? 0))
    }

    @Test func aCapBelowIdleIsExit65AndBesideAnOperatingPointExit64() throws {
        let below = try joule(Self.serve + ["--power-limit", "50 W"])
        #expect(below.status == 65)
        #expect(below.stderr.contains("the power limit 50 W is below h100-sxm's idle power, 64.4 W"))
        #expect(try joule(Self.serve + ["--power-limit", "300W", "--operating-point", "0"]).status == 64)
        #expect(try joule(Self.serve + ["--power-limit", "300"]).status == 64)
    }
}
