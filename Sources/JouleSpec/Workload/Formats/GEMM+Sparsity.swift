/// What a hardware does with a GEMM's N:M sparse weight.
public enum SparsityHandling: String, Sendable, Hashable {
    /// No sparsity asked.
    case dense
    /// Sparse MACs (`compute.sparsity` lists the pattern): the reduction runs over the kept
    /// weights only, so MACs and weight bytes scale by N/M, and each kept weight carries its index.
    case native
    /// Moved compressed and expanded in front of dense MACs (`compute.sparse_decompress`):
    /// weight bytes (with their indices) scale by N/M, MACs stay dense.
    case decompressed
    /// The hardware can do neither: the weight is dense, and a warning says so.
    case ignored
}

extension GEMM {
    /// How `compute` treats this GEMM's sparse weight.
    public func sparsityHandling(on compute: ComputeArray) -> SparsityHandling {
        guard let pattern = weightSparsity, second == .weight else { return .dense }
        if compute.sparsity.contains(pattern) { return .native }
        return compute.sparseDecompress ? .decompressed : .ignored
    }

    /// The GEMM as `compute` runs it, its sparse weight applied (idempotent: the result asks
    /// for no sparsity).
    ///
    /// Native N:M (NVIDIA sparse tensor cores, A100 whitepaper 2020, "Fine-Grained Structured
    /// Sparsity": the sparse MMA takes the compressed weight, its 2-bit indices and the dense
    /// input, and skips the pruned products at twice the dense rate): the reduction K becomes
    /// K' = ceil(K x N/M), so MACs, compute time and weight elements scale by N/M; every kept
    /// weight moves `indexBits` of metadata; the input is still read whole, K elements, modelled
    /// as K' reduction steps reading M/N input elements each (`inputSelection`).
    /// Decompressed: the weight moves at (bits + index bits) x N/M per dense element, MACs dense.
    public func resolvingSparsity(on compute: ComputeArray) -> GEMM {
        guard let pattern = weightSparsity else { return self }
        var g = self
        g.weightSparsity = nil
        switch sparsityHandling(on: compute) {
        case .native:
            let kept = (k * pattern.n + pattern.m - 1) / pattern.m
            g.secondElements = secondElements * Double(kept) / Double(k)
            g.inputSelection = inputSelection * Double(k) / Double(kept)
            g.k = kept
            g.secondMetadataBits = Double(pattern.indexBits)
        case .decompressed:
            g.secondMetadataBits = Double(pattern.indexBits)
            g.secondStoredFraction = pattern.density
        case .dense, .ignored:
            break
        }
        return g
    }
}

extension Graph {
    /// Warnings for sparsity `hardware` cannot use: the weights stay dense.
    public func sparsityWarnings(on hardware: Accelerator) -> [String] {
        var ignored: Set<SparsityPattern> = []
        for op in operators {
            if let g = op.gemm, let pattern = g.weightSparsity, g.sparsityHandling(on: hardware.compute) == .ignored {
                ignored.insert(pattern)
            }
        }
        return ignored.sorted().map { pattern in
            let supported =
                hardware.compute.sparsity.isEmpty
                ? "no sparse MACs"
                : "sparse MACs for \(hardware.compute.sparsity.map(\.description).joined(separator: ", ")) only"
            return
                "\(hardware.name) has \(supported) (compute.sparsity) and cannot decompress sparse weights (compute.sparse_decompress): the \(pattern) weight sparsity is ignored, weights are dense"
        }
    }
}
