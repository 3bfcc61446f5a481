/// What an operator does in the model, for grouping and reporting.
public enum OperatorRole: String, Sendable, Hashable, CaseIterable, Comparable {
    case embedding
    case patchEmbedding = "patch_embedding"
    case norm
    case qProj = "q_proj"
    case kProj = "k_proj"
    case vProj = "v_proj"
    /// Multi-head latent attention: the query down-projection (to d_c') and up-projection.
    case qDown = "q_down"
    case qUp = "q_up"
    /// Multi-head latent attention: the joint KV down-projection to the latent and the RoPE key.
    case kvDown = "kv_down"
    /// Multi-head latent attention: the latent's up-projections to per-head keys and values
    /// (absorbed into the query and the output in decode).
    case kUp = "k_up"
    case vUp = "v_up"
    case rope
    case kvAppend = "kv_append"
    case attnScore = "attn_score"
    /// T5's relative position bias added to every score.
    case positionBias = "position_bias"
    /// tanh soft-capping of scores or logits (Gemma 2).
    case softcap
    case softmax
    case attnContext = "attn_context"
    case oProj = "o_proj"
    case residual
    case ffnGate = "ffn_gate"
    case ffnUp = "ffn_up"
    case act
    case ffnDown = "ffn_down"
    case router
    case expertGate = "expert_gate"
    case expertUp = "expert_up"
    case expertDown = "expert_down"
    case lmHead = "lm_head"
    case loss
    case pooler
    case classifier
    case optimizer
    /// Converting a GEMM operand to its MAC format on the vector unit (weight-only int4, nf4, MX).
    case dequant

    public static func < (lhs: OperatorRole, rhs: OperatorRole) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}

/// Which pass of training an operator belongs to (inference graphs are all `forward`).
public enum Pass: String, Sendable, Hashable, CaseIterable {
    case forward
    /// The gradient with respect to an operator's input (dX = dY · Wᵀ).
    case backwardData = "backward_data"
    /// The gradient with respect to the second operand (dW = Xᵀ · dY).
    case backwardWeight = "backward_weight"
    /// The optimizer step.
    case optimizer
}

/// What a GEMM's second operand is.
public enum SecondOperand: String, Sendable, Hashable {
    /// A static weight matrix.
    case weight
    /// Another activation (attention in training and encoders, backward GEMMs).
    case activation
    /// The KV cache.
    case kvCache = "kv_cache"
}

/// A GEMM-family operator: `output[b, m, n] += input[b, m, k] * second[b, k, n]`.
///
/// `density` is the fraction of the (m, n, k) iteration space actually computed: below 1 for
/// causal or sliding-window attention, whose masked scores are skipped. A GEMM value holds
/// nothing about where in the model it sits, so equal values (identical layers) are evaluated once.
public struct GEMM: Sendable, Hashable {
    public var b: Int
    public var m: Int
    public var n: Int
    public var k: Int
    /// Fraction of the iteration space computed (1 for dense GEMMs).
    public var density: Double
    /// What the second operand is.
    public var second: SecondOperand
    /// Distinct second-operand matrices across `b` (1 for a weight shared by the batch;
    /// batch x kv_heads for a GQA KV cache; experts for a batched MoE GEMM).
    public var secondInstances: Int
    /// Formats of the input, second operand and output.
    public var inputPrecision: Precision
    public var secondPrecision: Precision
    public var outputPrecision: Precision
    /// Elements of each operand a roofline moves once: masked elements excluded.
    public var inputElements: Double
    public var secondElements: Double
    public var outputElements: Double
    /// Operands kept on chip by fusion (no DRAM round trip of their own).
    public var inputOnChip: Bool
    public var outputOnChip: Bool
    /// Whether the part of the iteration space left out by `density` still occupies the array:
    /// true for a MoE batch padded to its busiest expert or to its capacity (energy counts the
    /// rows routed, time the padded rows); false for masked attention, whose skipped scores
    /// take no time in an ideal roofline.
    public var padded: Bool = false
    /// Group-wise quantization of the second operand (quantized weights), whose scales and
    /// zero-points are moved with it; nil for none.
    public var secondGroups: GroupQuantization? = nil
    /// The accumulator's format, or nil for the usual one (fp32 / int32), which MAC energies assume.
    public var accumulatorPrecision: Precision? = nil
    /// N:M structured sparsity asked of the weight (`GraphOptions.weightSparsity`), not yet
    /// applied: what it changes depends on the hardware (`resolvingSparsity(on:)`).
    public var weightSparsity: SparsityPattern? = nil
    /// Metadata bits stored with each second-operand element (a sparse weight's index), 0 for none.
    public var secondMetadataBits: Double = 0
    /// Fraction of the second operand's elements stored and moved: N/M for an N:M weight moved
    /// compressed and expanded in front of dense MACs, 1 otherwise.
    public var secondStoredFraction: Double = 1
    /// Input elements read per step of the reduction: M/N on an N:M sparse MAC array, whose
    /// reduction runs over the kept weights only but reads every input to pick the ones they
    /// meet; 1 otherwise.
    public var inputSelection: Double = 1

