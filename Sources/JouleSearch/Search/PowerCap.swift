import JouleEval
import JouleSpec

/// A power cap as a GPU driver enforces it: the clock is lowered along the voltage-frequency
/// curve until the predicted average power fits under the limit. With an explicit table of
/// operating points the driver picks the fastest listed point that fits; otherwise the clock
/// steps down by `resolution` from the nominal clock to the lowest supported one (`clock_range`,
/// else 50% of the clock), each clock at the lowest voltage the alpha-power law allows, and
/// settles at the fastest step that fits.
public enum PowerCap {
    /// Where the clock settled under a cap.
    public struct Settled: Sendable {
        /// The limit asked for, in watts.
        public var limit: Double
        /// The operating point the clock settled at.
        public var point: OperatingPoint
        /// Latency at that point.
        public var seconds: Double
        /// Energy at that point, static included.
        public var energy: Double
        /// Average power at that point.
        public var averagePower: Double { seconds > 0 ? energy / seconds : 0 }
        /// Average power at the nominal point, before any throttling.
        public var nominalPower: Double
        /// Whether the clock had to come down.
        public var throttled: Bool
    }

    /// Why a cap cannot be modelled.
    public enum CapError: Error, Sendable, CustomStringConvertible {
        /// The limit is below the power the chip draws with nothing running.
        case belowIdle(limit: Double, idle: Double, hardware: String)
        /// The device does not accept the limit (`nvidia-smi -pl` refuses it).
        case outsideRange(limit: Double, range: PowerLimits, hardware: String)
        /// Even at the lowest clock the workload draws more than the limit.
        case unreachable(limit: Double, lowest: OperatingPoint, power: Double, hardware: String)
        /// The workload could not be evaluated.
        case evaluation(Evaluator.EvaluationError)

        public var description: String {
            switch self {
            case .belowIdle(let limit, let idle, let hardware):
                return
                    "the power limit \(Power(si: limit)) is below \(hardware)'s idle power, \(Power(si: idle)): no clock can meet it"
            case .outsideRange(let limit, let range, let hardware):
                return
                    "\(hardware) accepts power limits from \(range.minimum) to \(range.maximum) (nvidia-smi -pl refuses others); \(Power(si: limit)) is outside that range"
            case .unreachable(let limit, let lowest, let power, let hardware):
                return
                    "even at its lowest clock, \(lowest.frequency), \(hardware) is predicted to draw \(Power(si: power)) on this workload, above the \(Power(si: limit)) limit"
            case .evaluation(let error): return error.message
            }
        }
    }

    /// The step between the clocks a cap may settle at (NVIDIA's supported clocks are 15 MHz
    /// apart or finer, so 1 MHz settles within one of them).
    public static let resolution = 1e6

    /// The lowest clock a cap may lower the clock to, as a share of the nominal clock.
    public static func lowestShare(_ hardware: Accelerator) -> Double { hardware.lowestClockShare }

    /// The point at a share of the nominal clock along the alpha-power curve.
    public static func point(share: Double, hardware: Accelerator) -> OperatingPoint {
        let nominal = hardware.operatingPoints[0]
        guard share < 1 else { return nominal }
        return OperatingPoint.alphaPowerLaw(nominal: nominal, count: 2, lowest: share).last ?? nominal
    }

    /// Checks a limit against the idle power and the device's accepted range.
    public static func check(limit: Double, hardware: Accelerator) throws(CapError) {
        if limit < hardware.idlePower.value.si {
            throw .belowIdle(limit: limit, idle: hardware.idlePower.value.si, hardware: hardware.name)
        }
        if let range = hardware.powerLimits, !range.contains(Power(si: limit)) {
            throw .outsideRange(limit: limit, range: range, hardware: hardware.name)
        }
    }

