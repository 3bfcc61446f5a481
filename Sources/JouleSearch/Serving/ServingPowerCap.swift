import JouleEval
import JouleSpec
import JouleSystem

/// A per-device power cap on a serving system, as the GPU driver enforces it on every device:
/// the clock comes down along the voltage-frequency curve (`PowerCap`, the rule of `joule eval
/// --power-limit`) until one device's average power over a serving iteration (its share of
/// the decode step and of the chunked prefills, busy and idle; links and switches are not the
/// device's) fits under the limit. Every device runs the same clock.
public enum ServingPowerCap {
    /// A steady state under a cap, and where the clock settled.
    public struct Capped: Sendable {
        /// The steady state at the settled clock.
        public var result: ServingResult
        /// Where the clock settled (the limit, the point, the device power there and at the nominal clock).
        public var settled: PowerCap.Settled
    }

    /// Why a capped steady state could not be found.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// The cap cannot be met (below idle, outside the device's range, or unreachable).
        case cap(PowerCap.CapError)
        /// The serving system itself failed (the plan, the graph or an evaluation).
        case system(SystemError)

        public var description: String {
            switch self {
            case .cap(let error): return error.description
            case .system(let error): return error.description
            }
        }
    }

    /// The batching system with every device at `point` (the device's table entry when it
    /// lists the point, else the point appended), the evaluator's other settings kept.
    public static func batching(_ batching: ContinuousBatching, at point: OperatingPoint) throws(SystemError)
        -> ContinuousBatching
    {
        let base = batching.system.evaluator
        let (copy, index) = PowerCap.withPoint(point, hardware: base.hardware)
        var evaluator: Evaluator
        do {
            evaluator = try Evaluator(
                hardware: copy, mode: base.mode, objective: base.objective, dataflow: base.dataflow,
                operatingPoint: index, cache: base.cache, tilingBudget: base.tilingBudget)
        } catch {
            throw .evaluation(error)
        }
        evaluator.constraints = base.constraints
        var moved = batching
        moved.system.evaluator = evaluator
        moved.system.cluster.device = copy
        return moved
    }

    /// Where the clock settles under `limit` watts per device, and the steady state there.
    /// `steadyState` gives the steady state at an operating point (a memo may answer it).
    public static func settle(
        limit: Double, batching: ContinuousBatching,
        steadyState: (ContinuousBatching, OperatingPoint) throws(SystemError) -> ServingResult
    ) throws(Failure) -> Capped {
        let hardware = batching.system.evaluator.hardware
        var failure: SystemError?
        var results: [OperatingPoint: ServingResult] = [:]
        let settled: PowerCap.Settled
        do throws(PowerCap.CapError) {
            settled = try PowerCap.settle(limit: limit, hardware: hardware) {
                (point) throws(Evaluator.EvaluationError) in
                do throws(SystemError) {
                    let result = try steadyState(try self.batching(batching, at: point), point)
                    results[point] = result
                    return (result.tpot, result.devicePower * result.tpot)
                } catch {
                    failure = error
                    throw Evaluator.EvaluationError(message: error.description)
                }
            }
        } catch {
            if let failure { throw .system(failure) }
            throw .cap(error)
        }
        // The settled point was measured under its own name; a renamed point ("cap 300 W") is
        // the same clock and voltage.
        let result = results.first {
            $0.key.frequency == settled.point.frequency && $0.key.voltage == settled.point.voltage
        }?.value
        if let result { return Capped(result: result, settled: settled) }
        do throws(SystemError) {
            let at = try self.batching(batching, at: settled.point)
            return Capped(result: try steadyState(at, settled.point), settled: settled)
        } catch {
            throw .system(error)
        }
    }
}
