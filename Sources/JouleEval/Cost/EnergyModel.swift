import JouleSpec

/// Turns access counts into joules and seconds: `accesses x per-access energy` per level and
/// operand, MACs at the MAC precision's energy, and static power over the latency, with
/// dynamic energy scaled by (V / V_nominal)^2 and on-chip time by f_nominal / f at an
/// operating point (DRAM time does not scale with the core clock).
public enum EnergyModel {
    /// Why an operator cannot be costed.
    public struct CostError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Joules of `count` accesses of `wordBits`-bit words at `energyPerBit`, charged per block
    /// of the level's width when it has one: `ceil(count / words per block) x energy per access`.
    @inline(__always)
    public static func accessEnergy(count: Double, wordBits: Double, energyPerBit: Double, width: Double?) -> Double {
        guard count > 0 else { return 0 }
        if let width, width >= Double(wordBits) {
            let wordsPerBlock = (width / Double(wordBits)).rounded(.down)
            return (count / wordsPerBlock).rounded(.up) * energyPerBit * width
        }
        return count * Double(wordBits) * energyPerBit
    }

    /// The dynamic-energy factor (V / V_nominal)^2 of an operating point.
    public static func voltageFactor(_ point: OperatingPoint, hardware: Accelerator) -> Double {
        let ratio = point.voltage.si / max(hardware.nominalVoltage.value.si, 1e-30)
        return ratio * ratio
    }

    /// The cost of a mapped GEMM-family operator from its access counts. `template` is an
    /// empty breakdown over the hardware's levels, passed by callers that cost many mappings.
    public static func cost(
        counts: AccessCounts, mapping: Mapping, problem: Problem, macPrecision: Precision, hardware: Accelerator,
        at point: OperatingPoint, template: Breakdown? = nil
    ) throws(CostError) -> OperatorCost {
        guard let support = hardware.compute.precisions[macPrecision] else {
            throw CostError(
                message:
                    "\(hardware.name) has no \(macPrecision) MACs (it supports \(hardware.compute.supportedPrecisions.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        var energy = template ?? Breakdown(levels: hardware.memory)
        addAccessEnergy(counts, hardware: hardware, into: &energy)
        energy.mac = counts.macs * support.macEnergy.value.si
        energy.scaleDynamic(by: voltageFactor(point, hardware: hardware))

        let computeCycles: Double
        if hardware.compute.kind == .systolic, let dataflow = mapping.dataflow, problem.isGEMMFamily {
            let b = problem.bounds
            computeCycles = SystolicTiming.cycles(
                m: b[2], n: b[3], k: b[4], batches: b[0] * b[1], rows: hardware.compute.rows,
                cols: hardware.compute.cols,
                dataflow: dataflow, preload: hardware.compute.weightPreload)
        } else {
            computeCycles = counts.temporalCycles
        }
        // The precision's `efficiency` is the share of the peak rate real kernels sustain.
        let computeSeconds = computeCycles / point.frequency.si / support.efficiency
        let levelSeconds = transferSeconds(counts: counts, hardware: hardware, at: point)
        var cost = combine(
            computeSeconds: computeSeconds, levelSeconds: levelSeconds, energy: energy, hardware: hardware, at: point)
        let slots =
            cost.seconds * point.frequency.si * Double(hardware.compute.processingElements)
            * Double(support.macsPerPEPerCycle)
        cost.utilization = slots > 0 ? counts.macs / slots : 0
        cost.counts = counts
        cost.mapping = mapping
        return cost
    }

    /// Adds the joules of every held access in `counts` to `energy`, by level and operand, at
    /// nominal voltage.
    static func addAccessEnergy(_ counts: AccessCounts, hardware: Accelerator, into energy: inout Breakdown) {
        for (i, level) in hardware.memory.enumerated() {
            for o in 0..<counts.operandCount {
                let access = counts.access(level: i, operand: o)
                guard access.held else { continue }
                let bits = access.wordBits
                let width = level.width?.si
                energy[i, o] +=
                    accessEnergy(
                        count: access.reads, wordBits: bits, energyPerBit: level.readEnergy.value.si, width: width)
                    + accessEnergy(
                        count: access.fills, wordBits: bits, energyPerBit: level.fillEnergy.value.si, width: width)
                    + accessEnergy(
                        count: access.updates, wordBits: bits, energyPerBit: level.writeEnergy.value.si, width: width)
            }
        }
    }

    /// Seconds each level needs to move what the counts say, at its total bandwidth (on-chip
    /// bandwidths scale with the clock, DRAM's does not).
    public static func transferSeconds(counts: AccessCounts, hardware: Accelerator, at point: OperatingPoint)
        -> [Double]
    {
        let clockScale = point.frequency.si / hardware.clock.si
        return hardware.memory.enumerated().map { i, level in
            let scale = level.isOffChip ? 1 : clockScale
            var readBits = 0.0
            var writeBits = 0.0
            for o in 0..<counts.operandCount {
                let access = counts.access(level: i, operand: o)
                readBits += access.reads * access.wordBits
                writeBits += (access.fills + access.updates) * access.wordBits
            }
            return transferSeconds(level: level, readBytes: readBits / 8, writeBytes: writeBits / 8, scale: scale)
        }
    }

    /// Seconds to read and write some bytes at a level's total bandwidth times its
    /// `bandwidth_efficiency`.
    public static func transferSeconds(level: MemoryLevel, readBytes: Double, writeBytes: Double, scale: Double = 1)
        -> Double
    {
        let scale = scale * level.bandwidthEfficiency
        if level.sharedBandwidth, let bandwidth = level.totalReadBandwidth {
            return (readBytes + writeBytes) / (bandwidth.si * scale)
        }
        let read = level.totalReadBandwidth.map { readBytes / ($0.si * scale) } ?? 0
        let write = level.totalWriteBandwidth.map { writeBytes / ($0.si * scale) } ?? 0
        return max(read, write)
    }

    /// The roofline over compute and every level: multiple-buffered levels overlap with compute,
    /// single-buffered ones add their time; static energy (the point's static power, see
    /// `Accelerator.staticPower(at:)`) is charged over the result.
    public static func combine(
        computeSeconds: Double, levelSeconds: [Double], energy: Breakdown, hardware: Accelerator,
        at point: OperatingPoint
    ) -> OperatorCost {
        var seconds = computeSeconds
        var bound = Bound.compute
        var serial = 0.0
        for (i, level) in hardware.memory.enumerated() {
            if level.multipleBuffering < 2 {
                serial += levelSeconds[i]
            } else if levelSeconds[i] > seconds {
                seconds = levelSeconds[i]
                bound = .memory(level.name)
            }
        }
        seconds += serial
        var energy = energy
        energy.leakage = hardware.staticPower(at: point) * seconds
        return OperatorCost(
            seconds: seconds, cycles: seconds * point.frequency.si, computeSeconds: computeSeconds,
            levelSeconds: levelSeconds,
            energy: energy, bound: bound, utilization: 0, counts: nil, mapping: nil)
    }
}
