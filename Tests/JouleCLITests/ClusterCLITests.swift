import Foundation
import Testing

/// `joule eval MODEL CLUSTER`, `joule fit` and cluster files through the executable.
struct ClusterCLITests {
    @Test func evalOnAClusterPrintsTheStepTheCollectivesAndTheFootprint() throws {
        let run = try joule(
            "eval", "llama-3.1-70b", "dgx-h100", "--tp", "8", "--phase", "decode", "--batch", "64", "--context",
            "4096", "--roofline", "ideal")
        #expect(run.status == 0)
        #expect(run.stdout.contains("plan: TP 8, PP 1, DP 1 (8 of 8 devices)"))
        #expect(run.stdout.contains("TP all-reduce after attention and FFN"))
        // 70.55 B parameters / 8 x 2 bytes = 17.64 GB; 64 x 4096 x 80 x 2 x 128 x 2 bytes = 10 GiB.
        #expect(run.stdout.contains("weights 17.64 GB + KV cache 10 GiB"))
    }

    @Test func aPlanThatOverflowsIsExit65NamingTheExcessUnlessAllowed() throws {
        let words = ["eval", "llama-2-70b", "h100-sxm", "--tp", "1", "--phase", "decode", "--batch", "64"]
        let run = try joule(words + ["--context", "4096", "--roofline", "ideal"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("overflow the 80 GB of h100-sxm's HBM by"))
        let allowed = try joule(words + ["--context", "4096", "--roofline", "ideal", "--allow-overflow"])
        #expect(allowed.status == 0)
        #expect(allowed.stderr.contains("warning:"))
    }

    @Test func aPlanThatDoesNotDivideTheHeadsIsExit65() throws {
        let run = try joule("eval", "llama-3.1-70b", "dgx-h100", "--tp", "3", "--phase", "decode")
        #expect(run.status == 65)
        #expect(run.stderr.contains("tensor parallelism 3 does not divide llama-3.1-70b's 64 attention heads"))
    }

    @Test func contextParallelismSplitsTheSequenceAndRejectsOneItDoesNotDivide() throws {
        let words = [
            "eval", "llama-3.1-70b", "dgx-h100", "--tp", "2", "--cp", "4", "--phase", "prefill", "--batch", "1",
        ]
        let run = try joule(words + ["--sequence", "4096", "--roofline", "ideal"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("plan: TP 2, PP 1, DP 1, CP 4 (8 of 8 devices)"))
        // 80 layers x (4 - 1) ring steps; a chunk is 1024 tokens x 2 x 4 KV heads x 128 x 2 bytes.
        #expect(run.stdout.contains("CP ring send/recv of K/V chunks (forward)        240       2 MiB"))
        let bad = try joule(words + ["--sequence", "4092", "--roofline", "ideal"])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("2 x 4 = 8 load-balanced chunks, which do not divide the sequence 4092"))
    }

    @Test func recomputationIsNamedOrAUsageErrorWithASuggestion() throws {
        let words = [
            "eval", "llama-2-7b", "dgx-h100", "--tp", "8", "--sp", "--phase", "training", "--roofline", "ideal",
        ]
        let run = try joule(words + ["--recompute", "full"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("plan: TP 8, PP 1, DP 1, SP, full recomputation (8 of 8 devices)"))
        let typo = try joule(words + ["--recompute", "ful"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("--recompute takes none, selective or full, found 'ful'; did you mean 'full'?"))
    }

    @Test func fitFindsTheLargestBatchWhoseKVCacheFits() throws {
        let run = try joule("fit", "llama-3.1-70b", "dgx-h100", "--tp", "8", "--phase", "decode", "--context", "8192")
        #expect(run.status == 0)
        // (80 GB - 17.64 GB weights - activations) / (8192 x 80 x 2 x 128 x 2 B = 335.5 MB) = 185.8.
        #expect(run.stdout.contains("largest batch that fits: 185"))
    }

    @Test func checkValidatesTheShippedClusters() throws {
        let names = ["dgx-h100", "dgx-a100", "dgx-h100-2x8-ndr", "tpu-v4i-4x4-torus", "pcie-tpu-v1-x4"]
        let run = try joule(["check"] + names.map { "Clusters/\($0).yaml" })
        #expect(run.status == 0)
        #expect(run.stdout.contains("ok (cluster dgx-h100, 8 x h100-sxm)"))
    }

    @Test func serveReportsTheSteadyStateAndRejectsAConcurrencyPastTheKVCapacity() throws {
        let words = ["serve", "llama-3.1-70b", "dgx-h100", "--workload", "Workloads/chat.yaml", "--tp", "8"]
        let run = try joule(words + ["--roofline", "ideal"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("TTFT") && run.stdout.contains("TPOT") && run.stdout.contains("energy per request"))
        let over = try joule(words + ["--roofline", "ideal", "--concurrency", "5000"])
        #expect(over.status == 65)
        #expect(over.stderr.contains("concurrency 5000 exceeds the KV capacity"))
    }
}
