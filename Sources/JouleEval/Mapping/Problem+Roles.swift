import JouleSpec

/// The roles a problem's dimensions play, read from its operands, which is all the mapper
/// needs to place any einsum on an array.
///
/// A dimension that does not index the outputs is a *reduction*. A dataflow names which
/// operand stays in the PE, and that fixes what goes across the array: weight stationary
/// spreads the weights' dimensions (their reductions on the rows, their output dimensions on
/// the columns), output stationary the outputs' (those the weights do not index on the rows,
/// those they do on the columns), input stationary the inputs' (their reductions on the rows,
/// their output dimensions on the columns). A GEMM's K, N and M are those roles exactly
/// (weight stationary K x N, output stationary M x N, input stationary K x M); its G and H count
/// independent GEMMs, which SCALE-Sim's timing runs one after another, so they never go on the
/// array and their loop order is not searched.
extension Problem {
    /// The dimensions of the operands of one class, as a bit mask.
    func relevance(of operand: Operand) -> UInt32 {
        operands.filter { $0.operand == operand }.reduce(0) { $0 | $1.relevance }
    }

    /// G and H of the GEMM form (independent GEMMs), as a bit mask; none for other problems.
    var independentGEMMs: UInt32 { isGEMMFamily ? 0b11 : 0 }

    /// The dimensions of a mask that may go on an array, largest bound first (the later
    /// dimension first among equals).
    func arrayOrder(_ mask: UInt32) -> [Int] {
        bounds.indices.reversed().filter { mask & ~independentGEMMs & (1 << UInt32($0)) != 0 }
            .sorted { bounds[$0] > bounds[$1] }
    }

    /// The dimensions a dataflow spreads across an array's rows and columns, each list in the
    /// order an axis takes them (the first as far as it goes, the next over what is left).
    func arrayDimensions(_ dataflow: Dataflow) -> (rows: [Int], cols: [Int]) {
        let (w, i, o) = (relevance(of: .weights), relevance(of: .inputs), relevance(of: .outputs))
        switch dataflow {
        case .weightStationary: return (arrayOrder(w & ~o), arrayOrder(w & o & ~i))
        case .outputStationary: return (arrayOrder(o & ~w), arrayOrder(o & w & ~i))
        case .inputStationary: return (arrayOrder(i & ~o), arrayOrder(i & o & ~w))
        }
    }

    /// The reductions, which the MACs inside one PE split (a GEMM's K).
    var reductionDimensions: [Int] { arrayOrder(~relevance(of: .outputs)) }

    /// The dimensions whose place in a level's loop order the mapper searches, in problem
    /// order (a GEMM's M, N, K).
    var orderDimensions: [Int] { bounds.indices.filter { independentGEMMs & (1 << UInt32($0)) == 0 } }
}
