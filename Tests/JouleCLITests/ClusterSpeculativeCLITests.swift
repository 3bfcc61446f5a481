import Foundation
import Testing

/// `joule eval TARGET CLUSTER --speculative DRAFT`: speculative decoding under a parallel plan.
struct ClusterSpeculativeCLITests {
    @Test func speculativeDecodingOnAClusterPrintsTheTableAndBothShards() throws {
        let run = try joule(
            "eval", "llama-3.1-70b", "dgx-h100", "--tp", "8", "--speculative", "llama-3-8b", "--acceptance", "0.7",
            "--draft-tokens", "3", "--batch", "16", "--context", "2048", "--roofline", "ideal")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("on dgx-h100 (TP 8, PP 1, DP 1)"))
        // (1 - 0.7^4) / (1 - 0.7) = (1 - 0.2401) / 0.3 = 2.533 tokens per verification.
        #expect(run.stdout.contains("k = 3: 2.533 tokens per verification"))
        // 70.55 B + 8.03 B parameters x 2 B / 8 = 19.65 GB of weights per device.
        #expect(run.stdout.contains("memory per device (target and draft): weights 19.65 GB"))
    }

    @Test func speculativeOptionsWithoutADraftOrWithAnUndividedDraftAreRefused() throws {
        let stray = try joule("eval", "llama-3.1-70b", "dgx-h100", "--tp", "8", "--acceptance", "0.7")
        #expect(stray.status == 64)
        #expect(stray.stderr.contains("--acceptance applies with --speculative DRAFT"))
        // gpt2-xl's 25 heads do not split over TP 8.
        let undivided = try joule(
            "eval", "llama-3.1-70b", "dgx-h100", "--tp", "8", "--speculative", "gpt2-xl", "--acceptance", "0.7",
            "--roofline", "ideal")
        #expect(undivided.status == 65)
        #expect(undivided.stderr.contains("the draft gpt2-xl: tensor parallelism 8 does not divide"))
    }
}
