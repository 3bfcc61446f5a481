import Foundation

/// Power figures derived from an accelerator's description.
extension Accelerator {
    /// The power with every MAC busy at its most energetic precision together with the on-chip
    /// accesses that feed it, every vector lane busy, and the DRAM streaming at full bandwidth,
    /// at the nominal point, plus static power. An on-chip level is charged one access per
    /// operand it holds per MAC (Joule's accounting serves a MAC's operand from a level at most
    /// once; reuse only lowers it).
    public func peakPower() -> Power {
        let clock = self.clock.si
        let mac =
            compute.precisions.map { precision, support in
                let rate = Double(compute.processingElements) * Double(support.macsPerPEPerCycle) * clock
                return rate * (support.macEnergy.value.si + onChipEnergyPerMAC(wordBits: Double(precision.bits)))
            }.max() ?? 0
        let vector = Double(compute.vector.lanes) * clock * compute.vector.energyPerOp.value.si
        let dram = memory.filter(\.isOffChip).reduce(0.0) { total, level in
            total + (level.totalReadBandwidth?.si ?? 0) * 8 * level.readEnergy.value.si
        }
        return Power(si: staticPower.value.si + mac + vector + dram)
    }

    /// Static power at an operating point. With an `idle_power` in the file, static power is the
    /// idle power plus a clocked part (clock tree, uncore, idle SMs: `static_power` − `idle_power`
    /// at the nominal point) that switches with the clock and so scales as f V²:
    /// P = P_idle + (P_static − P_idle) x (f / f_nominal) x (V / V_nominal)². Without one, static
    /// power is the same at every point.
    public func staticPower(at point: OperatingPoint) -> Double {
        let total = staticPower.value.si
        guard !idlePower.provenance.isEstimated else { return total }
        let idle = min(idlePower.value.si, total)
        let frequency = point.frequency.si / clock.si
        let voltage = point.voltage.si / max(nominalVoltage.value.si, 1e-30)
        return idle + (total - idle) * frequency * voltage * voltage
    }

    /// The on-chip access energy of one MAC at a word size: one read of each weight and input
    /// held, one read and one write of each output held, at every on-chip level.
    func onChipEnergyPerMAC(wordBits: Double) -> Double {
        memory.filter { !$0.isOffChip }.reduce(0.0) { total, level in
            // In a fixed order: a set's order changes from run to run, and so would the sum's last bit.
            Operand.allCases.filter(level.holds.contains).reduce(total) { sum, operand in
                let read = level.readEnergy.value.si * wordBits
                return sum + (operand == .outputs ? read + level.writeEnergy.value.si * wordBits : read)
            }
        }
    }

    /// The operating point a text names: an index into the table (`0` is nominal) or a share of
    /// the nominal clock (`80%`), whose voltage the alpha-power law gives. The returned hardware
    /// holds the point at the returned index.
    public func selectingOperatingPoint(_ text: String) -> (hardware: Accelerator, index: Int)? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let index = Int(trimmed) {
            return index >= 0 && index < operatingPoints.count ? (self, index) : nil
        }
        guard trimmed.hasSuffix("%"), let percent = Double(trimmed.dropLast()), percent > 0, percent <= 100 else {
            return nil
        }
        let fraction = percent / 100
        var copy = self
        let points = OperatingPoint.alphaPowerLaw(nominal: operatingPoints[0], count: 2, lowest: fraction)
        guard var point = points.last else { return nil }
        point.name = trimmed
        copy.operatingPoints.append(point)
        return (copy, copy.operatingPoints.count - 1)
    }

    /// The lowest clock DVFS and power caps consider, as a share of the nominal clock: the
    /// file's `clock_range` minimum, else 50%.
    public var lowestClockShare: Double {
        guard let range = clockRange else { return 0.5 }
        return min(1, range.minimum.si / clock.si)
    }

    /// `count` points from the lowest clock (`lowestClockShare`) to the nominal one along the
    /// alpha-power curve, as `joule dvfs` synthesises them when the file lists only one point.
    public func synthesisedOperatingPoints(count: Int) -> [OperatingPoint] {
        OperatingPoint.alphaPowerLaw(nominal: operatingPoints[0], count: count, lowest: lowestClockShare)
    }

    /// The fastest operating point whose `power(point)` stays within `limit`, as a power cap
    /// picks the clock; nil when even the slowest point exceeds it.
    public func fastestPoint(within limit: Power, power: (OperatingPoint) -> Power) -> OperatingPoint? {
        operatingPoints.sorted { $0.frequency > $1.frequency }.first { power($0) <= limit }
    }
}

extension OperatingPoint {
    /// Operating points from `lowest` x f_nominal up to f_nominal in `count` steps, each at the
    /// lowest voltage the alpha-power law (Sakurai & Newton, JSSC 1990) allows:
    /// f ∝ (V - V_th)^α / V, with α and V_th from the estimate tables.
    public static func alphaPowerLaw(nominal: OperatingPoint, count: Int, lowest: Double = 0.5) -> [OperatingPoint] {
        guard count >= 2 else { return [nominal] }
        let alpha = EstimateTables.alphaPowerExponent
        let threshold = EstimateTables.thresholdVoltage
        let v0 = nominal.voltage.si
        guard v0 > threshold else { return [nominal] }
        func speed(_ v: Double) -> Double { pow(v - threshold, alpha) / v }
        let target0 = speed(v0)
        return (0..<count).map { step in
            let fraction = 1 - (1 - lowest) * Double(step) / Double(count - 1)
            // Bisection: speed(V) rises monotonically for V > V_th when α > 1.
            var low = threshold
            var high = v0
            for _ in 0..<60 {
                let middle = (low + high) / 2
                if speed(middle) < fraction * target0 { low = middle } else { high = middle }
            }
            let name = step == 0 ? "nominal" : "\(Int((fraction * 100).rounded()))%"
            return OperatingPoint(frequency: nominal.frequency * fraction, voltage: Voltage(si: high), name: name)
        }
    }
}
