import Foundation
import JouleSpec
import Numerics
import Testing

@testable import JouleSearch

struct DesignSpaceTests {
    static let axes = [
        Axis(keys: ["a"], marks: [nil], values: [["1"], ["2"]]),
        Axis(keys: ["b"], marks: [nil], values: [["x"], ["y"], ["z"]]),
    ]

    @Test func gridIsEveryCombinationLastAxisFastest() throws {
        let points = Array(try DesignSpace(axes: Self.axes, strategy: .grid))
        #expect(points == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
    }

    @Test func randomIsReproducibleAndDeduplicated() throws {
        let a = Array(try DesignSpace(axes: Self.axes, strategy: .random(samples: 50, seed: 7)))
        let b = Array(try DesignSpace(axes: Self.axes, strategy: .random(samples: 50, seed: 7)))
        #expect(a == b)
        #expect(Set(a).count == a.count)
        #expect(a.count <= 6)
    }

    /// The first Sobol points of 2 dimensions are (0.5, 0.5), (0.75, 0.25), (0.25, 0.75): on a
    /// 2 x 3 grid those are indices (1, 1), (1, 0), (0, 2).
    @Test func sobolMapsQuasiRandomPointsToIndices() throws {
        let points = Array(try DesignSpace(axes: Self.axes, strategy: .sobol(samples: 3)))
        #expect(points == [[1, 1], [1, 0], [0, 2]])
    }

    /// Streaming keeps the order of first appearance: the sampled points are the distinct draws
    /// of GSL's sequence in draw order, even when drawing stops early.
    @Test func randomPointsAreTheDistinctDrawsInOrder() throws {
        let draws = try RandomSequence.draws(count: 40, bounds: [2, 3], seed: 7)
        var expected: [[Int]] = []
        for draw in draws where !expected.contains(draw) { expected.append(draw) }
        #expect(Array(try DesignSpace(axes: Self.axes, strategy: .random(samples: 40, seed: 7))) == expected)
    }

    /// A billion samples of a 2 x 3 grid can give only its 6 points: drawing stops once all six
    /// are seen, instead of holding a billion draws (8 GB at one Int each).
    @Test func hugeSampleCountsOfASmallGridStopAtEveryPoint() throws {
        let space = try DesignSpace(axes: Self.axes, strategy: .random(samples: 1_000_000_000, seed: 1))
        #expect(space.count == 6)
        #expect(Set(space).count == 6)
        let sobol = try DesignSpace(axes: Self.axes, strategy: .sobol(samples: 1_000_000_000))
        #expect(sobol.count == 6)
    }

    /// Four axes of 1,000 values: 10^12 combinations, so a billion samples may give a billion
    /// distinct points, over the 10^7 limit: refused before drawing, with the count and memory.
    @Test func hugeSampleCountsOfAHugeSpaceAreRefusedBeforeAllocating() throws {
        let axis = Axis(keys: ["k"], marks: [nil], values: (0..<1000).map { [String($0)] })
        let axes = (0..<4).map { i in Axis(keys: ["k\(i)"], marks: [nil], values: axis.values) }
        do {
            _ = try DesignSpace(axes: axes, strategy: .random(samples: 1_000_000_000, seed: 1))
            Issue.record("expected a refusal")
        } catch {
            #expect(error.message.contains("1,000,000,000 samples may give 1,000,000,000 points"))
            #expect(error.message.contains("over the limit of 10,000,000"))
            // (128 + 2,600) bytes x 10^9 = 2.728 TB.
            #expect(error.message.contains("about 2.728 TB"))
        }
        // The grid of the same axes is refused too, without enumerating it.
        #expect(throws: SweepError.self) { try DesignSpace(axes: axes, strategy: .grid) }
    }

    /// A grid point's indices are its id in the mixed radix of the axis lengths: on a 2 x 3
    /// grid id 5 is (1, 2) and id 3 is (1, 0).
    @Test func gridIndicesAreComputedPerId() throws {
        let space = try DesignSpace(axes: Self.axes, strategy: .grid)
        #expect(space.count == 6)
        #expect(space[5] == [1, 2])
        #expect(space[3] == [1, 0])
    }

    struct RangeCase: CustomTestStringConvertible, Sendable {
        var yaml: String
        var values: [String]
        var testDescription: String { yaml }
    }

