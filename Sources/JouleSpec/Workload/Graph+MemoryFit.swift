extension Graph {
    /// Weights and KV cache, against the device's off-chip memory: a sentence when they do not
    /// fit (nil when they do, or when the hardware has no off-chip level). Training's gradients,
    /// optimizer state and saved activations would need more; they are not counted here.
    public func memoryFitWarning(on hardware: Accelerator) -> String? {
        let dram = hardware.memory.filter(\.isOffChip)
        guard !dram.isEmpty else { return nil }
        let capacity = dram.reduce(0.0) { $0 + $1.size.si * Double($1.instances) }
        let weightBytes = weightBytes(on: hardware)
        let needed = weightBytes + kvCacheBytes
        guard needed > capacity else { return nil }
        let parts =
            kvCacheBytes > 0
            ? "weights \(Bytes(si: weightBytes)) + KV cache \(Bytes(si: kvCacheBytes)) = \(Bytes(si: needed))"
            : "weights \(Bytes(si: weightBytes))"
        let names = dram.map(\.name).joined(separator: " + ")
        return
            "\(parts) do not fit in \(hardware.name)'s \(names) (\(Bytes(si: capacity))); the figures assume they do (spread the model over more devices, or use a smaller precision)"
    }

    /// Bytes the weights take on `hardware`: `weightBytes`, less what N:M weight sparsity saves
    /// where the hardware keeps the weights compressed (it lists the pattern in
    /// `compute.sparsity`, or decompresses): the attention and FFN parameters (the layers'
    /// sparse projections; their biases and MLA's low-rank norms, a small part, counted with
    /// them) at (bits + index bits) x N/M instead of bits.
    public func weightBytes(on hardware: Accelerator) -> Double {
        guard let pattern = options.weightSparsity,
            hardware.compute.sparsity.contains(pattern) || hardware.compute.sparseDecompress
        else { return weightBytes }
        let sparse = Double(model.parameters.attention) + Double(model.parameters.ffn)
        let bits = precision.weightBits
        return weightBytes - sparse * (bits - (bits + Double(pattern.indexBits)) * pattern.density) / 8
    }
}
