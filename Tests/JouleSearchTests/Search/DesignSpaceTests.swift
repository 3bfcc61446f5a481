import Foundation
import JouleSpec
import Testing

@testable import JouleSearch

struct DesignSpaceTests {
    static let axes = [
        Axis(keys: ["a"], marks: [nil], values: [["1"], ["2"]]),
        Axis(keys: ["b"], marks: [nil], values: [["x"], ["y"], ["z"]]),
    ]

    @Test func gridIsEveryCombinationLastAxisFastest() throws {
        let points = try DesignSpace.points(axes: Self.axes, strategy: .grid)
        #expect(points == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [1, 2]])
    }

    @Test func randomIsReproducibleAndDeduplicated() throws {
        let a = try DesignSpace.points(axes: Self.axes, strategy: .random(samples: 50, seed: 7))
        let b = try DesignSpace.points(axes: Self.axes, strategy: .random(samples: 50, seed: 7))
        #expect(a == b)
        #expect(Set(a).count == a.count)
        #expect(a.count <= 6)
    }

    /// The first Sobol points of 2 dimensions are (0.5, 0.5), (0.75, 0.25), (0.25, 0.75): on a
    /// 2 x 3 grid those are indices (1, 1), (1, 0), (0, 2).
    @Test func sobolMapsQuasiRandomPointsToIndices() throws {
        let points = try DesignSpace.points(axes: Self.axes, strategy: .sobol(samples: 3))
        #expect(points == [[1, 1], [1, 0], [0, 2]])
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
