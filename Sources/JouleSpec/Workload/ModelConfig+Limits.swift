extension ModelConfig {
    /// Sizes past these would make parameter counts or graph dimensions overflow exact integers;
    /// real models sit far below them.
    public enum Limits {
        /// The largest hidden size, FFN size, head dimension, vocabulary, context or class count.
        public static let width = 1 << 24
        /// The most layers, heads, experts or channels.
        public static let count = 65_536
        /// The most parameters a model may have (10^15).
        public static let parameters = 1e15
    }

    /// What breaks the limits, as sentences (empty when the model is within them).
    public var limitViolations: [String] {
        var problems: [String] = []
        let widths: [(String, Int)] = [
            ("hidden_size", hiddenSize), ("head_dim", headDim), ("ffn size", ffn.size), ("vocab_size", vocabSize),
            ("max_positions", maxPositions + positionOffset), ("classes", classifier?.classes ?? 0),
        ]
        for (name, value) in widths where value > Limits.width {
            problems.append("\(name) must be at most \(Limits.width), found \(value)")
        }
        var counts: [(String, Int)] = [
            ("layers", layers), ("heads", heads), ("kv_heads", kvHeads), ("token_types", tokenTypes),
        ]
        if let moe { counts += [("experts", moe.experts + moe.sharedExperts)] }
        if let vision { counts += [("channels", vision.channels), ("image_size", vision.imageSize)] }
        for (name, value) in counts where value > Limits.count {
            problems.append("\(name) must be at most \(Limits.count), found \(value)")
        }
        guard problems.isEmpty else { return problems }
        // Dominant terms of the parameter count, in floating point so the check cannot overflow.
        let h = Double(hiddenSize)
        let experts = Double((moe?.experts ?? 1) + (moe?.sharedExperts ?? 0))
        let perLayer = 4 * h * Double(max(queryWidth, kvWidth)) + experts * 3 * h * Double(ffn.size)
        let total = Double(layers) * perLayer + 2 * Double(vocabSize + maxPositions + positionOffset) * h
        if total > Limits.parameters {
            problems.append(
                "the model would have about \(QuantityFormat.number(total)) parameters, over \(QuantityFormat.number(Limits.parameters))"
            )
        }
        return problems
    }
}
