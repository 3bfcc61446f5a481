import Foundation
import Testing

/// Answers that once depended on what was computed before them.
struct StaleAnswerTests {
    /// A sweep over static power shares one mapping cache across its points; each point must
    /// equal `joule eval` of a file with that static power (the cache once returned the 0 W
    /// point's cost for 0.3 W and 3 W).
    @Test func staticPowerSweepPointsEqualFreshEvaluations() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("joule-stale-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let sweep = """
            name: static-power
            base: { hardware: toy-3level, model: gpt2, phase: prefill, batch: 1, sequence: 64, precision: int8 }
            axes:
              - key: static_power
                values: [0 W, 0.3 W, 3 W]
            strategy: grid
            objectives: [energy]
            """
        let sweepFile = folder.appendingPathComponent("sweep.yaml")
        try sweep.write(to: sweepFile, atomically: true, encoding: .utf8)
        let out = folder.appendingPathComponent("out")
        let run = try joule(["sweep", sweepFile.path, "--out", out.path])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try String(contentsOf: out.appendingPathComponent("points.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        let header = try #require(rows.first)
        let energyColumn = try #require(header.firstIndex(of: "energy_j"))
        let latencyColumn = try #require(header.firstIndex(of: "latency_s"))
        let original = try String(
            contentsOf: repositoryRoot.appendingPathComponent("Hardware/toy-3level.yaml"), encoding: .utf8)
        var energies: [Double] = []
        for (row, watts) in zip(rows.dropFirst(), ["0 W", "0.3 W", "3 W"]) {
            let file = folder.appendingPathComponent("toy-\(watts.replacingOccurrences(of: " ", with: "")).yaml")
            try original.replacingOccurrences(of: "static_power: 0 W", with: "static_power: \(watts)")
                .write(to: file, atomically: true, encoding: .utf8)
            let eval = try joule([
                "eval", "gpt2", file.path, "--sequence", "64", "--precision", "int8", "--format", "json",
            ])
            #expect(eval.status == 0, "\(eval.stderr)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
            let energy = try #require(object["energy_j"] as? Double)
            let latency = try #require(object["latency_s"] as? Double)
            let swept = try #require(Double(row[energyColumn]))
            let sweptLatency = try #require(Double(row[latencyColumn]))
            #expect(abs(swept - energy) <= 1e-12 * energy, "\(watts): sweep \(swept) J, eval \(energy) J")
            #expect(
                abs(sweptLatency - latency) <= 1e-12 * latency, "\(watts): sweep \(sweptLatency) s, eval \(latency) s")
            energies.append(energy)
        }
        // Static power is charged: each step up in watts costs more.
        #expect(energies.count == 3 && energies[0] < energies[1] && energies[1] < energies[2])
    }
}
