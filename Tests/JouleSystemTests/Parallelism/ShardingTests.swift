import JouleEval
import JouleSpec
import Testing

@testable import JouleSystem

/// Parameters, KV cache and collectives per device under tensor and pipeline parallelism,
/// derived by hand from the models' published shapes.
struct ShardingTests {
    @Test func tensorParallelTwoHalvesLlama2_7BExceptItsNorms() throws {
        let model = try Fixtures.model("llama-2-7b")
        let shard = try model.sharded(tensor: 2)
        // Published total 6,738,415,616; norms (2 per layer + final, of 4096) are replicated:
        // 65 x 4096 = 266,240. Everything else halves: (6,738,415,616 - 266,240) / 2 + 266,240.
        #expect(shard.parameters.total == 3_369_340_928)
        #expect(shard.heads == 16 && shard.kvHeads == 16 && shard.ffn.size == 5504 && shard.vocabSize == 16000)
    }

    @Test func keyValueHeadsSplitWhileThereAreEnoughThenReplicate() throws {
        let model = try Fixtures.model("llama-3.1-70b")  // 64 heads, 8 KV heads
        #expect(try model.sharded(tensor: 4).kvHeads == 2)
        #expect(try model.sharded(tensor: 8).kvHeads == 1)
        #expect(try model.sharded(tensor: 16).kvHeads == 1)
    }

