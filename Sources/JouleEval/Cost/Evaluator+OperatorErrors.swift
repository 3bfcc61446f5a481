import JouleSpec

extension Evaluator {
    /// The presets tried, in the order a suggestion names them (widest float first, then the
    /// quantised ones), so the hint is stable.
    static let suggestedPresets = ["bf16", "fp16", "fp8", "w8a16", "w4a16", "w8a8", "int8", "fp32"]

    /// Restates an error about `gemm` for the first operator of `graph` that has that shape: its
    /// name (`L0.attn_score`), its operands' formats and the MAC format they need; when the hardware
    /// lacks that MAC format, the presets under which every GEMM of the graph has MACs.
    static func naming(
        _ error: EvaluationError, gemm: GEMM, in graph: Graph, hardware: Accelerator
    ) -> EvaluationError {
        guard let op = graph.operators.first(where: { $0.gemm == gemm }) else { return error }
        let second: String
        switch gemm.second {
        case .weight: second = "weights"
        case .kvCache: second = "KV cache"
        case .activation: second = "second activation"
        }
        var message =
            "\(op.name) (input \(gemm.inputPrecision.rawValue), \(second) \(gemm.secondPrecision.rawValue), "
            + "\(gemm.macPrecision.rawValue) MACs): \(error.message)"
        if hardware.compute.precisions[gemm.macPrecision] == nil {
            let fitting = suggestedPresets.filter { name in
                guard let preset = PrecisionConfig.presets[name] else { return false }
                return fits(graph, preset: preset, hardware: hardware)
            }
            message +=
                fitting.isEmpty
                ? "; no precision preset fits \(hardware.name): give a mix its MACs take, e.g. --precision \(hardware.compute.supportedPrecisions.last?.rawValue ?? "int8")"
                : "; --precision \(fitting.joined(separator: " or ")) fits \(hardware.name)"
        }
        return EvaluationError(message: message, level: error.level)
    }

    /// Whether every GEMM of `graph` would find MACs on `hardware` with its operands in `preset`.
    static func fits(_ graph: Graph, preset: PrecisionConfig, hardware: Accelerator) -> Bool {
        graph.distinctGEMMs.allSatisfy { entry in
            let second: Precision
            switch entry.gemm.second {
            case .weight: second = preset.weights
            case .kvCache: second = preset.kvCache
            case .activation: second = preset.activations
            }
            return hardware.compute.precisions[PrecisionConfig.macPrecision(preset.activations, second)] != nil
        }
    }
}
