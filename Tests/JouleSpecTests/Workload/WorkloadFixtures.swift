import Foundation
import JouleSpec
import YAML

/// Where the workload tests find their files, and small helpers shared by them.
enum WorkloadFixtures {
    /// The `Models/` library.
    static let models = repositoryRoot.appendingPathComponent("Models")

    /// The Hugging Face `config.json` copies.
    static let huggingFace = models.appendingPathComponent("hf")

    /// The broken-input corpus for model files.
    static let corpus = repositoryRoot.appendingPathComponent("Tests/Corpus/models")

    /// Loads `Models/NAME.yaml`.
    static func yaml(_ name: String) throws -> ModelConfig {
        try ModelConfig.load(models.appendingPathComponent(name + ".yaml").path)
    }

    /// Imports `Models/hf/NAME/config.json`.
    static func huggingFace(_ name: String) throws -> ModelConfig {
        try ModelConfig.load(huggingFace.appendingPathComponent(name).appendingPathComponent("config.json").path)
    }

    /// Builds a graph with the default (bf16) precision unless told otherwise.
    static func graph(
        _ model: ModelConfig, _ phase: Phase, precision: PrecisionConfig = .standard,
        options: GraphOptions = GraphOptions()
    ) throws -> Graph {
        try GraphBuilder(model: model, precision: precision, options: options).build(phase)
    }
}

extension Graph {
    /// The operators of one role (forward pass unless told otherwise).
    func ops(_ role: OperatorRole, pass: Pass = .forward) -> [Operator] {
        operators.filter { $0.role == role && $0.pass == pass }
    }

    /// The GEMMs of one role (forward pass unless told otherwise).
    func gemms(_ role: OperatorRole, pass: Pass = .forward) -> [GEMM] {
        ops(role, pass: pass).compactMap(\.gemm)
    }

    /// The operator named `name`, if any.
    func named(_ name: String) -> Operator? {
        operators.first { $0.name == name }
    }
}
