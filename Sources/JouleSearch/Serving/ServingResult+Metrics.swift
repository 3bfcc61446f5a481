import JouleSpec
import JouleSystem

extension ServingResult {
    /// The median time to first token. Every request of a fixed request type waits the same,
    /// so it is the TTFT; this is the one place that names it, to repoint when request mixes
    /// give a distribution.
    public var ttftMedian: Double { ttft }
    /// The 99th-percentile time to first token (the TTFT for a fixed request type, as above).
    public var ttftTail: Double { ttft }

    /// A metric of the steady state, in column units (area in mm^2), `eta` weighing energy
    /// against time in Zeus's cost. The step-based metrics read an iteration as the step: its
    /// energy and TPOT, its output tokens; area and the cost's power are the devices the plan uses.
    public func value(_ metric: Metric, eta: Double = 0.5) -> Double {
        let devices = Double(decode.plan.devices)
        let hardware = decode.cluster.device
        switch metric {
        case .ttftP50: return ttftMedian
        case .ttftP99: return ttftTail
        case .tpot, .latency: return tpot
        case .energyPerRequest: return energyPerRequest
        case .energyPerOutputToken, .energyPerToken: return energyPerOutputToken
        case .throughput, .tokensPerSecond: return tokensPerSecond
        case .timePerToken: return 1 / tokensPerSecond
        case .energy: return stepEnergy
        case .edp: return stepEnergy * tpot
        case .power: return averagePower
        case .tokensPerJoule: return 1 / energyPerOutputToken
        case .area: return hardware.area.total.value.squareMillimetres * devices
        case .cost:
            let maxPower = hardware.powerLimits?.maximum.si ?? hardware.tdp.value.si
            return eta * stepEnergy + (1 - eta) * maxPower * devices * tpot
        }
    }

    /// Every metric a serving sweep reports, in column units.
    public func metrics(eta: Double = 0.5) -> [Metric: Double] {
        Dictionary(uniqueKeysWithValues: Metric.allCases.map { ($0, value($0, eta: eta)) })
    }
}
