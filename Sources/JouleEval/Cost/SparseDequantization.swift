import JouleSpec

/// The dequantization of an N:M sparse weight, as the hardware stores it. The graph's
/// `<gemm>.dequant` operator converts the dense weight (the graph knows no hardware); where the
/// hardware keeps the weight compressed (`SparsityHandling.native` or `.decompressed`), only the
/// kept values are stored, loaded and converted, so the operator shrinks to the GEMM's
/// `dequantizedElements` and `dequantizeOps` once its sparsity is resolved.
extension Evaluator {
    /// The GEMM a `.dequant` operator at `index` converts operands for: the operator just before
    /// it, whose name it extends with `.dequant`; nil for any other operator.
    static func dequantizedGEMM(at index: Int, in graph: Graph) -> GEMM? {
        let op = graph.operators[index]
        guard op.role == .dequant, index > 0 else { return nil }
        let producer = graph.operators[index - 1]
        guard op.name == producer.name + ".dequant", case .gemm(let gemm) = producer.kind else { return nil }
        return gemm
    }

    /// A `.dequant` operator for `gemm` as this hardware runs the GEMM: its elements and
    /// operations those of the GEMM with its sparse weight resolved (unchanged for a dense one).
    func dequantization(_ vector: VectorOp, for gemm: GEMM) -> VectorOp {
        guard gemm.weightSparsity != nil else { return vector }
        let resolved = gemm.resolvingSparsity(on: hardware.compute)
        let elements = resolved.dequantizedElements
        guard elements > 0 else { return vector }
        var converted = vector
        converted.elements = elements
        converted.opsPerElement = resolved.dequantizeOps / elements
        return converted
    }
}