    /// Where the clock settles under `limit`, with `measure` giving a point's latency and energy.
    public static func settle(
        limit: Double, hardware: Accelerator,
        measure: (OperatingPoint) throws(Evaluator.EvaluationError) -> (seconds: Double, energy: Double)
    ) throws(CapError) -> Settled {
        try check(limit: limit, hardware: hardware)
        func run(_ point: OperatingPoint) throws(CapError) -> (seconds: Double, energy: Double, power: Double) {
            do {
                let (seconds, energy) = try measure(point)
                return (seconds, energy, seconds > 0 ? energy / seconds : 0)
            } catch {
                throw .evaluation(error)
            }
        }
        let nominal = hardware.operatingPoints[0]
        let atNominal = try run(nominal)
        func settled(_ point: OperatingPoint, _ result: (seconds: Double, energy: Double, power: Double)) -> Settled {
            Settled(
                limit: limit, point: point, seconds: result.seconds, energy: result.energy,
                nominalPower: atNominal.power, throttled: point != nominal)
        }
        if atNominal.power <= limit { return settled(nominal, atNominal) }
        if hardware.operatingPoints.count > 1 {
            // A table of points: the fastest listed point that fits.
            var slowest: (OperatingPoint, Double)?
            for point in hardware.operatingPoints.dropFirst().sorted(by: { $0.frequency > $1.frequency }) {
                let result = try run(point)
                if result.power <= limit { return settled(point, result) }
                slowest = (point, result.power)
            }
            let (point, power) = slowest ?? (nominal, atNominal.power)
            throw .unreachable(limit: limit, lowest: point, power: power, hardware: hardware.name)
        }
        // The clocks a driver may set: `resolution` apart from the nominal clock down to the
        // lowest supported one; index i is the nominal clock less i steps. Power falls with the
        // index (dynamic power as f V², static constant), so the answer is the smallest index
        // that fits. Each probe costs a whole evaluation (every GEMM mapped at a new clock), so
        // the bracket shrinks by interpolation (below), not by plain bisection.
        let nominalHz = nominal.frequency.si
        let steps = Int(((1 - lowestShare(hardware)) * nominalHz / resolution).rounded(.down))
        // No clock below the nominal one (a clock range that starts there): nothing to lower.
        guard steps >= 1 else {
            throw .unreachable(limit: limit, lowest: nominal, power: atNominal.power, hardware: hardware.name)
        }
        func gridPoint(_ i: Int) -> OperatingPoint {
            point(share: (nominalHz - Double(i) * resolution) / nominalHz, hardware: hardware)
        }
        let lowestPoint = gridPoint(steps)
        let lowest = try run(lowestPoint)
        if lowest.power > limit {
            throw .unreachable(limit: limit, lowest: lowestPoint, power: lowest.power, hardware: hardware.name)
        }
        // Dynamic power scales as f V², so against u = (f/f0)(V/V0)² a device's power is close to
        // a straight line (exactly one when every part scales with the clock). fast: over the
        // limit; slow: within it. The next probe is where the secant through the two latest
        // probes, in u, meets the limit: the first grid clock at or below that u (the answer
        // is the smallest index that fits), kept strictly inside the bracket; a secant that
        // leaves the bracket, or one that has not halved it in two probes, gives way to bisection.
        let v0 = nominal.voltage.si
        func scale(_ i: Int) -> Double {
            let point = gridPoint(i)
            return point.frequency.si / nominalHz * (point.voltage.si / v0) * (point.voltage.si / v0)
        }
        var fast = 0
        var slow = (index: steps, point: lowestPoint, result: lowest)
        var latest = (u: scale(steps), excess: lowest.power - limit)
        var previous = (u: 1.0, excess: atNominal.power - limit)
        var widthTwoProbesAgo = steps
        var iterations = 0
        while slow.index - fast > 1 && iterations < 64 {
            iterations += 1
            let width = slow.index - fast
            let slope = (latest.excess - previous.excess) / (latest.u - previous.u)
            let target = slope > 0 ? latest.u - latest.excess / slope : .nan
            var probe = fast + width / 2
            if target < scale(fast), target > scale(slow.index), iterations % 2 == 1 || width * 2 <= widthTwoProbesAgo {
                // The first index (fastest clock) whose u is at most the target.
                var (low, high) = (fast + 1, slow.index - 1)
                while low < high {
                    let middle = (low + high) / 2
                    if scale(middle) <= target { high = middle } else { low = middle + 1 }
                }
                probe = low
            }
            if iterations % 2 == 0 { widthTwoProbesAgo = width }
            let candidate = gridPoint(probe)
            let result = try run(candidate)
            if result.power <= limit { slow = (probe, candidate, result) } else { fast = probe }
            previous = latest
            latest = (scale(probe), result.power - limit)
        }
        var bestPoint = slow.point
        let best = slow.result
        bestPoint.name = "cap \(Power(si: limit))"
        return settled(bestPoint, best)
    }

    /// Where the clock settles for a whole graph.
    public static func settle(
        limit: Double, graph: Graph, hardware: Accelerator, mode: RooflineMode = .mapped,
        objective: Objective = .energy, cache: MapperCache = MapperCache()
    ) throws(CapError) -> Settled {
        try settle(limit: limit, hardware: hardware) { (point) throws(Evaluator.EvaluationError) in
            let (copy, index) = withPoint(point, hardware: hardware)
            let evaluator = try Evaluator(
                hardware: copy, mode: mode, objective: objective, operatingPoint: index, cache: cache)
            let evaluation = try evaluator.evaluate(graph)
            return (evaluation.seconds, evaluation.energy.total)
        }
    }

    /// The hardware with a point selected: its index when the table lists it, else appended.
    public static func withPoint(_ point: OperatingPoint, hardware: Accelerator) -> (Accelerator, Int) {
        if let index = hardware.operatingPoints.firstIndex(where: {
            $0.frequency == point.frequency && $0.voltage == point.voltage
        }) {
            return (hardware, index)
        }
        var copy = hardware
        copy.operatingPoints.append(point)
        return (copy, copy.operatingPoints.count - 1)
    }
}
