/// Why a graph cannot be built for the asked phase.
public struct GraphBuildError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, as a sentence.
    public var message: String
    public var description: String { message }
}

/// Builds a model's operator graph for a phase.
///
/// Counting conventions (the README states them): GEMM operations are 2 per MAC; causal
/// attention computes only unmasked scores (a sliding window masks more); MoE layers spread
/// `tokens x top_k` token-expert pairs as evenly as possible over the experts; vector
/// operators are charged a fixed number of operations per element (RMSNorm 4, LayerNorm 7,
/// softmax 5, SiLU-gating 5, GELU 8, RoPE 3, residual add 1, AdamW 12); bias additions are
/// folded into their GEMM and not counted.
public struct GraphBuilder: Sendable {
    /// The model.
    public var model: ModelConfig
    /// Operand formats.
    public var precision: PrecisionConfig
    /// Masking, logits and fusion.
    public var options: GraphOptions

    /// A builder for a model at a precision.
    public init(model: ModelConfig, precision: PrecisionConfig = .standard, options: GraphOptions = GraphOptions()) {
        self.model = model
        self.precision = precision
        self.options = options
    }

    /// The largest batch a graph is built for (larger counts would overflow exact integer dimensions).
    public static let maximumBatch = 1_000_000
    /// The longest sequence or context, in tokens.
    public static let maximumLength = 16_777_216

    /// Operations per element charged to each kind of vector operator.
    public enum VectorCost {
        public static let rmsNorm = 4.0
        public static let layerNorm = 7.0
        public static let softmax = 5.0
        public static let gatedSiLU = 5.0
        public static let gelu = 8.0
        /// GELU (8) and the gating multiply (1).
        public static let gatedGELU = 9.0
        /// Soft-capping, cap x tanh(x / cap): a divide, a tanh and a multiply.
        public static let softcap = 3.0
        public static let rope = 3.0
        public static let add = 1.0
        public static let adamW = 12.0
    }

    /// Builds the graph of a phase.
    public func build(_ phase: Phase) throws(GraphBuildError) -> Graph {
        var warnings: [String] = []
        let batch = phase.batch
        guard batch >= 1 else { throw GraphBuildError(message: "batch must be at least 1, found \(batch)") }
        guard batch <= Self.maximumBatch else {
            throw GraphBuildError(message: "batch must be at most \(Self.maximumBatch), found \(batch)")
        }
        let length: Int
        switch phase {
        case .prefill(_, let sequence), .training(_, let sequence): length = sequence
        case .decode(_, let context): length = context
        }
        guard length <= Self.maximumLength else {
            throw GraphBuildError(
                message: "sequence and context must be at most \(Self.maximumLength) tokens, found \(length)")
        }
        let queryLength: Int
        let keyLength: Int
        switch phase {
        case .prefill(_, let sequence), .training(_, let sequence):
            guard sequence >= 1 else {
                throw GraphBuildError(message: "sequence must be at least 1, found \(sequence)")
            }
            queryLength = model.vision?.tokens ?? sequence
            keyLength = queryLength
            if model.vision != nil && sequence != queryLength {
                warnings.append("\(model.name) sees \(queryLength) tokens per image; the sequence length is ignored")
            } else if sequence > model.maxPositions {
                warnings.append("sequence \(sequence) exceeds \(model.name)'s max_positions \(model.maxPositions)")
            }
        case .decode(_, let context):
            guard model.family == .decoder || model.family == .encoderDecoder else {
                throw GraphBuildError(
                    message:
                        "decode needs a decoder; \(model.name) is an \(model.family == .encoder ? "encoder" : "vision encoder"): use prefill"
                )
            }
            guard context >= 1 else { throw GraphBuildError(message: "context must be at least 1, found \(context)") }
            if context > model.maxPositions {
                warnings.append("context \(context) exceeds \(model.name)'s max_positions \(model.maxPositions)")
            }
            guard options.decodeTokens >= 1 && options.decodeTokens <= Self.maximumLength else {
                throw GraphBuildError(
                    message:
                        "decode tokens per step must lie in 1...\(Self.maximumLength), found \(options.decodeTokens)")
            }
            queryLength = options.decodeTokens
            // The longest span any layer attends over: the window only if every layer slides.
            keyLength = (0..<model.layers).map { min(context, model.window(layer: $0) ?? context) }.max() ?? context
        }
        if let source = options.sourceLength {
            guard source >= 1 && source <= Self.maximumLength else {
                throw GraphBuildError(
                    message: "the source length must lie in 1...\(Self.maximumLength), found \(source)")
            }
            if model.decoderStack == nil || !isDecodePhase(phase) {
                warnings.append("a source length applies to an encoder-decoder's decode; it is ignored here")
            }
        }
        guard options.activationDensity > 0 && options.activationDensity <= 1 else {
            throw GraphBuildError(
                message: "the activation density must lie in (0, 1], found \(options.activationDensity)")
        }
        if options.activationDensity < 1, let activation = model.ffn.activation,
            !["relu", "relu2", "squared_relu", "relu6"].contains(activation.lowercased())
        {
            warnings.append(
                "\(model.name)'s FFN activation is \(activation), not ReLU-family: an activation density below 1 assumes outputs that are exactly zero"
            )
        }
        guard options.contextParallel >= 1 else {
            throw GraphBuildError(
                message: "context parallelism must be at least 1, found \(options.contextParallel)")
        }
        if isDecodePhase(phase) && options.contextParallel != 1 {
            warnings.append("context parallelism splits a prefill or training sequence; decode ignores it")
        }
        if !isDecodePhase(phase) && options.decodeTokens != 1 {
            warnings.append("decode tokens per step apply to decode; ignored here")
        }
        if let load = options.expertLoad {
            if let moe = model.moe {
                if let problem = load.problem(experts: moe.experts) { throw GraphBuildError(message: problem) }
            } else {
                warnings.append("\(model.name) has no experts; the expert load is ignored")
            }
        }
        var emitter = Emitter(model: model, precision: precision, options: options)
        let isTraining: Bool
        if case .training = phase { isTraining = true } else { isTraining = false }
        let isDecode: Bool
        if case .decode = phase { isDecode = true } else { isDecode = false }
        let logitsAll = isTraining || options.logits == .all
        var tokens = batch * queryLength
        if model.decoderStack != nil {
            // Encoder-decoder: prefill encodes the sequence and runs the decoder's first step;
            // decode is one decoder step over `context` generated tokens and the source (its
            // length from the options, else the context).
            let target = isTraining ? queryLength : 1
            let source = isDecode ? (options.sourceLength ?? length) : queryLength
            emitter.encoderDecoder(
                batch: batch, source: source, target: target, selfKeys: isDecode ? length : target, decode: isDecode,
                training: isTraining, logitsPerSequence: logitsAll ? target : 1)
            tokens = batch * target
        } else {
            emitter.forward(
                batch: batch, queryLength: queryLength, context: length, decode: isDecode, training: isTraining,
                logitsPerSequence: logitsAll ? queryLength : 1)
        }
        if isTraining { emitter.backwardAndOptimizer() }
        return Graph(
            model: model, phase: phase, precision: precision, options: options, operators: emitter.operators,
            tokens: tokens, keyLength: keyLength, warnings: warnings + emitter.warnings)
    }
}

