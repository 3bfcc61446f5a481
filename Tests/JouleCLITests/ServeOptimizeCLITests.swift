import Foundation
import Testing

/// `joule serve --optimize`: the best configuration under SLOs, and the runners-up.
struct ServeOptimizeCLITests {
    /// Two configurations of llama-3.1-70b on a DGX H100, 32 sequences, no cap: TP 4 and TP 8.
    static let twoPlans = [
        "serve", "llama-3.1-70b", "dgx-h100", "--workload", "Workloads/chat.yaml", "--optimize", "energy", "--tp",
        "4,8",
        "--pp", "1", "--dp", "1", "--concurrency", "32", "--power-limit", "none", "--format", "json",
    ]

    static func object(_ words: [String]) throws -> [String: Any] {
        let run = try joule(words)
        #expect(run.status == 0, "\(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    /// By hand: each TP 8 device reads half the weights a TP 4 device reads per token, so TP 8's
    /// TPOT is shorter; but a decode step is HBM-bound, so the weight bytes read per token are
    /// the same on both while TP 8 pays twice the GPUs' static power: TP 4 costs less energy per
    /// token. With no SLO TP 4 wins; an SLO between the two TPOTs leaves only TP 8.
    @Test func anSLOThatExcludesTheCheaperPlanMovesTheOptimum() throws {
        let free = try Self.object(Self.twoPlans)
        let optimum = try #require(free["optimum"] as? [String: Any])
        let runnerUp = try #require((free["runners_up"] as? [[String: Any]])?.first)
        #expect(optimum["tp"] as? Int == 4)
        #expect(runnerUp["tp"] as? Int == 8)
        let tp4 = try #require(optimum["tpot_s"] as? Double)
        let tp8 = try #require(runnerUp["tpot_s"] as? Double)
        #expect(tp8 < tp4)
        #expect(
            (optimum["energy_per_output_token_j"] as? Double ?? .infinity)
                < (runnerUp["energy_per_output_token_j"] as? Double ?? 0))

        let between = String(format: "tpot <= %.6f ms", (tp4 + tp8) / 2 * 1000)
        let bound = try Self.object(Self.twoPlans + ["--slo", between])
        let best = try #require(bound["optimum"] as? [String: Any])
        #expect(best["tp"] as? Int == 8)
        #expect((bound["runners_up"] as? [Any])?.isEmpty == true)
        let excluded = try #require(bound["excluded"] as? [[String: Any]])
        #expect(excluded.count == 1)
        #expect(excluded.first?["reason"] as? String == "violates \(between)")
        #expect(excluded.first?["count"] as? Int == 1)

        // The optimum is the steady state `joule serve` gives for that configuration.
        let single = try Self.object([
            "serve", "llama-3.1-70b", "dgx-h100", "--workload", "Workloads/chat.yaml", "--tp", "8", "--concurrency",
            "32", "--format", "json",
        ])
        #expect(best["energy_per_output_token_j"] as? Double == single["energy_per_output_token_j"] as? Double)
        #expect(best["tpot_s"] as? Double == single["tpot_s"] as? Double)
    }

    /// Lower caps skipped once a faster configuration misses a TPOT SLO are exactly those the
    /// SLO would exclude: the feasible set equals the unconstrained ranking filtered by the SLO.
    @Test func skippingLowerCapsExcludesOnlyWhatTheSLOWould() throws {
        let words = [
            "serve", "llama-2-7b", "dgx-h100", "--workload", "Workloads/chat.yaml", "--optimize", "energy", "--tp",
            "1,2", "--pp", "1", "--dp", "1", "--concurrency", "64", "--power-limit", "700W,250W,200W",
            "--runners-up", "100", "--format", "json",
        ]
        func configurations(_ object: [String: Any]) -> [[String: Any]] {
            [object["optimum"] as? [String: Any] ?? [:]] + (object["runners_up"] as? [[String: Any]] ?? [])
        }
        func key(_ c: [String: Any]) -> String {
            "\(c["tp"] ?? "")/\(c["concurrency"] ?? "")/\(c["power_limit_w"] ?? "")"
        }
        let all = configurations(try Self.object(words))
        #expect(all.count == 6)
        // The bound sits just above TP 1's uncapped TPOT at 64 sequences, so its capped
        // versions miss it and are skipped.
        let uncapped = try #require(
            all.first {
                $0["tp"] as? Int == 1 && $0["concurrency"] as? Int == 64 && $0["power_limit_w"] as? Double == 700
            })
        let bound = try #require(uncapped["tpot_s"] as? Double) * 1.001
        let slo = String(format: "tpot <= %.9f ms", bound * 1000)
        let within = Set(all.filter { ($0["tpot_s"] as? Double ?? .infinity) <= bound }.map(key))
        let constrained = try Self.object(words + ["--slo", slo])
        #expect(Set(configurations(constrained).map(key)) == within)
        let excluded = try #require((constrained["excluded"] as? [[String: Any]])?.first)
        #expect(excluded["count"] as? Int == 6 - within.count)
        #expect(within.count < 6 && within.count > 1)
    }

    @Test func noFeasibleConfigurationIsExit65WithTheReasons() throws {
        let run = try joule(Self.twoPlans.dropLast(2) + ["--slo", "tpot <= 1 ms"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("none of the 2 configurations serves chat within the SLOs"))
        #expect(run.stderr.contains("violates tpot <= 1 ms: 2"))
    }

    @Test(arguments: ["ttft <= 200 ms", "tpot < = 50", "area <= 100 mm^2", "tpot <= 50", "tpot 50 ms"])
    func badSLOTextIsExit64NamingTheMetricsAndTheForm(_ slo: String) throws {
        let run = try joule(Self.twoPlans + ["--slo", slo])
        #expect(run.status == 64, "\(slo): \(run.stderr)")
        #expect(run.stdout.isEmpty)
        #expect(
            run.stderr.contains(
                "metrics: ttft_p50, ttft_p99, tpot, energy_per_request, energy_per_output_token, throughput, average_power"
            ), "\(slo): \(run.stderr)")
        #expect(run.stderr.contains("the form is METRIC <= VALUE (with a unit), e.g. --slo \"tpot <= 50 ms\""))
    }

    @Test func anUnknownObjectiveIsExit64() throws {
        let run = try joule(Self.twoPlans.map { $0 == "energy" ? "joules" : $0 })
        #expect(run.status == 64)
        #expect(run.stderr.contains("--optimize takes a serving metric: energy, latency, ttft_p50"))
    }
}
