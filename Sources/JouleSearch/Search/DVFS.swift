import JouleEval
import JouleSpec

/// A workload at one operating point.
public struct DVFSPoint: Sendable {
    /// Index into the operating points analysed.
    public var index: Int
    /// The point.
    public var point: OperatingPoint
    /// Latency.
    public var seconds: Double
    /// Energy, static included.
    public var energy: Double
    /// Average power.
    public var averagePower: Double { seconds > 0 ? energy / seconds : 0 }
    /// What bounds most of the time.
    public var bound: Bound

    /// Zeus's cost, `eta x energy + (1 - eta) x maxPower x time` (eta = 1: energy only, 0: time only).
    public func cost(eta: Double, maxPower: Double) -> Double { eta * energy + (1 - eta) * maxPower * seconds }
}

/// The energy-time curve of a workload over an accelerator's operating points, and the point
/// each rule picks.
public struct DVFSAnalysis: Sendable {
    /// One entry per operating point, in the hardware's order (nominal first).
    public var points: [DVFSPoint]
    /// The most operating points one analysis evaluates (each is a whole graph evaluation, so
    /// a larger count is a typo, not a finer curve).
    public static let maximumPoints = 1_000
    /// The power Zeus's cost charges per second: the highest power limit the device accepts
    /// (`power_limits.max`), else its TDP.
    public var maxPower: Double

    /// The lowest-energy point.
    public var minimumEnergy: DVFSPoint? { points.min { $0.energy < $1.energy } }
    /// The fastest point.
    public var minimumTime: DVFSPoint? { points.min { $0.seconds < $1.seconds } }
    /// The lowest-cost point for an `eta`.
    public func minimumCost(eta: Double) -> DVFSPoint? {
        points.min { $0.cost(eta: eta, maxPower: maxPower) < $1.cost(eta: eta, maxPower: maxPower) }
    }
    /// The lowest-energy point no more than `maxSlowdown` times slower than the fastest.
    public func lowestEnergy(maxSlowdown: Double) -> DVFSPoint? {
        guard let fastest = minimumTime?.seconds else { return nil }
        return points.filter { $0.seconds <= maxSlowdown * fastest * (1 + 1e-12) }.min { $0.energy < $1.energy }
    }
    /// The fastest point whose average power stays within a limit, as a power cap picks it.
    public func fastest(powerLimit: Double) -> DVFSPoint? {
        points.filter { $0.averagePower <= powerLimit }.min { $0.seconds < $1.seconds }
    }

    /// Evaluates a graph at every operating point of `hardware` (or at `points` when given).
    public static func analyze(
        graph: Graph, hardware: Accelerator, points: [OperatingPoint]? = nil, mode: RooflineMode = .mapped,
        objective: Objective = .energy, cache: MapperCache = MapperCache()
    ) throws(Evaluator.EvaluationError) -> DVFSAnalysis {
        var hw = hardware
        if let points { hw.operatingPoints = points }
        var result: [DVFSPoint] = []
        for index in hw.operatingPoints.indices {
            let evaluator = try Evaluator(
                hardware: hw, mode: mode, objective: objective, operatingPoint: index, cache: cache)
            let evaluation = try evaluator.evaluate(graph)
            result.append(
                DVFSPoint(
                    index: index, point: hw.operatingPoints[index], seconds: evaluation.seconds,
                    energy: evaluation.energy.total, bound: evaluation.bound))
        }
        return DVFSAnalysis(
            points: result, maxPower: hardware.powerLimits?.maximum.si ?? hardware.tdp.value.si)
    }
}