/// Whether a phase is a decode step.
private func isDecodePhase(_ phase: Phase) -> Bool {
    if case .decode = phase { return true }
    return false
}

/// Appends operators in execution order.
private struct Emitter {
    let model: ModelConfig
    let precision: PrecisionConfig
    let options: GraphOptions
    var operators: [Operator] = []
    /// Things the build noticed (tokens dropped past an expert's capacity).
    var warnings: [String] = []

    init(model: ModelConfig, precision: PrecisionConfig, options: GraphOptions) {
        self.model = model
        self.precision = precision
        self.options = options
    }

    private var act: Precision { precision.activations }

    /// The roles whose weights N:M sparsity prunes: a layer's linear projections, as SparseGPT
    /// and NVIDIA's ASP recipe prune them (Frantar and Alistarh 2023, §5; Mishra et al. 2021,
    /// §3), leaving embeddings, the router and the LM head dense.
    static let sparsifiable: Set<OperatorRole> = [
        .qProj, .kProj, .vProj, .qDown, .qUp, .kvDown, .kUp, .vUp, .oProj, .ffnGate, .ffnUp, .ffnDown, .expertGate,
        .expertUp, .expertDown,
    ]

    // MARK: Primitives

    mutating func gemm(
        _ name: String, layer: Int?, role: OperatorRole, pass: Pass = .forward, b: Int = 1, m: Int, n: Int, k: Int,
        density: Double = 1, second: SecondOperand = .weight, secondInstances: Int = 1,
        secondPrecision: Precision? = nil, inputElements: Double? = nil, secondElements: Double? = nil,
        outputElements: Double? = nil, inputOnChip: Bool = false, outputOnChip: Bool = false, padded: Bool = false
    ) {
        var g = GEMM(
            b: b, m: m, n: n, k: k, density: density, second: second, secondInstances: secondInstances,
            inputPrecision: act, secondPrecision: secondPrecision ?? (second == .weight ? precision.weights : act),
            outputPrecision: act, inputElements: inputElements, secondElements: secondElements,
            outputElements: outputElements, inputOnChip: inputOnChip, outputOnChip: outputOnChip)
        g.padded = padded
        if g.second == .weight { g.secondGroups = precision.weightGroups }
        if g.second == .weight && pass == .forward && Self.sparsifiable.contains(role) {
            g.weightSparsity = options.weightSparsity
        }
        if precision.accumulators != PrecisionConfig.uniform(g.macPrecision).accumulators {
            g.accumulatorPrecision = precision.accumulators
        }
        operators.append(Operator(name: name, layer: layer, role: role, pass: pass, kind: .gemm(g)))
        // Dequantization on the vector unit, fused (no bytes of its own): see `Dequantization`.
        let converted = g.dequantizedElements
        if converted > 0 {
            vector(
                "\(name).dequant", layer: layer, role: .dequant, pass: pass, elements: converted,
                ops: g.dequantizeOps / converted, read: 0, written: 0, fused: true)
        }
    }

