import JouleSpec
import Testing

@testable import JouleEval

/// The branch and bound's lower bound against hand-derived values. (That it never exceeds a
/// mapping's score is checked on the brute-force corpus, `ExhaustiveMapperTests`.)
struct MappingLowerBoundTests {
    /// DRAM (20 pJ/bit either way) and one buffer of `bytes` (1 pJ/bit either way) over a
    /// single int8 MAC; no static power, so the energy objective is the dynamic energy.
    static func buffer(bytes: String) throws -> Accelerator {
        try BufferHierarchy.accelerator(size: bytes, macEnergy: 0.5, dram: (20, 20), buffer: (1, 1))
    }

    /// The bound of a 64 x 64 x 64 int8 GEMM with only level 0's tile (the whole problem) known.
    static func pairBound(_ hardware: Accelerator) throws -> Double {
        let problem = Problem.gemm(m: 64, n: 64, k: 64)
        let point = OperatingPoint(frequency: hardware.clock, voltage: hardware.nominalVoltage.value)
        let table = try CostTable(hardware: hardware, precision: .int8, at: point)
        let bound = MappingLowerBound(
            problem: problem, spatial: [([], []), ([], [])], holds: [[true, true], [true, true], [true, true]],
            dataflow: .outputStationary, table: table, objective: .energy,
            orders: LoopOrders(problem: problem, constraints: .none, levels: 2),
            capacities: hardware.memory.map(\.size.si))
        return problem.bounds.withUnsafeBufferPointer { bound.score($0, known: 1) }
    }

    /// A 64 B buffer holds at most 31 steps along any one dimension (2e + 1 <= 64 with the
    /// other two at one), so DRAM's loops take at least 3 steps over each of M, N and K, and
    /// leave 3 real tiles (22, 22, 20). Whichever of them DRAM runs innermost, the two
    /// operands that depend on it are fetched once per tile of the dimension they do not
    /// depend on. The cheapest is K innermost: the weights and the inputs each move twice more
    /// (DRAM reads and buffer fills, 21 pJ/bit); M or N innermost would send the outputs'
    /// partial sums out and back twice more (DRAM update, DRAM read and buffer refill,
    /// 41 pJ/bit) besides one operand. So the bound is 2 x 2 x 4096 words x 8 bits x 21 pJ
    /// above that of a buffer that holds everything, where each tensor moves once.
    @Test func aSmallBufferForcesRefetchesIntoTheBound() throws {
        let small = try Self.pairBound(Self.buffer(bytes: "64 B"))
        let large = try Self.pairBound(Self.buffer(bytes: "1 MiB"))
        let expected = 2.0 * 2 * 4096 * 8 * 21 * 1e-12
        #expect(abs((small - large) - expected) <= 1e-9 * expected, "\(small - large) J against \(expected) J")
    }
}