    /// A GEMM with every field given.
    public init(
        b: Int, m: Int, n: Int, k: Int, density: Double = 1, second: SecondOperand = .weight, secondInstances: Int = 1,
        inputPrecision: Precision, secondPrecision: Precision, outputPrecision: Precision, inputElements: Double? = nil,
        secondElements: Double? = nil, outputElements: Double? = nil, inputOnChip: Bool = false,
        outputOnChip: Bool = false
    ) {
        self.b = b
        self.m = m
        self.n = n
        self.k = k
        self.density = density
        self.second = second
        self.secondInstances = secondInstances
        self.inputPrecision = inputPrecision
        self.secondPrecision = secondPrecision
        self.outputPrecision = outputPrecision
        self.inputElements = inputElements ?? Double(b) * Double(m) * Double(k)
        self.secondElements = secondElements ?? Double(secondInstances) * Double(k) * Double(n)
        self.outputElements = outputElements ?? Double(b) * Double(m) * Double(n)
        self.inputOnChip = inputOnChip
        self.outputOnChip = outputOnChip
    }

    /// Multiply-accumulates performed.
    public var macs: Double { Double(b) * Double(m) * Double(n) * Double(k) * density }
    /// Multiply-accumulates the array is busy for: `macs`, or every padded one when `padded`.
    public var busyMACs: Double { padded ? Double(b) * Double(m) * Double(n) * Double(k) : macs }
    /// Floating-point (or integer) operations: 2 per MAC.
    public var flops: Double { 2 * macs }
    /// The MAC format for the two operand formats.
    public var macPrecision: Precision { PrecisionConfig.macPrecision(inputPrecision, secondPrecision) }
    /// Bytes of each operand moved once.
    public var inputBytes: Double { inputElements * inputPrecision.bytes }
    public var secondBytes: Double { secondElements * secondBits / 8 }
    /// Bits moved per second-operand element: its storage bits plus group scales and
    /// zero-points and sparse metadata, times the fraction stored.
    public var secondBits: Double {
        (secondPrecision.storageBits + (secondGroups?.overheadBits ?? 0) + secondMetadataBits) * secondStoredFraction
    }
    /// Bits read per input element of the reduction: its storage bits times `inputSelection`.
    public var inputBits: Double { inputPrecision.storageBits * inputSelection }
    /// Vector operations per GEMM to bring both operands to the MAC format (`Dequantization`):
    /// per stored element, so an N:M sparse weight converts its kept values only.
    public var dequantizeOps: Double {
        let mac = macPrecision
        return inputElements * Dequantization.opsPerElement(inputPrecision, mac: mac)
            + secondElements * secondStoredFraction
            * Dequantization.opsPerElement(secondPrecision, groups: secondGroups, mac: mac)
    }
    /// Elements converted to the MAC format: each operand's stored elements when its format is
    /// not the MAC's (`Dequantization`), 0 when neither is converted.
    public var dequantizedElements: Double {
        let mac = macPrecision
        return (Dequantization.opsPerElement(inputPrecision, mac: mac) > 0 ? inputElements : 0)
            + (Dequantization.opsPerElement(secondPrecision, groups: secondGroups, mac: mac) > 0
                ? secondElements * secondStoredFraction : 0)
    }
    /// The factor on MAC energy for the accumulator's width (`AccumulatorCost`); 1 for the usual one.
    public var accumulatorEnergyFactor: Double {
        accumulatorPrecision.map { AccumulatorCost.macEnergyFactor(mac: macPrecision, accumulator: $0) } ?? 1
    }
    public var outputBytes: Double { outputElements * outputPrecision.bytes }
}