    mutating func vector(
        _ name: String, layer: Int?, role: OperatorRole, pass: Pass = .forward, elements: Double, ops: Double,
        read: Double, written: Double, fused: Bool
    ) {
        let op = VectorOp(elements: elements, opsPerElement: ops, bytesRead: read, bytesWritten: written, fused: fused)
        operators.append(Operator(name: name, layer: layer, role: role, pass: pass, kind: .vector(op)))
    }

    /// An elementwise operator over `elements` activations reading `inputs` tensors of that size.
    mutating func elementwise(
        _ name: String, layer: Int?, role: OperatorRole, elements: Double, ops: Double, inputs: Double = 1,
        fused: Bool
    ) {
        vector(
            name, layer: layer, role: role, elements: elements, ops: ops, read: inputs * elements * act.bytes,
            written: elements * act.bytes, fused: fused)
    }

    private var normOps: Double {
        model.norm.kind == .rmsnorm ? GraphBuilder.VectorCost.rmsNorm : GraphBuilder.VectorCost.layerNorm
    }

    // MARK: Forward

    mutating func forward(
        batch: Int, queryLength: Int, context: Int, decode: Bool, training: Bool, logitsPerSequence: Int
    ) {
        let h = model.hiddenSize
        let tokens = batch * queryLength
        let t = Double(tokens)
        let epilogue = options.fusedEpilogues
        embedding(batch: batch, tokens: tokens)
        let cached = model.family == .decoder && !training
        let causal = model.family == .decoder && options.attention == .causal && !decode
        for layer in 0..<model.layers {
            let p = "L\(layer)."
            let window = model.window(layer: layer)
            elementwise(
                p + "attn_norm", layer: layer, role: .norm, elements: t * Double(h), ops: normOps, fused: epilogue)
            // Under context parallelism the queries are this device's share of the sequence and
            // the keys every share's, passed around the ring.
            let span = Span(
                queries: queryLength,
                keys: decode ? min(context, window ?? context) : queryLength * options.contextParallel,
                causal: causal, window: window, chunks: decode ? 1 : options.contextParallel)
            if model.latentAttention != nil {
                latentAttention(prefix: p, layer: layer, batch: batch, span: span, decode: decode, cached: cached)
            } else {
                attention(prefix: p, layer: layer, batch: batch, span: span, cached: cached, projectedKV: tokens)
            }
            postNorm(p + "attn_post_norm", layer: layer, tokens: tokens)
            if !model.parallelAttention {
                elementwise(
                    p + "attn_residual", layer: layer, role: .residual, elements: t * Double(h),
                    ops: GraphBuilder.VectorCost.add, inputs: 2, fused: epilogue)
                elementwise(
                    p + "ffn_norm", layer: layer, role: .norm, elements: t * Double(h), ops: normOps, fused: epilogue)
            }
            if let moe = model.moe, model.isMoE(layer: layer) {
                mixtureOfExperts(layer: layer, tokens: tokens, moe: moe)
            } else {
                feedForward(
                    prefix: p, layer: layer, tokens: tokens, copies: 1, size: model.ffn.size, gateRole: .ffnGate,
                    upRole: .ffnUp, downRole: .ffnDown)
            }
            postNorm(p + "ffn_post_norm", layer: layer, tokens: tokens)
            if model.parallelAttention {
                // Attention and FFN outputs join the residual stream together: x + attn + ffn.
                elementwise(
                    p + "residual", layer: layer, role: .residual, elements: t * Double(h),
                    ops: 2 * GraphBuilder.VectorCost.add, inputs: 3, fused: epilogue)
            } else {
                elementwise(
                    p + "ffn_residual", layer: layer, role: .residual, elements: t * Double(h),
                    ops: GraphBuilder.VectorCost.add, inputs: 2, fused: epilogue)
            }
        }
        if model.finalNorm {
            elementwise("final_norm", layer: nil, role: .norm, elements: t * Double(h), ops: normOps, fused: epilogue)
        }
        head(batch: batch, logitsTokens: batch * logitsPerSequence, training: training)
    }

    /// A Gemma 2 post-norm (after attention or the FFN, before the residual add), when the model has them.
    private mutating func postNorm(_ name: String, layer: Int, tokens: Int) {
        guard model.postNorms else { return }
        elementwise(
            name, layer: layer, role: .norm, elements: Double(tokens) * Double(model.hiddenSize), ops: normOps,
            fused: options.fusedEpilogues)
    }

