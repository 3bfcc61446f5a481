import Foundation
import JouleSpec
import Testing

@testable import JouleSearch

/// Resumed and sharded runs must give the same table as one uninterrupted run.
struct SweepRunnerTests {
    static let text = """
        name: runner-test
        base: { hardware: tpu-like, model: bert-base-uncased, phase: prefill, precision: int8, roofline: ideal }
        axes:
          - { key: batch, values: [1, 2, 4, 8] }
          - { key: sequence, values: [32, 64, 128] }
          - { key: memory.UnifiedBuffer.size, values: [8 MiB, 24 MiB] }
        objectives: [energy_per_token, latency]
        constraints: [ latency <= 5 ms ]
        """

    static func plan() throws -> SweepPlan { try SweepPlan(spec: sweep(text), catalog: repositoryCatalog) }

    static func read(_ directory: String, _ file: String = "points.csv") throws -> String {
        try String(contentsOfFile: (directory as NSString).appendingPathComponent(file), encoding: .utf8)
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let plan = try Self.plan()
        let full = try temporaryFolder()
        let outcome = try SweepRunner(plan: plan, directory: full).run()
        #expect(outcome.table.rows.count == 24)
        #expect(outcome.evaluated == 24)
        let expected = try Self.read(full)

        // A killed run: its sweep.json (written first), ten finished rows, then half a line.
        let partial = try temporaryFolder()
        try FileManager.default.copyItem(
            atPath: (full as NSString).appendingPathComponent("sweep.json"),
            toPath: (partial as NSString).appendingPathComponent("sweep.json"))
        let lines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let cut = lines.prefix(11).joined(separator: "\n") + "\n" + String(lines[11].prefix(20))
        try cut.write(
            toFile: (partial as NSString).appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
        let resumed = try SweepRunner(plan: plan, directory: partial, resume: true).run()
        #expect(resumed.evaluated == 14)
        #expect(try Self.read(partial) == expected)
        #expect(try Self.read(partial, "pareto.csv") == Self.read(full, "pareto.csv"))
    }

    @Test func refusesToOverwriteWithoutResume() throws {
        let plan = try Self.plan()
        let directory = try temporaryFolder()
        _ = try SweepRunner(plan: plan, directory: directory).run()
        #expect(throws: SweepError.self) { try SweepRunner(plan: plan, directory: directory).run() }
    }

    @Test func shardsMergeIntoTheFullRunAndGapsAreReported() throws {
        let plan = try Self.plan()
        let full = try temporaryFolder()
        _ = try SweepRunner(plan: plan, directory: full).run()
        let root = try temporaryFolder()
        var shards: [String] = []
        for index in 1...3 {
            let directory = (root as NSString).appendingPathComponent("shard-\(index)")
            let outcome = try SweepRunner(plan: plan, directory: directory, shard: (index, 3)).run()
            #expect(outcome.table.rows.allSatisfy { $0.id % 3 == index - 1 })
            shards.append(directory)
        }
        let merged = try SweepMerge(directories: shards)
        #expect(merged.missing.isEmpty && merged.duplicates.isEmpty)
        #expect(merged.table.text() == (try Self.read(full)))
        let gap = try SweepMerge(directories: [shards[0], shards[2]])
        #expect(gap.missing == [1, 4, 7, 10, 13, 16, 19, 22])
        let twice = try SweepMerge(directories: [shards[0], shards[0], shards[1], shards[2]])
        #expect(twice.duplicates == [0, 3, 6, 9, 12, 15, 18, 21])
    }

    /// Latency grows with batch x sequence; the 5 ms constraint must mark exactly the slow points,
    /// and the summary must list the best point of each objective.
    @Test func constraintsAndSummary() throws {
        let plan = try Self.plan()
        let directory = try temporaryFolder()
        let outcome = try SweepRunner(plan: plan, directory: directory).run()
        for row in outcome.table.rows {
            let latency = try #require(row.metrics[.latency])
            #expect(row.feasible == (latency <= 5e-3))
            #expect(row.violated == (latency <= 5e-3 ? "" : "latency <= 5 ms"))
        }
        let summary = try Self.read(directory, "summary.md")
        #expect(summary.contains("## Best point per objective"))
        #expect(summary.contains("### memory.UnifiedBuffer.size"))
    }
}

/// DVFS: memory-bound decode keeps its speed at lower clocks, compute-bound prefill slows.
struct DVFSTests {
    @Test func decodeIsFlatPrefillSlows() throws {
        let h100 = try Accelerator.load("h100-sxm", catalog: repositoryCatalog)
        let model = try ModelConfig.load("llama-2-7b", catalog: repositoryCatalog)
        let points = OperatingPoint.alphaPowerLaw(nominal: h100.operatingPoints[0], count: 3)
        let decode = try GraphBuilder(model: model).build(.decode(batch: 1, context: 2048))
        let prefill = try GraphBuilder(model: model).build(.prefill(batch: 1, sequence: 2048))
        let d = try DVFSAnalysis.analyze(graph: decode, hardware: h100, points: points, mode: .ideal)
        let p = try DVFSAnalysis.analyze(graph: prefill, hardware: h100, points: points, mode: .ideal)
        // Half the clock: decode under 5 % slower, prefill at least 50 % slower.
        #expect(d.points[2].seconds < 1.05 * d.points[0].seconds)
        #expect(p.points[2].seconds > 1.5 * p.points[0].seconds)
        // Lower voltage saves dynamic energy in memory-bound decode.
        #expect(d.minimumEnergy?.index == 2)
        #expect(d.minimumTime?.index == 0)
        #expect(d.lowestEnergy(maxSlowdown: 1.1)?.index == 2)
        #expect(d.minimumCost(eta: 0)?.index == d.minimumTime?.index)
    }

    /// Alpha-power law: at the nominal frequency the nominal voltage; below it, the voltage whose
    /// speed (V - 0.3)^1.3 / V is the frequency's share of nominal.
    @Test func alphaPowerVoltages() {
        let nominal = OperatingPoint(frequency: .megahertz(1000), voltage: Voltage(si: 0.9))
        let points = OperatingPoint.alphaPowerLaw(nominal: nominal, count: 2, lowest: 0.5)
        #expect(points[0].voltage.si == 0.9)
        #expect(points[1].frequency.si == 500e6)
        func speed(_ v: Double) -> Double { pow(v - 0.3, 1.3) / v }
        #expect(abs(speed(points[1].voltage.si) / speed(0.9) - 0.5) < 1e-9)
        #expect(points[1].voltage.si < 0.9 && points[1].voltage.si > 0.3)
    }
}
