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
            guard model.family == .decoder else {
                throw GraphBuildError(
                    message:
                        "decode needs a decoder; \(model.name) is an \(model.family == .encoder ? "encoder" : "vision encoder"): use prefill"
                )
            }
            guard context >= 1 else { throw GraphBuildError(message: "context must be at least 1, found \(context)") }
            if context > model.maxPositions {
                warnings.append("context \(context) exceeds \(model.name)'s max_positions \(model.maxPositions)")
            }
            queryLength = 1
            keyLength = min(context, model.slidingWindow ?? context)
        }
        var emitter = Emitter(model: model, precision: precision, options: options)
        let isTraining: Bool
        if case .training = phase { isTraining = true } else { isTraining = false }
        let isDecode: Bool
        if case .decode = phase { isDecode = true } else { isDecode = false }
        let logitsAll = isTraining || options.logits == .all
        emitter.forward(
            batch: batch, queryLength: queryLength, keyLength: keyLength, decode: isDecode, training: isTraining,
            logitsPerSequence: logitsAll ? queryLength : 1)
        if isTraining { emitter.backwardAndOptimizer() }
        return Graph(
            model: model, phase: phase, precision: precision, options: options, operators: emitter.operators,
            tokens: batch * queryLength, keyLength: keyLength, warnings: warnings)
    }
}

/// Appends operators in execution order.
private struct Emitter {
    let model: ModelConfig
    let precision: PrecisionConfig
    let options: GraphOptions
    var operators: [Operator] = []

    init(model: ModelConfig, precision: PrecisionConfig, options: GraphOptions) {
        self.model = model
        self.precision = precision
        self.options = options
    }

    private var act: Precision { precision.activations }

    // MARK: Primitives

