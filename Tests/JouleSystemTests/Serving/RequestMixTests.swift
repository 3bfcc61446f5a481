import Foundation
import JouleEval
import JouleSpec
import Testing
import YAML

@testable import JouleSystem

/// Request mixes: a two-class mix's steady state derived by hand from single-class results,
/// the distribution buckets, and the positioned errors of workload files and CSV traces.
struct RequestMixTests {
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-12) -> Bool {
        abs(a - b) <= tolerance * max(abs(a), abs(b))
    }

    @Test func aTwoClassMixComposesItsClassesPrefillsAndOneDecodeStep() throws {
        let (batching, _, _) = try ContinuousBatchingTests.batching()
        // 75 % of requests 256 in / 64 out (A), 25 % 1024 in / 192 out (B), 16 decoding.
        let mix = RequestMix(
            [
                RequestClass(inputTokens: 256, outputTokens: 64, share: 3),
                RequestClass(inputTokens: 1024, outputTokens: 192, share: 1),
            ], origin: .classes)
        let result = try batching.steadyState(ServingWorkload(mix: mix, concurrency: 16))
        // By hand: E[out] = 0.75 x 64 + 0.25 x 192 = 96; the mean decode context
        // E[out (in + out/2)] / E[out] = (0.75 x 64 x 288 + 0.25 x 192 x 1120) / 96 = 704, and the
        // reserved length E[out (in + out)] / E[out] = (0.75 x 64 x 320 + 0.25 x 192 x 1216) / 96
        // = 768: exactly those of one type of 640 in / 128 out, whose decode step and capacity
        // this mix shares. 16 / 96 = 1/6 of a request starts per iteration.
        let same = try batching.steadyState(ServingWorkload(inputTokens: 640, outputTokens: 128, concurrency: 16))
        let a = try batching.steadyState(ServingWorkload(inputTokens: 256, outputTokens: 64, concurrency: 16))
        let b = try batching.steadyState(ServingWorkload(inputTokens: 1024, outputTokens: 192, concurrency: 16))
        #expect(result.capacity == same.capacity)
        #expect(Self.close(result.decode.seconds, same.decode.seconds))
        let meanPrefill = 0.75 * a.prefillSeconds + 0.25 * b.prefillSeconds
        let meanPrefillEnergy = 0.75 * a.prefillEnergy + 0.25 * b.prefillEnergy
        let tpot = same.decode.seconds + meanPrefill / 6
        #expect(Self.close(result.tpot, tpot))
        #expect(Self.close(result.tokensPerSecond, 16 / tpot))
        #expect(Self.close(result.requestsPerSecond, 16 / tpot / 96))
        let perToken = (same.decode.energy + meanPrefillEnergy / 6) / 16
        #expect(Self.close(result.energyPerOutputToken, perToken))
        #expect(Self.close(result.energyPerRequest, 96 * perToken))
        // TTFT per class is its own prefill plus one iteration; 75 % of requests are A's, so
        // the median is A's and p90 and p99 are B's. End to end adds out - 1 iterations.
        let ttftA = a.prefillSeconds + tpot
        let ttftB = b.prefillSeconds + tpot
        #expect(Self.close(result.ttft, 0.75 * ttftA + 0.25 * ttftB))
        #expect(Self.close(result.ttftP50, ttftA))
        #expect(Self.close(result.ttftP90, ttftB))
        #expect(Self.close(result.ttftP99, ttftB))
        #expect(Self.close(result.endToEndP50, ttftA + 63 * tpot))
        #expect(Self.close(result.endToEndP99, ttftB + 191 * tpot))
        // A class's energy: out steps' even share of the decode energy, and its prefill; their
        // mean over requests is the mix's energy per request.
        let energyA = 64 * same.decode.energy / 16 + a.prefillEnergy
        let energyB = 192 * same.decode.energy / 16 + b.prefillEnergy
        #expect(Self.close(result.energyPerRequest(of: result.classes[0]), energyA))
        #expect(Self.close(0.75 * energyA + 0.25 * energyB, result.energyPerRequest, 1e-9))
    }

    @Test func oneClassGivesTheFixedFormsFigures() throws {
        let (batching, _, _) = try ContinuousBatchingTests.batching()
        let fixed = try batching.steadyState(ServingWorkload(inputTokens: 512, outputTokens: 127, concurrency: 8))
        let mix = RequestMix([RequestClass(inputTokens: 512, outputTokens: 127)], origin: .classes)
        let result = try batching.steadyState(ServingWorkload(mix: mix, concurrency: 8))
        // An odd output: the decode context is 512 + 127/2 = 575 in whole tokens in both.
        #expect(result.decode.phase == .decode(batch: 8, context: 575))
        #expect(Self.close(result.tpot, fixed.tpot))
        #expect(result.capacity == fixed.capacity)
        #expect(result.ttftP99 == fixed.ttft)
    }

    struct BucketCase: Sendable, CustomStringConvertible {
        var distribution: LengthDistribution
        var first: Int
        var last: Int
        var description: String { "\(distribution)" }
    }

    @Test(arguments: [
        // uniform 128...1024: 897 lengths; bucket k stands at 128 + floor((k + 1/2)/16 x 897):
        // k = 0: 128 + floor(28.03) = 156; k = 15: 128 + floor(868.97) = 996.
        BucketCase(distribution: .uniform(min: 128, max: 1024), first: 156, last: 996),
        // lognormal median 512, sigma 0.8, untruncated in effect (max 16,777,216 is 13 sigma up):
        // k = 0 at p = 1/32, z = -1.8627 (normal table), 512 e^(0.8 x -1.8627) = 115.5 -> 115 or
        // 116; k = 15 at p = 31/32, z = 1.8627: 512 e^1.4902 = 2272.
        BucketCase(
            distribution: .lognormal(median: 512, sigma: 0.8, min: 1, max: GraphBuilder.maximumLength), first: 115,
            last: 2272),
    ])
    func distributionsAreCutIntoSixteenEqualBuckets(_ c: BucketCase) {
        let buckets = c.distribution.buckets
        #expect(buckets.count == 16)
        #expect(buckets.allSatisfy { $0.share == 1.0 / 16 })
        #expect(abs(buckets[0].length - c.first) <= 1)
        #expect(buckets[15].length == c.last)
    }

    @Test func theLognormalMedianAndOneSigmaQuantileAreExact() {
        let lognormal = LengthDistribution.lognormal(median: 512, sigma: 0.8, min: 1, max: GraphBuilder.maximumLength)
        #expect(lognormal.quantile(0.5) == 512)
        // P(Z <= 1) = 0.841344746 (normal table): 512 e^0.8 = 512 x 2.2255 = 1139.5 -> 1139.
        #expect(lognormal.quantile(0.8413447460685429) == 1139)
        // Truncated at 1024, the median of what is left is the 0.5 x P(L <= 1024) quantile:
        // P(Z <= ln 2 / 0.8 = 0.8664) = 0.8069, z(0.4034) = -0.2440, 512 e^(-0.1952) = 421.
        let truncated = LengthDistribution.lognormal(median: 512, sigma: 0.8, min: 1, max: 1024)
        #expect(abs(truncated.quantile(0.5) - 421) <= 1)
    }

    @Test func aWorkloadFileGivesDistributionsClassesOrATrace() throws {
        let distributed = try YAMLDecoder().decode(
            ServingWorkload.self,
            from: """
                input_tokens: {distribution: uniform, min: 128, max: 1024}
                output_tokens: 64
                concurrency: 8
                """, path: "w.yaml")
        #expect(distributed.requestMix.classes.count == 16)
        #expect(distributed.requestMix.classes.allSatisfy { $0.outputTokens == 64 })
        let classes = try YAMLDecoder().decode(
            ServingWorkload.self,
            from: """
                requests:
                  - {input_tokens: 128, output_tokens: 64, share: 7}
                  - {input_tokens: 2048, output_tokens: 256, share: 3}
                requests_per_second: 2
                """, path: "w.yaml")
        #expect(classes.requestMix.classes.map(\.share) == [0.7, 0.3])
        // Means: 0.7 x 128 + 0.3 x 2048 = 704 in, 0.7 x 64 + 0.3 x 256 = 121.6 out.
        #expect(classes.inputTokens == 704 && classes.outputTokens == 122)
    }

    @Test func badMixesAreErrorsAtTheirPositions() {
        do {
            _ = try YAMLDecoder().decode(
                ServingWorkload.self,
                from: """
                    input_tokens: {distribution: lognormal, median: 512}
                    output_tokens: {distribution: normal, min: 1, max: 9}
                    trace: t.csv
                    concurrency: 8
                    """, path: "w.yaml")
            Issue.record("expected errors")
        } catch {
            let text = error.description
            #expect(text.contains("w.yaml:3:8: error: give the requests one way"))
            #expect(text.contains("w.yaml:1:15: error: missing required key 'sigma'"))
            #expect(text.contains("w.yaml:2:31: error: unknown length distribution 'normal'"))
        }
    }

    @Test func aBadTraceCellIsAnErrorNamingItsRowAndColumn() {
        let text = "# synthetic\ninput_tokens,output_tokens\n512,256\n128,x1\n,64\n"
        do {
            _ = try RequestTrace.parse(text, path: "t.csv")
            Issue.record("expected errors")
        } catch {
            let message = error.description
            #expect(
                message.contains(
                    "t.csv:4:5: error: row 4, column output_tokens: expected a whole number of tokens from 1 to 16777216, found 'x1'"
                ))
            #expect(message.contains("t.csv:5:1: error: row 5, column input_tokens"))
            #expect(message.contains("2 errors"))
        }
        do {
            _ = try RequestTrace.parse("prompt,answer\n1,2\n", path: "t.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("t.csv:1:1: error: the header must name the columns"))
        }
    }

    @Test func aTraceWithManyBadRowsListsTheFirstTwentyAndCountsTheRest() {
        // 25 rows with a bad output cell each: 20 listed, 5 counted.
        let text = "input_tokens,output_tokens\n" + String(repeating: "1,x\n", count: 25)
        do {
            _ = try RequestTrace.parse(text, path: "t.csv")
            Issue.record("expected errors")
        } catch {
            #expect(error.items.count == 21)
            #expect(error.description.contains("t.csv: error: 5 more bad cells not shown (25 bad rows in all)"))
            #expect(error.description.contains("t.csv:21:3: error: row 21, column output_tokens"))
        }
    }

    @Test func aTraceMergesIdenticalRequestsIntoClasses() throws {
        let classes = try RequestTrace.parse(
            "t,input_tokens,output_tokens\n0,100,10\n1,200,20\n2,100,10\n3,100,10\n", path: "t.csv")
        #expect(
            classes == [
                RequestClass(inputTokens: 100, outputTokens: 10, share: 0.75),
                RequestClass(inputTokens: 200, outputTokens: 20, share: 0.25),
            ])
    }
}
