import JouleSpec

/// One accelerator's per-level energies, widths and bandwidths at one operating point and MAC
/// precision, in flat arrays: the mapper scores thousands of mappings against it without
/// building a `Breakdown`. `EnergyModel.cost` gives the full breakdown of the winner, and the
/// two agree (a test checks it).
public struct CostTable: Sendable {
    let readPerBit: [Double]
    let writePerBit: [Double]
    let fillPerBit: [Double]
    /// Access width in bits, 0 when the level has none.
    let width: [Double]
    /// Seconds per byte read / written at the total bandwidth, 0 when unbounded.
    let readSecondsPerByte: [Double]
    let writeSecondsPerByte: [Double]
    let shared: [Bool]
    let serial: [Bool]
    let macEnergy: Double
    let voltageFactor: Double
    let frequency: Double
    /// The clock times the precision's efficiency: compute seconds are cycles over it.
    let computeRate: Double
    let staticPower: Double
    let systolic: Bool
    let rows: Int
    let cols: Int
    let preload: ComputeArray.WeightPreload

    /// The table for a precision at an operating point.
    public init(hardware: Accelerator, precision: Precision, at point: OperatingPoint) throws(EnergyModel.CostError) {
        guard let support = hardware.compute.precisions[precision] else {
            throw EnergyModel.CostError(
                message:
                    "\(hardware.name) has no \(precision) MACs (it supports \(hardware.compute.supportedPrecisions.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let clockScale = point.frequency.si / hardware.clock.si
        readPerBit = hardware.memory.map(\.readEnergy.value.si)
        writePerBit = hardware.memory.map(\.writeEnergy.value.si)
        fillPerBit = hardware.memory.map(\.fillEnergy.value.si)
        width = hardware.memory.map { $0.width?.si ?? 0 }
        readSecondsPerByte = hardware.memory.map { level in
            level.totalReadBandwidth.map {
                1 / ($0.si * (level.isOffChip ? 1 : clockScale) * level.bandwidthEfficiency)
            } ?? 0
        }
        writeSecondsPerByte = hardware.memory.map { level in
            level.totalWriteBandwidth.map {
                1 / ($0.si * (level.isOffChip ? 1 : clockScale) * level.bandwidthEfficiency)
            } ?? 0
        }
        shared = hardware.memory.map(\.sharedBandwidth)
        serial = hardware.memory.map { $0.multipleBuffering < 2 }
        macEnergy = support.macEnergy.value.si
        voltageFactor = EnergyModel.voltageFactor(point, hardware: hardware)
        frequency = point.frequency.si
        computeRate = point.frequency.si * support.efficiency
        staticPower = hardware.staticPower(at: point)
        systolic = hardware.compute.kind == .systolic
        rows = hardware.compute.rows
        cols = hardware.compute.cols
        preload = hardware.compute.weightPreload
    }

    /// Total energy (static included) and latency of a mapping's counts.
    @inline(__always)
    public func energyAndSeconds(_ counts: AccessCounts, problem: Problem, dataflow: Dataflow?) -> (
        energy: Double, seconds: Double
    ) {
        counts.accesses.withUnsafeBufferPointer { accesses in
            energyAndSeconds(
                accesses: accesses, problem: problem, macs: counts.macs,
                computeCycles: computeCycles(counts.temporalCycles, problem: problem, dataflow: dataflow))
        }
    }

    /// The same from level-major accesses (`accesses[level * operands + operand]`) and the
    /// compute cycles, as the mapper's search holds them.
    @inline(__always)
    func energyAndSeconds(
        accesses: UnsafeBufferPointer<OperandAccess>, problem: Problem, macs: Double, computeCycles: Double
    ) -> (energy: Double, seconds: Double) {
        var dynamic = macs * macEnergy
        var bound = computeCycles / computeRate
        var serialSeconds = 0.0
        let operands = problem.operands.count
        for i in 0..<readPerBit.count {
            var readBytes = 0.0
            var writeBytes = 0.0
            let w = width[i] > 0 ? width[i] : nil
            for o in 0..<operands {
                let access = accesses[i * operands + o]
                guard access.held else { continue }
                let bits = access.wordBits
                dynamic += EnergyModel.accessEnergy(
                    count: access.reads, wordBits: bits, energyPerBit: readPerBit[i], width: w)
                dynamic += EnergyModel.accessEnergy(
                    count: access.fills, wordBits: bits, energyPerBit: fillPerBit[i], width: w)
                dynamic += EnergyModel.accessEnergy(
                    count: access.updates, wordBits: bits, energyPerBit: writePerBit[i], width: w)
                readBytes += access.reads * Double(bits) / 8
                writeBytes += (access.fills + access.updates) * Double(bits) / 8
            }
            let seconds =
                shared[i]
                ? (readBytes + writeBytes) * readSecondsPerByte[i]
                : max(readBytes * readSecondsPerByte[i], writeBytes * writeSecondsPerByte[i])
            if serial[i] { serialSeconds += seconds } else if seconds > bound { bound = seconds }
        }
        let seconds = bound + serialSeconds
        return (dynamic * voltageFactor + staticPower * seconds, seconds)
    }

    /// Compute cycles: SCALE-Sim's for a systolic array running a dataflow, else the temporal loops.
    @inline(__always)
    func computeCycles(_ temporalCycles: Double, problem: Problem, dataflow: Dataflow?) -> Double {
        guard systolic, let dataflow, problem.isGEMMFamily else { return temporalCycles }
        let b = problem.bounds
        return SystolicTiming.cycles(
            m: b[2], n: b[3], k: b[4], batches: b[0] * b[1], rows: rows, cols: cols, dataflow: dataflow,
            preload: preload)
    }
}