    /// An encoder-decoder (T5): the encoder over `source` tokens per sequence (skipped in decode,
    /// whose cross-attention reads the cached encoder keys and values), then the decoder over
    /// `target` tokens with causal self-attention over `selfKeys` keys, cross-attention over the
    /// `source` encoder outputs, and the FFN. Encoder layers are numbered 0..<layers (`enc.L3.`),
    /// decoder layers from `layers` on (`dec.L3.` is layer layers + 3).
    mutating func encoderDecoder(
        batch: Int, source: Int, target: Int, selfKeys: Int, decode: Bool, training: Bool, logitsPerSequence: Int
    ) {
        let h = Double(model.hiddenSize)
        let epilogue = options.fusedEpilogues
        let sourceTokens = batch * source
        let targetTokens = batch * target
        if !decode {
            embedding(batch: batch, tokens: sourceTokens)
            let s = Double(sourceTokens)
            for layer in 0..<model.layers {
                let p = "enc.L\(layer)."
                elementwise(p + "attn_norm", layer: layer, role: .norm, elements: s * h, ops: normOps, fused: epilogue)
                attention(
                    prefix: p, layer: layer, batch: batch,
                    span: Span(queries: source, keys: source, causal: false, window: nil), cached: false,
                    projectedKV: sourceTokens)
                elementwise(
                    p + "attn_residual", layer: layer, role: .residual, elements: s * h,
                    ops: GraphBuilder.VectorCost.add, inputs: 2, fused: epilogue)
                elementwise(p + "ffn_norm", layer: layer, role: .norm, elements: s * h, ops: normOps, fused: epilogue)
                feedForward(
                    prefix: p, layer: layer, tokens: sourceTokens, copies: 1, size: model.ffn.size, gateRole: .ffnGate,
                    upRole: .ffnUp, downRole: .ffnDown)
                elementwise(
                    p + "ffn_residual", layer: layer, role: .residual, elements: s * h,
                    ops: GraphBuilder.VectorCost.add, inputs: 2, fused: epilogue)
            }
            if model.finalNorm {
                elementwise("enc.final_norm", layer: nil, role: .norm, elements: s * h, ops: normOps, fused: epilogue)
            }
        }
        embedding(batch: batch, tokens: targetTokens, prefix: "dec.")
        let t = Double(targetTokens)
        let cached = !training
        for index in 0..<(model.decoderStack?.layers ?? 0) {
            let layer = model.layers + index
            let p = "dec.L\(index)."
            elementwise(p + "attn_norm", layer: layer, role: .norm, elements: t * h, ops: normOps, fused: epilogue)
            attention(
                prefix: p, layer: layer, batch: batch,
                span: Span(
                    queries: target, keys: selfKeys, causal: options.attention == .causal && !decode, window: nil),
                cached: cached, projectedKV: targetTokens)
            elementwise(
                p + "attn_residual", layer: layer, role: .residual, elements: t * h, ops: GraphBuilder.VectorCost.add,
                inputs: 2, fused: epilogue)
            elementwise(p + "cross_norm", layer: layer, role: .norm, elements: t * h, ops: normOps, fused: epilogue)
            // Keys and values of the encoder output are projected once per sequence and cached.
            attention(
                prefix: p + "cross_", layer: layer, batch: batch,
                span: Span(queries: target, keys: source, causal: false, window: nil), cached: cached,
                projectedKV: decode ? 0 : sourceTokens)
            elementwise(
                p + "cross_residual", layer: layer, role: .residual, elements: t * h, ops: GraphBuilder.VectorCost.add,
                inputs: 2, fused: epilogue)
            elementwise(p + "ffn_norm", layer: layer, role: .norm, elements: t * h, ops: normOps, fused: epilogue)
            feedForward(
                prefix: p, layer: layer, tokens: targetTokens, copies: 1, size: model.ffn.size, gateRole: .ffnGate,
                upRole: .ffnUp, downRole: .ffnDown)
            elementwise(
                p + "ffn_residual", layer: layer, role: .residual, elements: t * h, ops: GraphBuilder.VectorCost.add,
                inputs: 2, fused: epilogue)
        }
        if model.finalNorm {
            elementwise("dec.final_norm", layer: nil, role: .norm, elements: t * h, ops: normOps, fused: epilogue)
        }
        head(batch: batch, logitsTokens: batch * logitsPerSequence, training: training)
    }

    private mutating func embedding(batch: Int, tokens: Int, prefix: String = "") {
        let h = Double(model.hiddenSize)
        let t = Double(tokens)
        if let vision = model.vision {
            gemm(
                "patch_embedding", layer: nil, role: .patchEmbedding, m: batch * vision.patches, n: model.hiddenSize,
                k: vision.channels * vision.patchSize * vision.patchSize)
            let positionRead =
                model.positionEmbedding == .learned ? Double(vision.tokens) * h * precision.weightBits / 8 : 0
            vector(
                "embedding", layer: nil, role: .embedding, elements: t * h, ops: GraphBuilder.VectorCost.add,
                read: Double(batch * vision.patches) * h * act.bytes + positionRead, written: t * h * act.bytes,
                fused: false)
        } else {
            // A lookup: one table row per token, plus position and token-type rows where learned,
            // each row read with its group scales like every other weight (`PrecisionConfig.weightBits`).
            var tables = 1.0
            if model.positionEmbedding == .learned { tables += 1 }
            if model.tokenTypes > 0 { tables += 1 }
            vector(
                prefix + "embedding", layer: nil, role: .embedding, elements: t * h, ops: tables - 1,
                read: tables * t * h * precision.weightBits / 8, written: t * h * act.bytes, fused: false)
        }
        if model.embeddingNorm {
            elementwise(
                "embedding_norm", layer: nil, role: .norm, elements: t * h, ops: normOps, fused: options.fusedEpilogues)
        }
    }