    mutating func gemm(
        _ name: String, layer: Int?, role: OperatorRole, pass: Pass = .forward, b: Int = 1, m: Int, n: Int, k: Int,
        density: Double = 1, second: SecondOperand = .weight, secondInstances: Int = 1,
        secondPrecision: Precision? = nil, inputElements: Double? = nil, secondElements: Double? = nil,
        outputElements: Double? = nil, inputOnChip: Bool = false, outputOnChip: Bool = false
    ) {
        let g = GEMM(
            b: b, m: m, n: n, k: k, density: density, second: second, secondInstances: secondInstances,
            inputPrecision: act, secondPrecision: secondPrecision ?? (second == .weight ? precision.weights : act),
            outputPrecision: act, inputElements: inputElements, secondElements: secondElements,
            outputElements: outputElements, inputOnChip: inputOnChip, outputOnChip: outputOnChip)
        operators.append(Operator(name: name, layer: layer, role: role, pass: pass, kind: .gemm(g)))
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
        batch: Int, queryLength: Int, keyLength: Int, decode: Bool, training: Bool, logitsPerSequence: Int
    ) {
        let h = model.hiddenSize
        let tokens = batch * queryLength
        let t = Double(tokens)
        let epilogue = options.fusedEpilogues
        embedding(batch: batch, tokens: tokens)
        for layer in 0..<model.layers {
            let p = "L\(layer)."
            elementwise(
                p + "attn_norm", layer: layer, role: .norm, elements: t * Double(h), ops: normOps, fused: epilogue)
            attention(
                layer: layer, batch: batch, queryLength: queryLength, keyLength: keyLength, decode: decode,
                training: training)
            if !model.parallelAttention {
                elementwise(
                    p + "attn_residual", layer: layer, role: .residual, elements: t * Double(h),
                    ops: GraphBuilder.VectorCost.add, inputs: 2, fused: epilogue)
                elementwise(
                    p + "ffn_norm", layer: layer, role: .norm, elements: t * Double(h), ops: normOps, fused: epilogue)
            }
            if let moe = model.moe {
                mixtureOfExperts(layer: layer, tokens: tokens, moe: moe)
            } else {
                feedForward(
                    prefix: p, layer: layer, tokens: tokens, copies: 1, gateRole: .ffnGate, upRole: .ffnUp,
                    downRole: .ffnDown)
            }
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

    private mutating func embedding(batch: Int, tokens: Int) {
        let h = Double(model.hiddenSize)
        let t = Double(tokens)
        if let vision = model.vision {
            gemm(
                "patch_embedding", layer: nil, role: .patchEmbedding, m: batch * vision.patches, n: model.hiddenSize,
                k: vision.channels * vision.patchSize * vision.patchSize)
            let positionRead =
                model.positionEmbedding == .learned ? Double(vision.tokens) * h * precision.weights.bytes : 0
            vector(
                "embedding", layer: nil, role: .embedding, elements: t * h, ops: GraphBuilder.VectorCost.add,
                read: Double(batch * vision.patches) * h * act.bytes + positionRead, written: t * h * act.bytes,
                fused: false)
        } else {
            // A lookup: one table row per token, plus position and token-type rows where learned.
            var tables = 1.0
            if model.positionEmbedding == .learned { tables += 1 }
            if model.tokenTypes > 0 { tables += 1 }
            vector(
                "embedding", layer: nil, role: .embedding, elements: t * h, ops: tables - 1,
                read: tables * t * h * precision.weights.bytes, written: t * h * act.bytes, fused: false)
        }
        if model.embeddingNorm {
            elementwise(
                "embedding_norm", layer: nil, role: .norm, elements: t * h, ops: normOps, fused: options.fusedEpilogues)
        }
    }

    /// Unmasked scores per sequence and head for causal (and sliding-window) attention.
    private func causalScores(_ length: Int) -> Double {
        let n = Double(length)
        guard let window = model.slidingWindow, window < length else { return n * (n + 1) / 2 }
        let w = Double(window)
        return w * (w + 1) / 2 + (n - w) * w
    }

    private mutating func attention(
        layer: Int, batch: Int, queryLength: Int, keyLength: Int, decode: Bool, training: Bool
    ) {
        let p = "L\(layer)."
        let h = model.hiddenSize
        let tokens = batch * queryLength
        let t = Double(tokens)
        let epilogue = options.fusedEpilogues
        gemm(p + "q_proj", layer: layer, role: .qProj, m: tokens, n: model.queryWidth, k: h)
        gemm(p + "k_proj", layer: layer, role: .kProj, m: tokens, n: model.kvWidth, k: h)
        gemm(p + "v_proj", layer: layer, role: .vProj, m: tokens, n: model.kvWidth, k: h)
        if model.positionEmbedding == .rotary {
            let rotated = t * Double(model.heads + model.kvHeads) * Double(model.headDim) * model.partialRotaryFactor
            elementwise(
                p + "rope", layer: layer, role: .rope, elements: rotated, ops: GraphBuilder.VectorCost.rope,
                fused: epilogue)
        }
        let cached = model.family == .decoder && !training
        if cached {
            let elements = t * 2 * Double(model.kvWidth)
            vector(
                p + "kv_append", layer: layer, role: .kvAppend, elements: elements, ops: 0,
                read: elements * act.bytes, written: elements * precision.kvCache.bytes, fused: epilogue)
        }
        let causal = model.family == .decoder && options.attention == .causal && !decode
        let perHeadScores = causal ? causalScores(queryLength) : Double(queryLength) * Double(keyLength)
        let density = perHeadScores / (Double(queryLength) * Double(keyLength))
        let pairs = batch * model.heads
        let scores = Double(pairs) * perHeadScores
        let kvElements = Double(batch * model.kvHeads) * Double(keyLength) * Double(model.headDim)
        let secondKind: SecondOperand = cached ? .kvCache : .activation
        let secondPrecision = cached ? precision.kvCache : act
        let fused = options.fusedAttention
        gemm(
            p + "attn_score", layer: layer, role: .attnScore, b: pairs, m: queryLength, n: keyLength, k: model.headDim,
            density: density, second: secondKind, secondInstances: batch * model.kvHeads,
            secondPrecision: secondPrecision,
            secondElements: kvElements, outputElements: scores, outputOnChip: fused)
        elementwise(
            p + "softmax", layer: layer, role: .softmax, elements: scores, ops: GraphBuilder.VectorCost.softmax,
            fused: fused)
        gemm(
            p + "attn_context", layer: layer, role: .attnContext, b: pairs, m: queryLength, n: model.headDim,
            k: keyLength,
            density: density, second: secondKind, secondInstances: batch * model.kvHeads,
            secondPrecision: secondPrecision,
            inputElements: scores, secondElements: kvElements, inputOnChip: fused)
        gemm(p + "o_proj", layer: layer, role: .oProj, m: tokens, n: h, k: model.queryWidth)
    }

    /// A dense FFN, `copies` experts wide (each with its own weights) over `tokens` tokens each.
    private mutating func feedForward(
        prefix: String, layer: Int, tokens: Int, copies: Int, gateRole: OperatorRole, upRole: OperatorRole,
        downRole: OperatorRole, suffix: String = ""
    ) {
        let h = model.hiddenSize
        let f = model.ffn.size
        let elements = Double(copies) * Double(tokens) * Double(f)
        let gated = model.ffn.kind == .swiglu
        if gated {
            gemm(
                prefix + gateRole.rawValue + suffix, layer: layer, role: gateRole, b: copies, m: tokens, n: f, k: h,
                secondInstances: copies)
        }
        gemm(
            prefix + upRole.rawValue + suffix, layer: layer, role: upRole, b: copies, m: tokens, n: f, k: h,
            secondInstances: copies)
        elementwise(
            prefix + "act" + suffix, layer: layer, role: .act, elements: elements,
            ops: gated ? GraphBuilder.VectorCost.gatedSiLU : GraphBuilder.VectorCost.gelu, inputs: gated ? 2 : 1,
            fused: options.fusedEpilogues)
        gemm(
            prefix + downRole.rawValue + suffix, layer: layer, role: downRole, b: copies, m: tokens, n: h, k: f,
            secondInstances: copies)
    }

    /// Router, then token-expert pairs spread evenly: `pairs mod active` experts take one more token.
    private mutating func mixtureOfExperts(layer: Int, tokens: Int, moe: ModelConfig.MoE) {
        let p = "L\(layer)."
        let h = model.hiddenSize
        gemm(p + "router", layer: layer, role: .router, m: tokens, n: moe.experts, k: h)
        elementwise(
            p + "router_topk", layer: layer, role: .router, elements: Double(tokens * moe.experts),
            ops: GraphBuilder.VectorCost.softmax, fused: options.fusedEpilogues)
        let pairs = tokens * moe.topK
        let active = min(moe.experts, pairs)
        let base = pairs / active
        let larger = pairs % active
        if active - larger > 0 {
            feedForward(
                prefix: p, layer: layer, tokens: base, copies: active - larger, gateRole: .expertGate,
                upRole: .expertUp, downRole: .expertDown)
        }
        if larger > 0 {
            feedForward(
                prefix: p, layer: layer, tokens: base + 1, copies: larger, gateRole: .expertGate, upRole: .expertUp,
                downRole: .expertDown, suffix: ".1")
        }
        if moe.sharedExperts > 0 {
            feedForward(
                prefix: p, layer: layer, tokens: tokens, copies: moe.sharedExperts, gateRole: .expertGate,
                upRole: .expertUp, downRole: .expertDown, suffix: ".shared")
        }
        elementwise(
            p + "expert_combine", layer: layer, role: .residual, elements: Double(pairs) * Double(h),
            ops: 2, fused: options.fusedEpilogues)
    }

    private mutating func head(batch: Int, logitsTokens: Int, training: Bool) {
        let h = model.hiddenSize
        if model.lmHead {
            gemm("lm_head", layer: nil, role: .lmHead, m: logitsTokens, n: model.vocabSize, k: h)
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
                        secondElements: g.secondElements, outputElements: g.inputElements)
                }
                let shared = g.second == .weight && g.secondInstances == 1
                gemm(
                    op.name + ".wgrad", layer: op.layer, role: op.role, pass: .backwardWeight, b: shared ? 1 : g.b,
                    m: g.k, n: g.n, k: shared ? g.b * g.m : g.m, density: g.density, second: .activation,
                    secondInstances: shared ? 1 : g.b, inputElements: g.inputElements, secondElements: g.outputElements,
                    outputElements: g.secondElements)
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