    @Test func kvCacheBytesPerDeviceUnderTensorAndPipelineParallelism() throws {
        let model = try Fixtures.model("llama-3.1-70b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let cluster = Fixtures.cluster(device: h100, perNode: 8, nodes: 2)
        let evaluator = try Evaluator(hardware: h100, mode: .ideal)
        let phase = Phase.decode(batch: 2, context: 4096)
        // TP 8: one KV head of 128 per device: 2 sequences x 4096 tokens x 80 layers x 2 (K, V)
        // x 128 x 2 bytes = 335,544,320 bytes. PP 2 on top halves the layers.
        let tp8 = try SystemEvaluator(cluster: cluster, plan: ParallelPlan(tensor: 8), evaluator: evaluator)
            .footprint(model: model, phase: phase, precision: .standard, options: GraphOptions())
        #expect(tp8.kvCache == 335_544_320)
        let tp8pp2 = try SystemEvaluator(
            cluster: cluster, plan: ParallelPlan(tensor: 8, pipeline: 2, microbatches: 1), evaluator: evaluator
        ).footprint(model: model, phase: phase, precision: .standard, options: GraphOptions())
        #expect(tp8pp2.kvCache == 335_544_320 / 2)
        // Weights at TP 8, PP 2: the 80 layers' share (8,192 x (8,192 + 1,024 + 1,024 + 8,192) /
        // 8 x ... ) is checked against the whole: every non-embedding parameter except the
        // replicated norms splits 16 ways; the first stage also holds its 1/8 of the embedding.
        let shard = try model.sharded(tensor: 8).parameters
        let expected = Double(shard.total - shard.embedding - shard.head) / 2 + Double(shard.embedding)
        #expect(abs(tp8pp2.weights - expected * 2) < 1)
    }

    @Test func megatronHasTwoAllReducesPerLayerInTheForwardPassOfTokensTimesHidden() throws {
        let model = try Fixtures.model("llama-3.1-70b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: ParallelPlan(tensor: 8),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let evaluation = try system.evaluate(
            model: model, phase: .decode(batch: 64, context: 4096), precision: .standard, options: GraphOptions())
        let layers = try #require(evaluation.communication.first { $0.purpose.hasPrefix("TP all-reduce after") })
        #expect(layers.perStep == 2 * 80)
        // 64 tokens x 8192 hidden x 2 bytes = 1 MiB per all-reduce.
        #expect(layers.cost.bytes == 1_048_576)
        let training = try system.evaluate(
            model: model, phase: .training(batch: 1, sequence: 128), precision: .standard, options: GraphOptions())
        let backward = try #require(training.communication.first { $0.purpose.hasPrefix("TP all-reduce after") })
        #expect(backward.perStep == 4 * 80)
    }

    /// Training state counts a group-quantized weight's scales: llama-2-7b (6,738,415,616
    /// parameters) on one H100, int4 weights in groups of 128 with fp16 scales, 4 + 16/128 =
    /// 4.125 bits: 3,474,495,552 B of weights; gradients at int4's 4 bits, 3,369,207,808 B.
    @Test func trainingWeightsCountTheirGroupScales() throws {
        let model = try Fixtures.model("llama-2-7b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = try SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 1, nodes: 1), plan: ParallelPlan(),
            evaluator: Evaluator(hardware: h100, mode: .ideal))
        let footprint = try system.footprint(
            model: model, phase: .training(batch: 1, sequence: 128),
            precision: PrecisionConfig(parsing: "weights=int4-g128"), options: GraphOptions())
        #expect(model.parameters.total == 6_738_415_616)
        #expect(footprint.weights == 3_474_495_552)
        #expect(footprint.gradients == 3_369_207_808)
    }

    struct BadPlan: Sendable, CustomTestStringConvertible {
        var plan: ParallelPlan
        var phase: Phase
        var words: [String]
        var testDescription: String { words.joined(separator: " ") }
    }

    @Test(arguments: [
        BadPlan(plan: ParallelPlan(tensor: 3), phase: .decode(batch: 1, context: 16), words: ["3", "64", "heads"]),
        BadPlan(plan: ParallelPlan(pipeline: 81), phase: .decode(batch: 1, context: 16), words: ["81", "80 layers"]),
        BadPlan(
            plan: ParallelPlan(tensor: 1, pipeline: 3, data: 2), phase: .decode(batch: 3, context: 16),
            words: ["data parallelism 2", "batch 3"]),
        BadPlan(plan: ParallelPlan(expert: 2), phase: .decode(batch: 2, context: 16), words: ["expert"]),
    ])
    func aPlanThatDoesNotDivideTheModelIsAnErrorNamingTheNumbers(_ bad: BadPlan) throws {
        let model = try Fixtures.model("llama-3.1-70b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 100), plan: bad.plan,
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        do {
            _ = try system.footprint(model: model, phase: bad.phase, precision: .standard, options: GraphOptions())
            Issue.record("expected an error")
        } catch {
            for word in bad.words where !error.description.contains(word) {
                Issue.record("'\(error.description)' does not name \(word)")
            }
        }
    }

    @Test func moreStagesThanLayersIsAnError() throws {
        let model = try Fixtures.model("llama-3.1-70b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 81), plan: ParallelPlan(pipeline: 81),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        #expect(throws: PlanError("pipeline parallelism 81 asks for more stages than llama-3.1-70b's 80 layers")) {
            _ = try system.validate(model: model, phase: .decode(batch: 1, context: 16))
        }
    }
}

/// Expert and sequence parallelism: what they send, by hand.
struct ExpertAndSequenceParallelTests {
    @Test func expertParallelismSendsTokensTimesTopKTimesHiddenTwicePerMoELayer() throws {
        let model = try Fixtures.model("mixtral-8x7b")  // 32 layers, hidden 4096, 8 experts, top-2
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: ParallelPlan(data: 4, expert: 4),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let evaluation = try system.evaluate(
            model: model, phase: .decode(batch: 64, context: 1024), precision: .standard, options: GraphOptions())
        let allToAll = try #require(evaluation.communication.first { $0.cost.collective == .allToAll })
        // 16 sequences per replica x 2 experts x 4096 x 2 bytes = 256 KiB, dispatch and combine
        // in each of the 32 layers.
        #expect(allToAll.cost.bytes == 16 * 2 * 4096 * 2)
        #expect(allToAll.perStep == 64)
        #expect(allToAll.cost.group == 4)
        // Two of the eight experts per device.
        #expect(try model.sharded(tensor: 1, expert: 4).moe?.experts == 2)
    }

    @Test func sequenceParallelismSwapsEachAllReduceForAReduceScatterAndAnAllGather() throws {
        let model = try Fixtures.model("llama-2-7b")
        let h100 = try Fixtures.hardware("h100-sxm")
        let system = SystemEvaluator(
            cluster: Fixtures.cluster(device: h100, perNode: 8), plan: ParallelPlan(tensor: 8, sequence: true),
            evaluator: try Evaluator(hardware: h100, mode: .ideal))
        let evaluation = try system.evaluate(
            model: model, phase: .prefill(batch: 1, sequence: 1024), precision: .standard, options: GraphOptions())
        let kinds = evaluation.communication.filter { $0.purpose.contains("sequence parallel") }
        #expect(kinds.map(\.cost.collective) == [.reduceScatter, .allGather])
        #expect(kinds.allSatisfy { $0.perStep == 2 * 32 })
        // A ring reduce-scatter and all-gather together cost what the ring all-reduce would.
        let ring = CollectiveModel(cluster: system.cluster, algorithm: .ring)
        let group = GroupPlacement(perNode: 8, nodes: 1)
        let bytes = 1024.0 * 4096 * 2
        let pair =
            ring.cost(.reduceScatter, bytes: bytes, placement: group).seconds
            + ring.cost(.allGather, bytes: bytes, placement: group).seconds
        #expect(abs(pair - ring.cost(.allReduce, bytes: bytes, placement: group).seconds) < 1e-15)
    }
}