    /// Who attends to whom in one attention block.
    struct Span {
        /// Query tokens per sequence.
        var queries: Int
        /// Keys each query may see (the context in decode, at most the layer's window).
        var keys: Int
        /// Only unmasked scores are computed (prefill and training of a decoder).
        var causal: Bool
        /// The layer's sliding window, if any.
        var window: Int?
        /// Devices the sequence is split over (context parallelism): the queries are one
        /// device's share, the keys the whole sequence.
        var chunks: Int = 1

        /// Unmasked scores per sequence and head for causal (and sliding-window) attention: the
        /// whole sequence's, over the devices sharing it. Load-balanced chunking (Megatron-LM's
        /// context parallelism: 2N chunks, device i taking chunks i and 2N − 1 − i) gives every
        /// device exactly 1/N of a causal mask's scores; a sliding window's share is taken as
        /// even too.
        var causalScores: Double {
            let n = Double(keys)
            let share = 1 / Double(chunks)
            guard let window, window < keys else { return n * (n + 1) / 2 * share }
            let w = Double(window)
            return (w * (w + 1) / 2 + (n - w) * w) * share
        }

        /// Scores per sequence and head.
        var scores: Double { causal ? causalScores : Double(queries) * Double(keys) }

        /// The fraction of the queries x keys matrix computed.
        var density: Double { scores / (Double(queries) * Double(keys)) }
    }

    /// Multi-head, grouped-query or multi-query attention; `projectedKV` tokens get key and value
    /// projections this step (the encoder's tokens for cross-attention, none when they are cached).
    private mutating func attention(
        prefix p: String, layer: Int, batch: Int, span: Span, cached: Bool, projectedKV: Int
    ) {
        let h = model.hiddenSize
        let tokens = batch * span.queries
        let t = Double(tokens)
        let epilogue = options.fusedEpilogues
        gemm(p + "q_proj", layer: layer, role: .qProj, m: tokens, n: model.queryWidth, k: h)
        if projectedKV > 0 {
            gemm(p + "k_proj", layer: layer, role: .kProj, m: projectedKV, n: model.kvWidth, k: h)
            gemm(p + "v_proj", layer: layer, role: .vProj, m: projectedKV, n: model.kvWidth, k: h)
        }
        if model.positionEmbedding == .rotary {
            let rotated = t * Double(model.heads + model.kvHeads) * Double(model.headDim) * model.partialRotaryFactor
            elementwise(
                p + "rope", layer: layer, role: .rope, elements: rotated, ops: GraphBuilder.VectorCost.rope,
                fused: epilogue)
        }
        if cached && projectedKV > 0 {
            let elements = Double(projectedKV) * 2 * Double(model.kvWidth)
            vector(
                p + "kv_append", layer: layer, role: .kvAppend, elements: elements, ops: 0,
                read: elements * act.bytes, written: elements * precision.kvCache.bytes, fused: epilogue)
        }
        let pairs = batch * model.heads
        let scores = Double(pairs) * span.scores
        let kvElements = Double(batch * model.kvHeads) * Double(span.keys) * Double(model.headDim)
        let secondKind: SecondOperand = cached ? .kvCache : .activation
        let secondPrecision = cached ? precision.kvCache : act
        let fused = options.fusedAttention
        gemm(
            p + "attn_score", layer: layer, role: .attnScore, b: pairs, m: span.queries, n: span.keys,
            k: model.headDim, density: span.density, second: secondKind, secondInstances: batch * model.kvHeads,
            secondPrecision: secondPrecision, secondElements: kvElements, outputElements: scores, outputOnChip: fused)
        softcapAndSoftmax(prefix: p, layer: layer, scores: scores)
        gemm(
            p + "attn_context", layer: layer, role: .attnContext, b: pairs, m: span.queries, n: model.headDim,
            k: span.keys, density: span.density, second: secondKind, secondInstances: batch * model.kvHeads,
            secondPrecision: secondPrecision, inputElements: scores, secondElements: kvElements, inputOnChip: fused)
        gemm(p + "o_proj", layer: layer, role: .oProj, m: tokens, n: h, k: model.queryWidth)
    }

