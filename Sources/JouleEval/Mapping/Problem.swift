import JouleSpec

/// One term of an operand index: `stride x dimension` (an index may sum several, as a
/// convolution's `p + r` does).
public struct IndexTerm: Sendable, Hashable {
    /// The dimension's position in `Problem.dimensions`.
    public var dimension: Int
    /// Its coefficient.
    public var stride: Int

    /// A term `stride x dimension`.
    public init(_ dimension: Int, stride: Int = 1) {
        self.dimension = dimension
        self.stride = stride
    }
}

/// One operand of an einsum: which operand class it is (for a level's `holds`), how it is
/// indexed, and its word size.
public struct ProblemOperand: Sendable, Hashable {
    /// Weights (or the second activation), inputs, or outputs.
    public var operand: Operand
    /// One expression per tensor axis, each a sum of terms.
    public var indices: [[IndexTerm]]
    /// Bits per element moved, block scales and group scales included (4.25 for MXFP4).
    public var wordBits: Double
    /// Bit `d` set when dimension `d` appears in an index.
    public let relevance: UInt32
    /// Whether every index is one dimension with stride 1 and no dimension repeats (a GEMM's
    /// operands): a tile's footprint is then the product of its relevant extents, and
    /// consecutive tiles never overlap (no sliding window), so counting can skip both sums.
    public let isProjection: Bool

    /// An operand from its index expressions.
    public init(_ operand: Operand, indices: [[IndexTerm]], wordBits: Double) {
        self.operand = operand
        self.indices = indices
        self.wordBits = wordBits
        relevance = indices.joined().reduce(0) { $0 | (1 << UInt32($1.dimension)) }
        isProjection =
            indices.allSatisfy { $0.count == 1 && $0[0].stride == 1 } && relevance.nonzeroBitCount == indices.count
    }

    /// Whether dimension `d` indexes this operand.
    @inline(__always) public func isRelevant(_ d: Int) -> Bool { relevance & (1 << UInt32(d)) != 0 }

    /// Elements index `axis` spans over a tile with the given extent per dimension: one more
    /// than the sum of each term's stride times its extent less one, so `p + r` over P = 16 and
    /// R = 3 spans 18 elements (a sliding window), not 48, and `2p + r` over the same spans 33.
    /// Every tile size in the model (the reuse analysis's, the mapper's capacity checks and its
    /// tiling walk) is a product of these spans.
    @inline(__always) public func span(_ axis: Int, _ extents: UnsafeBufferPointer<Int>) -> Int {
        var span = 1
        for term in indices[axis] { span += term.stride * (extents[term.dimension] - 1) }
        return span
    }

    /// Elements touched by a tile with the given extent per dimension: the product of every
    /// index's `span`, which for a projection is the product of its relevant extents.
    @inline(__always) public func footprint(_ extents: UnsafeBufferPointer<Int>) -> Double {
        var size = 1.0
        if isProjection {
            var mask = relevance
            while mask != 0 {
                size *= Double(extents[mask.trailingZeroBitCount])
                mask &= mask - 1
            }
            return size
        }
        for axis in indices.indices { size *= Double(span(axis, extents)) }
        return size
    }

    /// Bytes of a tile with the given extent per dimension: its `footprint` in words.
    @inline(__always) public func tileBytes(_ extents: UnsafeBufferPointer<Int>) -> Double {
        footprint(extents) * Double(wordBits) / 8
    }
}

extension GEMM {
    /// Bits per element moved of each operand, in `Problem.gemm`'s operand order: the second
    /// operand (its group scales included), the input (its selected share under N:M sparsity)
    /// and the output.
    public var operandBits: [Double] { [secondBits, inputBits, outputPrecision.storageBits] }

    /// Bits of one partial sum: the accumulator's format, or the usual one for the MAC format
    /// (fp32 for floating point, int32 for integers) when none is given.
    public var accumulatorBits: Double {
        (accumulatorPrecision ?? PrecisionConfig.uniform(macPrecision).accumulators).storageBits
    }
}

/// A GEMM-family operator as an einsum: named dimensions with bounds, two operands read and
/// one output updated (Timeloop's problem shape).
public struct Problem: Sendable, Hashable {
    /// Dimension names, e.g. `["G", "H", "M", "N", "K"]` or `["K", "R", "P"]`.
    public var dimensions: [String]
    /// Each dimension's bound.
    public var bounds: [Int]
    /// Weights (second operand), inputs, outputs: in that order.
    public var operands: [ProblemOperand]
    /// Fraction of the iteration space computed (causal attention skips masked scores).
    public var density: Double
    /// Bits per element of each operand, in operand order.
    public let wordBits: [Double]
    /// Bits of an unfinished output (a partial sum): the accumulator's width. Levels that hold
    /// partial sums store and move the output at this width (`ReuseAnalysis.holdsPartialSums`).
    public let accumulatorBits: Double

    /// A problem from its parts; `accumulatorBits` defaults to the output's word size (partial
    /// sums as wide as finished outputs, as in Timeloop problems).
    public init(
        dimensions: [String], bounds: [Int], operands: [ProblemOperand], density: Double = 1,
        accumulatorBits: Double? = nil
    ) {
        self.dimensions = dimensions
        self.bounds = bounds
        self.operands = operands
        self.density = density
        wordBits = operands.map(\.wordBits)
        self.accumulatorBits = accumulatorBits ?? operands.first { $0.operand == .outputs }?.wordBits ?? 0
    }

