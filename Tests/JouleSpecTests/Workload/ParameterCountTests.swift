import Foundation
import JouleSpec
import Testing

/// A model file and its published parameter count.
struct PublishedCount: Sendable, CustomTestStringConvertible {
    /// `Models/NAME.yaml` or `Models/hf/NAME/config.json`.
    let name: String
    /// The published total.
    let total: Int

    init(_ name: String, _ total: Int) {
        self.name = name
        self.total = total
    }

    var testDescription: String { name }
}

/// Parameter counts against published figures (Models/hf/SOURCES.md lists where each was found).
@Suite struct ParameterCountTests {
    static let yamlModels: [PublishedCount] = [
        PublishedCount("gpt2", 124_439_808),
        PublishedCount("bert-base-uncased", 109_482_240),
        PublishedCount("vit-base-patch16-224", 86_567_656),
        PublishedCount("llama-2-7b", 6_738_415_616),
        PublishedCount("llama-2-13b", 13_015_864_320),
        PublishedCount("llama-2-70b", 68_976_648_192),
        PublishedCount("llama-3-8b", 8_030_261_248),
        PublishedCount("mistral-7b", 7_241_732_096),
        PublishedCount("mixtral-8x7b", 46_702_792_704),
        PublishedCount("gpt2-xl", 1_557_611_200),
        PublishedCount("bert-large-uncased", 335_141_888),
        PublishedCount("phi-2", 2_779_683_840),
        PublishedCount("qwen2-7b", 7_615_616_512),
        PublishedCount("opt-6.7b", 6_658_473_984),
        PublishedCount("llama-3.1-70b", 70_553_706_496),
        PublishedCount("llama-3.1-405b", 405_853_388_800),
        PublishedCount("gemma-2b", 2_506_172_416),
        PublishedCount("gemma-7b", 8_537_680_896),
        PublishedCount("gemma-2-9b", 9_241_705_984),
        PublishedCount("deepseek-v3", 671_026_419_200),
        PublishedCount("flan-t5-base", 247_577_856),
    ]

    static let huggingFaceModels: [PublishedCount] = [
        PublishedCount("gpt2", 124_439_808),
        PublishedCount("bert-base-uncased", 109_482_240),
        PublishedCount("vit-base-patch16-224", 86_567_656),
        PublishedCount("llama-2-7b", 6_738_415_616),
        PublishedCount("mistral-7b", 7_241_732_096),
        PublishedCount("mixtral-8x7b", 46_702_792_704),
        PublishedCount("phi-2", 2_779_683_840),
        PublishedCount("qwen2-7b", 7_615_616_512),
        PublishedCount("opt-125m", 125_239_296),
        PublishedCount("pythia-1b", 1_011_781_632),
    ]

    @Test(arguments: yamlModels)
    func yamlFileCountsThePublishedTotal(_ model: PublishedCount) throws {
        let config = try WorkloadFixtures.yaml(model.name)
        #expect(config.parameters.total == model.total)
    }

    @Test(arguments: huggingFaceModels)
    func huggingFaceImportCountsThePublishedTotal(_ model: PublishedCount) throws {
        let config = try WorkloadFixtures.huggingFace(model.name)
        #expect(config.parameters.total == model.total)
    }

    /// Where both a YAML file and a config.json describe a model, they agree component by component.
    @Test(arguments: [
        "gpt2", "bert-base-uncased", "vit-base-patch16-224", "llama-2-7b", "mistral-7b", "mixtral-8x7b", "phi-2",
        "qwen2-7b",
    ])
    func huggingFaceImportMatchesTheYAMLFile(_ name: String) throws {
        let yaml = try WorkloadFixtures.yaml(name)
        let imported = try WorkloadFixtures.huggingFace(name)
        #expect(imported.parameters == yaml.parameters)
        #expect(imported.family == yaml.family)
        #expect(imported.kvHeads == yaml.kvHeads)
        #expect(imported.headDim == yaml.headDim)
        #expect(imported.slidingWindow == yaml.slidingWindow)
        #expect(imported.moe == yaml.moe)
        #expect(imported.maxPositions == yaml.maxPositions)
    }

    /// Llama-2-7B by component, from its config (h 4096, 32 layers, FFN 11008, vocabulary 32000):
    /// embedding 32000 x 4096; attention 32 x 4 x 4096^2; FFN 32 x 3 x 4096 x 11008;
    /// norms (2 per layer + final) 65 x 4096; untied head 32000 x 4096.
    @Test func llama2_7bByComponent() throws {
        let p = try WorkloadFixtures.yaml("llama-2-7b").parameters
        #expect(p.embedding == 131_072_000)
        #expect(p.attention == 2_147_483_648)
        #expect(p.ffn == 4_328_521_728)
        #expect(p.router == 0)
        #expect(p.norms == 266_240)
        #expect(p.head == 131_072_000)
        #expect(p.active == p.total)
        #expect(p.nonEmbedding == 6_738_415_616 - 131_072_000)
    }

    /// Mixtral 8x7B: each expert is a SwiGLU FFN of 3 x 4096 x 14336 = 176,160,768 weights; a
    /// token uses 2 of the 8 experts of each of the 32 layers, so
    /// active = 46,702,792,704 - 32 x 8 x 176,160,768 + 32 x 2 x 176,160,768
    ///        = 46,702,792,704 - 45,097,156,608 + 11,274,289,152 = 12,879,925,248
    /// (Mistral AI quotes "12.9B active parameters"). The router is 32 x 4096 x 8 = 1,048,576.
    @Test(arguments: ["yaml", "hf"])
    func mixtralActiveParametersAreTwoOfEightExperts(_ source: String) throws {
        let model =
            try source == "yaml" ? WorkloadFixtures.yaml("mixtral-8x7b") : WorkloadFixtures.huggingFace("mixtral-8x7b")
        let p = model.parameters
        #expect(p.ffn == 45_097_156_608)
        #expect(p.activeFFN == 11_274_289_152)
        #expect(p.router == 1_048_576)
        #expect(p.active == 12_879_925_248)
    }

    /// Dense models use every parameter for every token.
    @Test(arguments: ["gpt2", "llama-2-70b", "qwen2-7b", "phi-2"])
    func denseModelsAreFullyActive(_ name: String) throws {
        let p = try WorkloadFixtures.yaml(name).parameters
        #expect(p.active == p.total)
        #expect(p.activeFFN == p.ffn)
    }
}
