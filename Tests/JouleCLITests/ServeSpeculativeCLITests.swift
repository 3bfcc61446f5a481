import Foundation
import Testing

/// `joule serve ... --speculative DRAFT --draft-tokens K --acceptance A`.
struct ServeSpeculativeCLITests {
    @Test func serveWithADraftReportsTheCycleAndTheTokensItGives() throws {
        let run = try joule(
            "serve", "llama-3.1-70b", "dgx-h100", "--workload", "Workloads/chat.yaml", "--tp", "8", "--speculative",
            "llama-3-8b", "--draft-tokens", "3", "--acceptance", "0.7", "--roofline", "ideal")
        #expect(run.status == 0, "\(run.stderr)")
        // (1 - 0.7^4) / (1 - 0.7) = 2.533 tokens per sequence per cycle.
        #expect(run.stdout.contains("2.533 tokens per sequence"))
        #expect(run.stdout.contains("verification cycle                3 draft steps of"))
        #expect(run.stdout.contains("power per device  "))
        // 70.55 B + 8.03 B parameters x 2 B / 8 = 19.65 GB of weights per device.
        #expect(run.stdout.contains("weights 19.65 GB"))
    }

    @Test func serveRefusesAnAutomaticKAndSpeculationWithPools() throws {
        let words = ["serve", "llama-3.1-70b", "dgx-h100", "--workload", "Workloads/chat.yaml", "--tp", "8"]
        let auto = try joule(words + ["--speculative", "llama-3-8b", "--acceptance", "0.7"])
        #expect(auto.status == 64)
        #expect(auto.stderr.contains("serve needs a number of draft tokens"))
        let pools = try joule(
            words + [
                "--speculative", "llama-3-8b", "--acceptance", "0.7", "--draft-tokens", "2", "--disaggregate", "4,4",
            ])
        #expect(pools.status == 64)
        #expect(pools.stderr.contains("not modelled with --fleet or --disaggregate"))
        let stray = try joule(words + ["--draft-tokens", "2"])
        #expect(stray.status == 64)
        #expect(stray.stderr.contains("--draft-tokens applies with --speculative DRAFT"))
    }
}