    /// T5's relative position bias (one add per score), Gemma 2's score soft-capping (where the
    /// model has them), then the softmax.
    private mutating func softcapAndSoftmax(prefix p: String, layer: Int, scores: Double) {
        if model.positionEmbedding == .relative {
            elementwise(
                p + "position_bias", layer: layer, role: .positionBias, elements: scores,
                ops: GraphBuilder.VectorCost.add, fused: options.fusedAttention)
        }
        if model.attentionSoftcap != nil {
            elementwise(
                p + "attn_softcap", layer: layer, role: .softcap, elements: scores,
                ops: GraphBuilder.VectorCost.softcap, fused: options.fusedAttention)
        }
        elementwise(
            p + "softmax", layer: layer, role: .softmax, elements: scores, ops: GraphBuilder.VectorCost.softmax,
            fused: options.fusedAttention)
    }

    /// Multi-head latent attention (DeepSeek-V2, section 2.1). Queries: q_proj, or q_down to d_c',
    /// its norm and q_up. Keys and values: kv_down to the latent c_KV (d_c) and the shared RoPE key
    /// (d_h^R), the latent's norm, RoPE on the rotary parts, and the latent plus the RoPE key
    /// appended to the cache. Prefill and training up-project the latent to per-head keys (k_up)
    /// and values (v_up) and attend as MHA over d_h + d_h^R. Decode attends over the latent itself
    /// (section 2.1.2: W^UK absorbed into the query, W^UV into the output): one latent of
    /// d_c + d_h^R per cached token serves every head, as in multi-query attention.
    private mutating func latentAttention(
        prefix p: String, layer: Int, batch: Int, span: Span, decode: Bool, cached: Bool
    ) {
        guard let mla = model.latentAttention else { return }
        let h = model.hiddenSize
        let heads = model.heads
        let tokens = batch * span.queries
        let t = Double(tokens)
        let epilogue = options.fusedEpilogues
        if let rank = mla.queryRank {
            gemm(p + "q_down", layer: layer, role: .qDown, m: tokens, n: rank, k: h)
            elementwise(
                p + "q_norm", layer: layer, role: .norm, elements: t * Double(rank), ops: normOps, fused: epilogue)
            gemm(p + "q_up", layer: layer, role: .qUp, m: tokens, n: heads * mla.queryHeadDim, k: rank)
        } else {
            gemm(p + "q_proj", layer: layer, role: .qProj, m: tokens, n: heads * mla.queryHeadDim, k: h)
        }
        gemm(p + "kv_down", layer: layer, role: .kvDown, m: tokens, n: mla.cachedWidth, k: h)
        elementwise(
            p + "kv_norm", layer: layer, role: .norm, elements: t * Double(mla.kvRank), ops: normOps, fused: epilogue)
        // RoPE on each query head's d_h^R part and on the one shared key.
        elementwise(
            p + "rope", layer: layer, role: .rope, elements: t * Double(heads + 1) * Double(mla.ropeHeadDim),
            ops: GraphBuilder.VectorCost.rope, fused: epilogue)
        if cached {
            let elements = t * Double(mla.cachedWidth)
            vector(
                p + "kv_append", layer: layer, role: .kvAppend, elements: elements, ops: 0,
                read: elements * act.bytes, written: elements * precision.kvCache.bytes, fused: epilogue)
        }
        let pairs = batch * heads
        let scores = Double(pairs) * span.scores
        let fused = options.fusedAttention
        if decode {
            // q_nope (d_h per head) times W^UK: each head's query in latent space (d_c).
            gemm(
                p + "k_up_absorbed", layer: layer, role: .kUp, b: heads, m: tokens, n: mla.kvRank,
                k: mla.nopeHeadDim, secondInstances: heads)
            let latent = Double(batch) * Double(span.keys)
            let secondKind: SecondOperand = cached ? .kvCache : .activation
            let secondPrecision = cached ? precision.kvCache : act
            gemm(
                p + "attn_score", layer: layer, role: .attnScore, b: pairs, m: span.queries, n: span.keys,
                k: mla.cachedWidth, density: span.density, second: secondKind, secondInstances: batch,
                secondPrecision: secondPrecision, secondElements: latent * Double(mla.cachedWidth),
                outputElements: scores, outputOnChip: fused)
            softcapAndSoftmax(prefix: p, layer: layer, scores: scores)
            gemm(
                p + "attn_context", layer: layer, role: .attnContext, b: pairs, m: span.queries, n: mla.kvRank,
                k: span.keys, density: span.density, second: secondKind, secondInstances: batch,
                secondPrecision: secondPrecision, inputElements: scores, secondElements: latent * Double(mla.kvRank),
                inputOnChip: fused)
            // The latent context times W^UV: each head's value (d_v).
            gemm(
                p + "v_up_absorbed", layer: layer, role: .vUp, b: heads, m: tokens, n: mla.valueHeadDim,
                k: mla.kvRank, secondInstances: heads)
        } else {
            gemm(p + "k_up", layer: layer, role: .kUp, m: tokens, n: heads * mla.nopeHeadDim, k: mla.kvRank)
            gemm(p + "v_up", layer: layer, role: .vUp, m: tokens, n: heads * mla.valueHeadDim, k: mla.kvRank)
            let keys = Double(pairs) * Double(span.keys)
            gemm(
                p + "attn_score", layer: layer, role: .attnScore, b: pairs, m: span.queries, n: span.keys,
                k: mla.queryHeadDim, density: span.density, second: .activation, secondInstances: pairs,
                secondElements: keys * Double(mla.queryHeadDim), outputElements: scores, outputOnChip: fused)
            softcapAndSoftmax(prefix: p, layer: layer, scores: scores)
            gemm(
                p + "attn_context", layer: layer, role: .attnContext, b: pairs, m: span.queries, n: mla.valueHeadDim,
                k: span.keys, density: span.density, second: .activation, secondInstances: pairs,
                inputElements: scores, secondElements: keys * Double(mla.valueHeadDim), inputOnChip: fused)
        }
        gemm(p + "o_proj", layer: layer, role: .oProj, m: tokens, n: h, k: heads * mla.valueHeadDim)
    }

