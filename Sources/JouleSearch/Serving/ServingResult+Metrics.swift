import JouleSpec
import JouleSystem

extension ServingResult {
    /// A metric of the steady state, in column units (area in mm^2), `eta` weighing energy
    /// against time in Zeus's cost. The step-based metrics read an iteration as the step: its
    /// energy and TPOT, its output tokens; area and the cost's power are the devices the plan uses.
    public func value(_ metric: Metric, eta: Double = 0.5) -> Double {
        let devices = Double(decode.plan.devices)
        let hardware = decode.cluster.device
        switch metric {
        case .ttftP50: return ttftP50
        case .ttftP99: return ttftP99
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