    /// Multiply-accumulates the problem performs.
    public var macs: Double { bounds.reduce(1.0) { $0 * Double($1) } * density }

    /// Whether this is a (batched) GEMM in `Problem.gemm`'s G, H, M, N, K form.
    public var isGEMMFamily: Bool { dimensions.count == 5 && dimensions[0] == "G" && dimensions[4] == "K" }

    /// The position of a dimension by name.
    public func dimension(named name: String) -> Int? { dimensions.firstIndex(of: name) }

    /// A (batched) GEMM: `outputs[g, h, m, n] += inputs[g, h, m, k] * weights[g, k, n]`, where
    /// `g` runs over distinct second operands and `h` over batch entries that share one (the
    /// heads of a GQA group, or 1).
    public static func gemm(_ gemm: GEMM) -> Problem {
        let groups = max(1, gemm.secondInstances)
        let shared = max(1, gemm.b / groups)
        let (g, h, m, n, k) = (0, 1, 2, 3, 4)
        let bits = gemm.operandBits
        return Problem(
            dimensions: ["G", "H", "M", "N", "K"], bounds: [groups, shared, gemm.m, gemm.n, gemm.k],
            operands: [
                ProblemOperand(
                    .weights, indices: [[IndexTerm(g)], [IndexTerm(k)], [IndexTerm(n)]], wordBits: bits[0]),
                ProblemOperand(
                    .inputs, indices: [[IndexTerm(g)], [IndexTerm(h)], [IndexTerm(m)], [IndexTerm(k)]],
                    wordBits: bits[1]),
                ProblemOperand(
                    .outputs, indices: [[IndexTerm(g)], [IndexTerm(h)], [IndexTerm(m)], [IndexTerm(n)]],
                    wordBits: bits[2]),
            ],
            density: gemm.density, accumulatorBits: gemm.accumulatorBits)
    }

    /// A plain GEMM of M x K times K x N at one word size.
    public static func gemm(m: Int, n: Int, k: Int, wordBits: Double = 8) -> Problem {
        let (dm, dn, dk) = (0, 1, 2)
        return Problem(
            dimensions: ["M", "N", "K"], bounds: [m, n, k],
            operands: [
                ProblemOperand(.weights, indices: [[IndexTerm(dk)], [IndexTerm(dn)]], wordBits: wordBits),
                ProblemOperand(.inputs, indices: [[IndexTerm(dm)], [IndexTerm(dk)]], wordBits: wordBits),
                ProblemOperand(.outputs, indices: [[IndexTerm(dm)], [IndexTerm(dn)]], wordBits: wordBits),
            ])
    }

    /// A 1-D convolution `outputs[k, p] += weights[k, r] * inputs[p * stride + r]` (K = 1 for
    /// Timeloop's single-channel exercise).
    public static func conv1D(k: Int, r: Int, p: Int, stride: Int = 1, wordBits: Double = 8) -> Problem {
        let (dk, dr, dp) = (0, 1, 2)
        return Problem(
            dimensions: ["K", "R", "P"], bounds: [k, r, p],
            operands: [
                ProblemOperand(.weights, indices: [[IndexTerm(dk)], [IndexTerm(dr)]], wordBits: wordBits),
                ProblemOperand(.inputs, indices: [[IndexTerm(dp, stride: stride), IndexTerm(dr)]], wordBits: wordBits),
                ProblemOperand(.outputs, indices: [[IndexTerm(dk)], [IndexTerm(dp)]], wordBits: wordBits),
            ])
    }

    /// A 2-D convolution `outputs[n, k, p, q] += weights[k, c, r, s] * inputs[n, c, p*stride + r, q*stride + s]`
    /// (a vision patch embedding is one with stride = R = S = patch).
    public static func conv2D(
        n: Int, k: Int, c: Int, p: Int, q: Int, r: Int, s: Int, stride: Int = 1, wordBits: Double = 8
    ) -> Problem {
        let (dn, dk, dc, dp, dq, dr, ds) = (0, 1, 2, 3, 4, 5, 6)
        return Problem(
            dimensions: ["N", "K", "C", "P", "Q", "R", "S"], bounds: [n, k, c, p, q, r, s],
            operands: [
                ProblemOperand(
                    .weights, indices: [[IndexTerm(dk)], [IndexTerm(dc)], [IndexTerm(dr)], [IndexTerm(ds)]],
                    wordBits: wordBits),
                ProblemOperand(
                    .inputs,
                    indices: [
                        [IndexTerm(dn)], [IndexTerm(dc)], [IndexTerm(dp, stride: stride), IndexTerm(dr)],
                        [IndexTerm(dq, stride: stride), IndexTerm(ds)],
                    ],
                    wordBits: wordBits),
                ProblemOperand(
                    .outputs, indices: [[IndexTerm(dn)], [IndexTerm(dk)], [IndexTerm(dp)], [IndexTerm(dq)]],
                    wordBits: wordBits),
            ])
    }
}