    /// A dense FFN of intermediate size `size`, `copies` experts wide (each with its own weights)
    /// over `tokens` tokens each. A `routed` count below copies x tokens marks a batch padded to
    /// `tokens` rows per expert of which only `routed` rows carry tokens (uneven expert load).
    private mutating func feedForward(
        prefix: String, layer: Int, tokens: Int, copies: Int, size f: Int, gateRole: OperatorRole,
        upRole: OperatorRole, downRole: OperatorRole, suffix: String = "", routed: Int? = nil
    ) {
        let h = model.hiddenSize
        let rows = Double(routed ?? copies * tokens)
        let padded = routed != nil
        let density = rows / (Double(copies) * Double(tokens))
        let elements = rows * Double(f)
        let gated = model.ffn.kind != .geluMLP
        let activationOps: Double
        switch model.ffn.kind {
        case .geluMLP: activationOps = GraphBuilder.VectorCost.gelu
        case .swiglu: activationOps = GraphBuilder.VectorCost.gatedSiLU
        case .geglu: activationOps = GraphBuilder.VectorCost.gatedGELU
        }
        let inputs = padded ? rows * Double(h) : nil
        let outputs = padded ? rows * Double(f) : nil
        // A fused FFN keeps the intermediate on chip: no DRAM trip between up and down.
        let fused = options.fusedFFN
        if gated {
            gemm(
                prefix + gateRole.rawValue + suffix, layer: layer, role: gateRole, b: copies, m: tokens, n: f, k: h,
                density: density, secondInstances: copies, inputElements: inputs, outputElements: outputs,
                outputOnChip: fused, padded: padded)
        }
        gemm(
            prefix + upRole.rawValue + suffix, layer: layer, role: upRole, b: copies, m: tokens, n: f, k: h,
            density: density, secondInstances: copies, inputElements: inputs, outputElements: outputs,
            outputOnChip: fused, padded: padded)
        elementwise(
            prefix + "act" + suffix, layer: layer, role: .act, elements: elements, ops: activationOps,
            inputs: gated ? 2 : 1, fused: options.fusedEpilogues || fused)
        gemm(
            prefix + downRole.rawValue + suffix, layer: layer, role: downRole, b: copies, m: tokens, n: h, k: f,
            density: density * options.activationDensity, secondInstances: copies, inputElements: outputs,
            outputElements: inputs, inputOnChip: fused, padded: padded)
    }

    /// Router, then the routed experts, the shared experts and the combine.
    ///
    /// Uniform load: token-expert pairs spread evenly, `pairs mod active` experts take one more
    /// (`*.1` operators). Any other load: one batch over the experts that receive tokens, padded
    /// to the busiest expert's rows (or to every expert's capacity), so its time follows the
    /// busiest expert and its energy the rows routed.
    private mutating func mixtureOfExperts(layer: Int, tokens: Int, moe: ModelConfig.MoE) {
        let p = "L\(layer)."
        let h = model.hiddenSize
        let load = options.expertLoad ?? moe.load
        gemm(p + "router", layer: layer, role: .router, m: tokens, n: moe.routerWidth, k: h)
        elementwise(
            p + "router_topk", layer: layer, role: .router, elements: Double(tokens * moe.routerWidth),
            ops: GraphBuilder.VectorCost.softmax, fused: options.fusedEpilogues)
        let pairs = tokens * moe.topK
        let size = model.moe?.expertSize ?? model.ffn.size
        var routedPairs = pairs
        if load.isUniform {
            let active = min(moe.experts, pairs)
            let base = pairs / active
            let larger = pairs % active
            if active - larger > 0 {
                feedForward(
                    prefix: p, layer: layer, tokens: base, copies: active - larger, size: size, gateRole: .expertGate,
                    upRole: .expertUp, downRole: .expertDown)
            }
            if larger > 0 {
                feedForward(
                    prefix: p, layer: layer, tokens: base + 1, copies: larger, size: size, gateRole: .expertGate,
                    upRole: .expertUp, downRole: .expertDown, suffix: ".1")
            }
        } else {
            let perExpert = load.pairsPerExpert(pairs: pairs, experts: moe.experts)
            let capacity = load.capacity(pairs: pairs, experts: moe.experts)
            let kept = perExpert.map { min($0, capacity ?? $0) }
            routedPairs = kept.reduce(0, +)
            let dropped = pairs - routedPairs
            if dropped > 0 {
                warnings.append(
                    "layer \(layer): \(dropped) of \(pairs) token-expert pairs exceed the expert capacity of \(capacity ?? 0) and are dropped"
                )
            }
            // A capacity buffer runs for every expert; without one, only experts that receive tokens run.
            let busy = capacity != nil ? moe.experts : perExpert.filter { $0 > 0 }.count
            let rows = capacity ?? (perExpert.max() ?? 0)
            if busy > 0 && rows > 0 && routedPairs > 0 {
                feedForward(
                    prefix: p, layer: layer, tokens: rows, copies: busy, size: size, gateRole: .expertGate,
                    upRole: .expertUp, downRole: .expertDown, routed: routedPairs)
            }
        }
        if moe.sharedExperts > 0 {
            feedForward(
                prefix: p, layer: layer, tokens: tokens, copies: moe.sharedExperts, size: moe.sharedExpertSize ?? size,
                gateRole: .expertGate, upRole: .expertUp, downRole: .expertDown, suffix: ".shared")
            if moe.sharedExpertGate {
                // Qwen2-MoE: sigmoid(x W_g), W_g of hidden x 1, scales the shared experts' output.
                gemm(p + "shared_gate", layer: layer, role: .router, m: tokens, n: 1, k: h)
                elementwise(
                    p + "shared_gate_scale", layer: layer, role: .act, elements: Double(tokens) * Double(h), ops: 1,
                    inputs: 1, fused: options.fusedEpilogues)
            }
        }
        elementwise(
            p + "expert_combine", layer: layer, role: .residual, elements: Double(routedPairs) * Double(h),
            ops: 2, fused: options.fusedEpilogues)
    }