    /// Ranges by hand: 64 KiB doubling to 1 MiB; 1 to 10 in steps of 3; 0.5 V to 0.9 V in 0.2 V steps.
    @Test(arguments: [
        RangeCase(
            yaml: "{ key: k, range: { from: 64 KiB, to: 1 MiB, factor: 2 } }",
            values: ["64 KiB", "128 KiB", "256 KiB", "512 KiB", "1 MiB"]),
        RangeCase(yaml: "{ key: k, range: { from: 1, to: 10, step: 3 } }", values: ["1", "4", "7", "10"]),
        RangeCase(
            yaml: "{ key: k, range: { from: 0.5 V, to: 0.9 V, step: 0.2 V } }", values: ["500 mV", "700 mV", "900 mV"]),
    ])
    func rangesGenerateTheirValues(_ example: RangeCase) throws {
        let spec = try sweep("base: { hardware: toy-3level, model: gpt2 }\naxes:\n  - \(example.yaml)\n")
        #expect(spec.axes[0].values.map { $0[0] } == example.values)
    }
}

struct ParetoTests {
    static func row(_ id: Int, _ energy: Double, _ latency: Double, feasible: Bool = true) -> PointResult {
        PointResult(
            id: id, values: [], metrics: [.energy: energy, .latency: latency], feasible: feasible, violated: "",
            error: "")
    }

    /// (1, 5), (2, 2), (5, 1) trade off; (3, 3) is dominated by (2, 2); (0.5, 0.5) is infeasible.
    @Test func frontKeepsOnlyNonDominatedFeasiblePoints() {
        let rows = [
            Self.row(0, 1, 5), Self.row(1, 2, 2), Self.row(2, 3, 3), Self.row(3, 5, 1),
            Self.row(4, 0.5, 0.5, feasible: false),
        ]
        #expect(Pareto.front(rows, objectives: [.energy, .latency]).map(\.id) == [0, 1, 3])
    }

    @Test func throughputObjectivesPreferLarger() {
        let rows = [
            PointResult(
                id: 0, values: [], metrics: [.energy: 1, .tokensPerSecond: 10], feasible: true, violated: "", error: ""),
            PointResult(
                id: 1, values: [], metrics: [.energy: 1, .tokensPerSecond: 20], feasible: true, violated: "", error: ""),
        ]
        #expect(Pareto.front(rows, objectives: [.energy, .tokensPerSecond]).map(\.id) == [1])
    }

    /// The front equals the definition checked pair by pair, on seeded random clouds with ties
    /// (values on a coarse grid, so equal and partly equal points occur), in 2 and 3 objectives.
    @Test(arguments: [1, 2, 3, 4, 5])
    func frontEqualsTheDefinitionOnRandomClouds(seed: UInt64) {
        var state = seed
        func next() -> Double {  // a 64-bit LCG (Knuth's MMIX constants), values 0...7
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 61)
        }
        let objectives: [Metric] = seed % 2 == 0 ? [.energy, .latency] : [.energy, .latency, .area]
        let rows = (0..<300).map { id in
            PointResult(
                id: id, values: [], metrics: [.energy: next(), .latency: next(), .area: next()],
                feasible: next() > 0, violated: "", error: "")
        }
        let scored = rows.filter(\.feasible)
        func dominates(_ a: PointResult, _ b: PointResult) -> Bool {
            let pairs = objectives.map { (a.metrics[$0] ?? 0, b.metrics[$0] ?? 0) }
            return pairs.allSatisfy { $0.0 <= $0.1 } && pairs.contains { $0.0 < $0.1 }
        }
        let expected = scored.filter { p in !scored.contains { q in dominates(q, p) } }.map(\.id)
        #expect(Pareto.front(rows, objectives: objectives).map(\.id) == expected)
        #expect(!expected.isEmpty)
    }
}

struct ConstraintTests {
    @Test func boundsReadUnitsIntoSI() throws {
        let area = try Constraint(parsing: "area <= 100 mm^2")
        guard case .bound(.area, .atMost, let limit) = area.kind else {
            Issue.record("expected an area bound")
            return
        }
        #expect(abs(limit - 100e-6) < 1e-18)
        let latency = try Constraint(parsing: "latency < 50 ms")
        #expect(latency.kind == .bound(.latency, .below, 0.05))
        #expect(try Constraint(parsing: "fits_memory").kind == .fitsMemory)
        #expect(try Constraint(parsing: "tokens_per_joule >= 10").kind == .bound(.tokensPerJoule, .atLeast, 10))
    }

    @Test func errorsSayWhatIsWrong() {
        do {
            _ = try Constraint(parsing: "latncy <= 50 ms")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "unknown metric 'latncy' in a constraint")
            #expect(error.hint == "did you mean 'latency'?")
        }
        do {
            _ = try Constraint(parsing: "power <= 3 GB")
            Issue.record("expected an error")
        } catch {
            #expect(error.message == "expected a power, but '3 GB' is a size in bytes")
        }
    }
}