/// An elementwise or reduction operator on the vector unit.
public struct VectorOp: Sendable, Hashable {
    /// Elements processed.
    public var elements: Double
    /// Operations per element (e.g. about 5 for a softmax: max, subtract, exp, sum, divide).
    public var opsPerElement: Double
    /// Bytes read from memory.
    public var bytesRead: Double
    /// Bytes written to memory.
    public var bytesWritten: Double
    /// Folded into the producing GEMM's epilogue or a fused attention kernel: its operands
    /// never leave the chip, so only its operations count.
    public var fused: Bool

    /// A vector operator from its counts.
    public init(elements: Double, opsPerElement: Double, bytesRead: Double, bytesWritten: Double, fused: Bool = false) {
        self.elements = elements
        self.opsPerElement = opsPerElement
        self.bytesRead = bytesRead
        self.bytesWritten = bytesWritten
        self.fused = fused
    }

    /// Total operations.
    public var ops: Double { elements * opsPerElement }
}

/// One operator of a graph: a GEMM or a vector operator, with where it sits in the model.
public struct Operator: Sendable, Hashable {
    /// GEMM-family or vector.
    public enum Kind: Sendable, Hashable {
        case gemm(GEMM)
        case vector(VectorOp)
    }

    /// A unique name, e.g. `L3.q_proj` or `L3.q_proj.dgrad`.
    public var name: String
    /// The transformer layer, or nil for embedding and head operators.
    public var layer: Int?
    /// What it does.
    public var role: OperatorRole
    /// Forward, backward or optimizer.
    public var pass: Pass
    /// The computation.
    public var kind: Kind

    /// An operator (graphs are built by `GraphBuilder`; a system evaluation adds the operators
    /// a parallel plan brings, such as combining partial attention outputs).
    public init(name: String, layer: Int?, role: OperatorRole, pass: Pass, kind: Kind) {
        self.name = name
        self.layer = layer
        self.role = role
        self.pass = pass
        self.kind = kind
    }

    /// The GEMM, if this is one.
    public var gemm: GEMM? {
        if case .gemm(let gemm) = kind { return gemm }
        return nil
    }

    /// The vector operator, if this is one.
    public var vector: VectorOp? {
        if case .vector(let op) = kind { return op }
        return nil
    }

    /// Operations: 2 per MAC for a GEMM, ops for a vector operator.
    public var flops: Double {
        switch kind {
        case .gemm(let gemm): return gemm.flops
        case .vector(let op): return op.ops
        }
    }

    /// Bytes a roofline moves to and from DRAM: each operand once, nothing for what fusion keeps on chip.
    public var compulsoryBytes: Double {
        switch kind {
        case .gemm(let g):
            return (g.inputOnChip ? 0 : g.inputBytes) + g.secondBytes + (g.outputOnChip ? 0 : g.outputBytes)
        case .vector(let op):
            return op.fused ? 0 : op.bytesRead + op.bytesWritten
        }
    }
}
