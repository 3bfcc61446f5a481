/// A model's operators for one phase, precision and set of options, in execution order.
public struct Graph: Sendable {
    /// The model.
    public var model: ModelConfig
    /// The phase.
    public var phase: Phase
    /// The operand formats.
    public var precision: PrecisionConfig
    /// Masking, logits and fusion.
    public var options: GraphOptions
    /// The operators in execution order.
    public var operators: [Operator]

    /// Tokens the phase produces or processes per step: new tokens in decode, prompt tokens
    /// in prefill and training (per image patches count as tokens for a vision encoder).
    public var tokens: Int

    /// Attention span per query: the key/value length (the context in decode).
    public var keyLength: Int

    /// Things worth knowing that do not stop the build (a context past the model's maximum).
    public var warnings: [String]

    /// Total operations (2 per MAC plus vector operations).
    public var flops: Double { operators.reduce(0) { $0 + $1.flops } }

    /// Total multiply-accumulates.
    public var macs: Double { operators.reduce(0) { $0 + ($1.gemm?.macs ?? 0) } }

    /// Bytes of all parameters at the weight precision.
    public var weightBytes: Double { Double(model.parameters.total) * precision.weightBits / 8 }

    /// Bytes the KV cache holds at the end of the step (0 for encoders and training).
    ///
    /// Each layer holds its own span: the whole context, or the sliding window where that layer
    /// has one (Gemma 2 alternates). An encoder-decoder caches its decoder's self-attention.
    public var kvCacheBytes: Double {
        guard model.family == .decoder || model.family == .encoderDecoder else { return 0 }
        let length: Int
        let batch: Int
        switch phase {
        case .training: return 0
        case .prefill(let b, _): (batch, length) = (b, keyLength)
        case .decode(let b, let context): (batch, length) = (b, context)
        }
        let isDecode: Bool
        if case .decode = phase { isDecode = true } else { isDecode = false }
        let perLayer = Double(model.kvElementsPerLayer) * precision.kvCache.bytes
        if let decoder = model.decoderStack {
            // Self-attention over the tokens generated so far (1 after prefill, the context in
            // decode) and the cross-attention keys and values of the encoded source.
            let generated = isDecode ? length : 1
            let source = isDecode ? (options.sourceLength ?? length) : length
            return Double(batch) * Double(decoder.layers) * Double(generated + source) * perLayer
        }
        var tokens = 0.0
        for layer in 0..<model.cachedLayers {
            let span = isDecode ? min(length, model.window(layer: layer) ?? length) : length
            tokens += Double(span)
        }
        return Double(batch) * tokens * perLayer
    }

    /// KV-cache bytes per token: keys and values of every layer (2 x kv_heads x head_dim), or the
    /// latent and the shared RoPE key (d_c + d_h^R) under multi-head latent attention.
    public var kvBytesPerToken: Double {
        Double(model.cachedLayers) * Double(model.kvElementsPerLayer) * precision.kvCache.bytes
    }

    /// Bytes of activations moved to and from DRAM when nothing is fused or cached: every
    /// GEMM activation operand and vector-operator operand once (weights and KV cache excluded).
    public var activationBytes: Double {
        operators.reduce(0) { total, op in
            switch op.kind {
            case .gemm(let g):
                return total + g.inputBytes + g.outputBytes + (g.second == .activation ? g.secondBytes : 0)
            case .vector(let v):
                return total
                    + (op.role == .embedding || op.role == .kvAppend || op.role == .optimizer
                        ? 0 : v.bytesRead + v.bytesWritten)
            }
        }
    }

    /// Bytes a roofline moves to and from DRAM: every operator's compulsory traffic.
    public var compulsoryBytes: Double { operators.reduce(0) { $0 + $1.compulsoryBytes } }

    /// The distinct GEMMs with how often each occurs, in first-seen order (identical layers
    /// share one entry, so an evaluation maps each shape once).
    public var distinctGEMMs: [(gemm: GEMM, count: Int)] {
        var order: [GEMM] = []
        var counts: [GEMM: Int] = [:]
        for op in operators {
            guard let gemm = op.gemm else { continue }
            if counts[gemm] == nil { order.append(gemm) }
            counts[gemm, default: 0] += 1
        }
        return order.map { ($0, counts[$0] ?? 0) }
    }
}
