import JouleSpec
import Testing

@testable import JouleEval

/// The loop orders the mapper tries beyond the innermost loop (`LoopOrders`).
struct LoopOrdersTests {
    /// How many orders a level tries, by what loops there. The counts were enumerated apart
    /// from Joule (every permutation of the looping dimensions, each operand's signature, the
    /// orders no other beats for every operand): a GEMM level over M, N and K keeps 3 of 6; a
    /// convolution level over all seven of N, K, C, P, Q, R, S keeps 12 of 5,040, over K, C, P,
    /// Q 6 of 24, over K, P, Q 4 of 6, over C, P, Q 3 of 6.
    @Test func eachLevelTriesTheOrdersNoOtherBeats() {
        func count(_ problem: Problem, looping: [Int]) -> Int {
            let orders = LoopOrders(problem: problem, constraints: .none, levels: 2)
            let dims = problem.bounds.count
            var bounds = [Int](repeating: 1, count: 2 * dims)
            for d in looping { bounds[d] = 2 }
            return bounds.withUnsafeBufferPointer { orders.choices(level: 0, bounds: $0, dims: dims).count }
        }
        #expect(count(Problem.gemm(m: 8, n: 8, k: 8), looping: [0, 1, 2]) == 3)
        let conv = Problem.conv2D(n: 2, k: 4, c: 4, p: 4, q: 4, r: 3, s: 3)
        #expect(count(conv, looping: [0, 1, 2, 3, 4, 5, 6]) == 12)
        #expect(count(conv, looping: [1, 2, 3, 4]) == 6)
        #expect(count(conv, looping: [1, 3, 4]) == 4)
        #expect(count(conv, looping: [2, 3, 4]) == 3)
    }

    /// A GEMM level keeps the orders it always had: M, N or K innermost, the rest in order.
    @Test func aGEMMLevelRunsOneDimensionInnermost() {
        let problem = Problem.gemm(m: 8, n: 8, k: 8)
        let orders = LoopOrders(problem: problem, constraints: .none, levels: 2)
        let choices = [2, 2, 2, 1, 1, 1].withUnsafeBufferPointer { orders.choices(level: 0, bounds: $0, dims: 3) }
        #expect(choices == [[0], [1], [2]].map(LoopOrders.code))
        var loops: [Int] = []
        [2, 3, 4].withUnsafeBufferPointer { bounds in
            LoopOrders.loops(bounds, level: 0, dims: 3, order: LoopOrders.code([1])) { loops.append($0.dimension) }
        }
        #expect(loops == [0, 2, 1])
    }

    /// A 3 x 3 convolution through a 16 B buffer loops over R and S at DRAM, between the
    /// output rows and channels: keeping the weights' tile over P and Q and the outputs' over
    /// C, R and S at once takes two loops placed innermost, which no order that chooses only
    /// the innermost loop reaches. The search matches a brute force over every tiling and
    /// every permutation of every level's loops, and beats the best of the orders that fix
    /// only DRAM's innermost loop by over 10 %.
    @Test func aConvolutionNeedsMoreThanItsInnermostLoop() throws {
        let hardware = try BufferHierarchy.accelerator(
            size: "16 B", macEnergy: 0.3, dram: (20, 20), buffer: (0.1, 0.1))
        let problem = Problem.conv2D(n: 1, k: 2, c: 3, p: 4, q: 4, r: 3, s: 3)
        let result = try Mapper(hardware: hardware).best(problem: problem, macPrecision: .int8)
        let score = try ExhaustiveMapperTests.score(
            result.mapping, problem: problem, hardware: hardware, objective: .energy)
        let brute = try ExhaustiveMapperTests.bruteForce(problem: problem, hardware: hardware, objective: .energy)
        #expect(abs(score - brute.score) <= 1e-9 * brute.score, "\(score) against \(brute.score)")
        var innermostOnly = Double.infinity
        for d in problem.bounds.indices {
            var level = MapspaceConstraints.Level()
            level.permutation = [d]
            let constrained = try Mapper(hardware: hardware, constraints: MapspaceConstraints(levels: [0: level]))
                .best(problem: problem, macPrecision: .int8)
            innermostOnly = min(innermostOnly, constrained.cost.energy.total)
        }
        #expect(
            result.cost.energy.total < 0.9 * innermostOnly, "\(result.cost.energy.total) J against \(innermostOnly) J")
    }
}