    private mutating func head(batch: Int, logitsTokens: Int, training: Bool) {
        let h = model.hiddenSize
        if model.lmHead {
            gemm("lm_head", layer: nil, role: .lmHead, m: logitsTokens, n: model.vocabSize, k: h)
            if model.finalLogitSoftcap != nil {
                elementwise(
                    "logit_softcap", layer: nil, role: .softcap,
                    elements: Double(logitsTokens) * Double(model.vocabSize),
                    ops: GraphBuilder.VectorCost.softcap, fused: options.fusedEpilogues)
            }
            if training {
                elementwise(
                    "loss", layer: nil, role: .loss, elements: Double(logitsTokens) * Double(model.vocabSize),
                    ops: GraphBuilder.VectorCost.softmax, fused: false)
            }
        }
        if model.pooler {
            gemm("pooler", layer: nil, role: .pooler, m: batch, n: h, k: h)
            elementwise(
                "pooler_act", layer: nil, role: .act, elements: Double(batch * h), ops: GraphBuilder.VectorCost.gelu,
                fused: options.fusedEpilogues)
        }
        if let classifier = model.classifier {
            gemm("classifier", layer: nil, role: .classifier, m: batch, n: classifier.classes, k: h)
        }
    }

    // MARK: Training

    /// For every forward operator in reverse: the GEMM's two gradients (input and second
    /// operand), or the vector operator's backward (twice the operations, reading the input
    /// and the incoming gradient); then one AdamW step over every parameter.
    mutating func backwardAndOptimizer() {
        let forward = operators
        for op in forward.reversed() {
            switch op.kind {
            case .gemm(let g):
                if op.role != .patchEmbedding {
                    gemm(
                        op.name + ".dgrad", layer: op.layer, role: op.role, pass: .backwardData, b: g.b, m: g.m, n: g.k,
                        k: g.n,
                        density: g.density, second: g.second, secondInstances: g.secondInstances,
                        secondPrecision: g.secondPrecision, inputElements: g.outputElements,
                        secondElements: g.secondElements, outputElements: g.inputElements, padded: g.padded)
                }
                let shared = g.second == .weight && g.secondInstances == 1
                gemm(
                    op.name + ".wgrad", layer: op.layer, role: op.role, pass: .backwardWeight, b: shared ? 1 : g.b,
                    m: g.k, n: g.n, k: shared ? g.b * g.m : g.m, density: g.density, second: .activation,
                    secondInstances: shared ? 1 : g.b, inputElements: g.inputElements, secondElements: g.outputElements,
                    outputElements: g.secondElements, padded: g.padded)
            case .vector(let v):
                vector(
                    op.name + ".backward", layer: op.layer, role: op.role, pass: .backwardData, elements: v.elements,
                    ops: 2 * v.opsPerElement, read: 2 * v.bytesRead, written: v.bytesRead, fused: v.fused)
            }
        }
        let parameters = Double(model.parameters.total)
        let state = 2 * precision.optimizerState.bytes
        vector(
            "adamw", layer: nil, role: .optimizer, pass: .optimizer, elements: parameters,
            ops: GraphBuilder.VectorCost.adamW,
            read: parameters * (precision.weights.bytes + act.bytes + state),
            written: parameters * (precision.weights.bytes + state), fused: false)
    }
}
