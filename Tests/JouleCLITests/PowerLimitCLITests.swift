import Foundation
import Testing

/// `--power-limit` on `joule eval` and `joule dvfs`: the clock settles under the cap, or the
/// cap cannot be met and the command says why with the numbers (exit 65).
struct PowerLimitCLITests {
    static let prefill = ["llama-2-7b", "h100-sxm", "--phase", "prefill", "--sequence", "2048", "--roofline", "ideal"]

    @Test func evalReportsWhereTheClockSettled() throws {
        let run = try joule(["eval"] + Self.prefill + ["--power-limit", "400W", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let cap = try #require(object["power_cap"] as? [String: Any])
        #expect(cap["limit_w"] as? Double == 400)
        #expect(cap["throttled"] as? Bool == true)
        let frequency = try #require(cap["frequency_hz"] as? Double)
        #expect(frequency < 1.83e9 && frequency >= 345e6)
        let power = try #require(object["average_power_w"] as? Double)
        #expect(power <= 400 && power > 390)  // within the 1 MHz search step of the cap
        let point = try #require(object["operating_point"] as? [String: Any])
        #expect(point["frequency_hz"] as? Double == frequency)

        let table = try joule(["eval"] + Self.prefill + ["--power-limit", "400W"])
        #expect(table.stdout.split(separator: "\n")[1].hasPrefix("power limit 400 W: the clock settles at "))
    }

    @Test func aCapBelowIdleIsExit65WithTheNumbers() throws {
        let run = try joule(["eval"] + Self.prefill + ["--power-limit", "50 W"])
        #expect(run.status == 65)
        #expect(run.stdout.isEmpty)
        #expect(
            run.stderr.contains("the power limit 50 W is below h100-sxm's idle power, 64.4 W: no clock can meet it"))
        let dvfs = try joule(["dvfs"] + Self.prefill + ["--power-limit", "300W,50W"])
        #expect(dvfs.status == 65)
        #expect(dvfs.stdout.isEmpty)
        #expect(dvfs.stderr.contains("below h100-sxm's idle power, 64.4 W"))
    }

    @Test func aCapTheDeviceRefusesIsExit65() throws {
        let run = try joule(["eval"] + Self.prefill + ["--power-limit", "150W"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("h100-sxm accepts power limits from 200 W to 700 W"))
    }

    @Test func badPowerLimitsAreUsageErrors() throws {
        #expect(try joule(["eval"] + Self.prefill + ["--power-limit", "fast"]).status == 64)
        #expect(try joule(["eval"] + Self.prefill + ["--power-limit", "300"]).status == 64)
        #expect(try joule(["eval"] + Self.prefill + ["--power-limit", "300W", "--operating-point", "0"]).status == 64)
    }

    /// The dvfs power-limit axis: one row per cap, slower and lower power as the cap falls.
    @Test func dvfsGivesOneRowPerCap() throws {
        let run = try joule(["dvfs"] + Self.prefill + ["--power-limit", "250W,350W,700W", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let caps = try #require(object["power_caps"] as? [[String: Any]])
        #expect(caps.map { $0["limit_w"] as? Double } == [250, 350, 700])
        let frequencies = caps.compactMap { $0["frequency_hz"] as? Double }
        #expect(frequencies.count == 3 && frequencies[0] < frequencies[1] && frequencies[1] < frequencies[2])
        #expect(frequencies[2] == 1.83e9)  // prefill draws between 350 W and 700 W at the nominal clock
        for cap in caps {
            #expect((cap["average_power_w"] as? Double ?? .infinity) <= (cap["limit_w"] as? Double ?? 0))
        }
        #expect(object["max_power_w"] as? Double == 700)
    }

    /// `show --format json` carries the operating ranges (the notebooks read them): h100-sxm's
    /// file gives idle power 64.4 W, limits 200-700 W and clocks 345-1980 MHz.
    @Test func showListsTheOperatingRanges() throws {
        let run = try joule(["show", "hardware", "h100-sxm", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect((object["idle_power"] as? [String: Any])?["value"] as? Double == 64.4)
        let limits = try #require(object["power_limits"] as? [String: Double])
        #expect(limits == ["min_w": 200, "max_w": 700, "default_w": 700])
        let range = try #require(object["clock_range"] as? [String: Double])
        #expect(range == ["min_hz": 345e6, "max_hz": 1980e6])
    }
}
