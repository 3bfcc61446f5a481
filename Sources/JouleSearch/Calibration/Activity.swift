import JouleEval
import JouleSpec

/// What a row's time is attributed to: the resource that bounds each operator in Joule's roofline.
public enum TimeClass: Sendable, Hashable, Comparable {
    /// GEMMs bound by the MAC array (their compute time at the array's peak).
    case gemmCompute
    /// Vector operators bound by the vector unit.
    case vectorCompute
    /// Operators bound by a memory level's bandwidth (its index, outermost first), and the
    /// transfer time of single-buffered levels.
    case level(Int)
}

/// What Joule says a measured run did: the counts its energy is linear in (MACs per precision,
/// bits charged at every memory level, vector operations) and its latency, split by what
/// bounds it. Counts are independent of the energies, so one activity serves every fit.
public struct Activity: Sendable, Hashable {
    /// Multiply-accumulates at each MAC precision.
    public var macs: [Precision: Double]
    /// Bits charged as reads at each level, outermost first (whole blocks where a level has a width).
    public var readBits: [Double]
    /// Bits charged as writes (fills and updates) at each level.
    public var writeBits: [Double]
    /// Vector-unit operations.
    public var vectorOps: Double
    /// Joule's latency with the file's peaks.
    public var seconds: Double
    /// Joule's energy with the file's per-action energies and static power over its latency.
    public var joules: Double
    /// Joule's latency attributed to what bounds it (the parts add up to `seconds`).
    public var boundSeconds: [TimeClass: Double]

    /// An activity with nothing counted, over `levels` memory levels.
    public init(levels: Int) {
        macs = [:]
        readBits = [Double](repeating: 0, count: levels)
        writeBits = [Double](repeating: 0, count: levels)
        vectorOps = 0
        seconds = 0
        joules = 0
        boundSeconds = [:]
    }

    /// Joules these counts cost with per-action energies (static power excluded): MACs x MAC
    /// energy + read bits x read energy + write bits x write energy + ops x vector energy.
    public func dynamicJoules(hardware: Accelerator) -> Double {
        var total = vectorOps * hardware.compute.vector.energyPerOp.value.si
        for (precision, count) in macs {
            total += count * (hardware.compute.precisions[precision]?.macEnergy.value.si ?? 0)
        }
        for (i, level) in hardware.memory.enumerated() where i < readBits.count {
            total += readBits[i] * level.readEnergy.value.si + writeBits[i] * level.writeEnergy.value.si
        }
        return total
    }
}

/// Why a row cannot be evaluated: a message, a hint, and the column at fault.
public struct CalibrationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// How to put it right, when known.
    public var hint: String?
    /// The measurement-file column the fault is in, when it is one.
    public var column: String?
    /// The measurement-file line the fault is on (nil: the header, for faults of the whole fit).
    public var line: Int?

    /// An error with an optional hint, column and line.
    public init(_ message: String, hint: String? = nil, column: String? = nil, line: Int? = nil) {
        self.message = message
        self.hint = hint
        self.column = column
        self.line = line
    }

    public var description: String { hint.map { "\(message) (\($0))" } ?? message }
}

/// Evaluates measured runs on one accelerator and derives their activity.
public struct ActivityCounter: Sendable {
    /// The accelerator (its nominal operating point).
    public var hardware: Accelerator
    /// How traffic is counted: the mapper's traffic at every level, or compulsory DRAM bytes.
    public var mode: RooflineMode
    /// Where model names are looked up.
    public var catalog: Catalog
    let evaluator: Evaluator
    /// Each level's fill energy as a share of its write energy: a fill counts as that many written bits.
    let fillShare: [Double]

    /// A counter for an accelerator.
    public init(hardware: Accelerator, mode: RooflineMode = .ideal, catalog: Catalog = .standard())
        throws(CalibrationError)
    {
        self.hardware = hardware
        self.mode = mode
        self.catalog = catalog
        fillShare = hardware.memory.map { level in
            level.writeEnergy.value.si > 0 ? level.fillEnergy.value.si / level.writeEnergy.value.si : 1
        }
        do {
            evaluator = try Evaluator(hardware: hardware, mode: mode)
        } catch {
            throw CalibrationError(error.message)
        }
    }

    /// The activity of one measured run.
    public func activity(for measurement: MeasuredRun) throws(CalibrationError) -> Activity {
        try activity(for: measurement.workload, precision: measurement.precision)
    }

    /// The activity of a workload at a precision (the hardware's default when nil).
    public func activity(for workload: MeasuredRun.Workload, precision given: PrecisionConfig?) throws(CalibrationError)
        -> Activity
    {
        let precision = given ?? PrecisionConfig.default(for: hardware)
        switch workload {
        case .model(let name, let phase, let fusion):
            let model: ModelConfig
            do {
                model = try ModelConfig.load(name, catalog: catalog)
            } catch {
                let first = error.items.first
                throw CalibrationError(
                    first?.message ?? "cannot load model '\(name)'", hint: first?.hint, column: "model")
            }
            var options = GraphOptions.defaults(for: model)
            _ = options.setFusion(fusion)
            let graph: Graph
            do {
                graph = try GraphBuilder(model: model, precision: precision, options: options).build(phase)
            } catch {
                throw CalibrationError(error.message, column: "phase")
            }
            let evaluation: GraphEvaluation
            do {
                evaluation = try evaluator.evaluate(graph)
            } catch {
                throw CalibrationError(error.message, column: "precision")
            }
            var activity = Activity(levels: hardware.memory.count)
            for (op, cost) in zip(evaluation.operators, evaluation.costs) { add(op.kind, cost: cost, to: &activity) }
            activity.joules = evaluation.energy.total
            return scaledToVoltage(activity)
        case .op(let kind, let b, let m, let n, let k):
            let operation: Operator.Kind
            if kind == .gemm {
                operation = .gemm(
                    GEMM(
                        b: b, m: m, n: n, k: k, secondInstances: b, inputPrecision: precision.activations,
                        secondPrecision: precision.weights, outputPrecision: precision.activations))
            } else {
                let elements = Double(b) * Double(m) * Double(n)
                let bytes = elements * precision.activations.bytes
                operation = .vector(
                    VectorOp(
                        elements: elements, opsPerElement: kind.opsPerElement, bytesRead: bytes, bytesWritten: bytes))
            }
            let cost: OperatorCost
            switch operation {
            case .gemm(let gemm):
                do {
                    cost = try evaluator.evaluate(gemm).cost
                } catch {
                    throw CalibrationError(error.message, column: "precision")
                }
            case .vector(let vector):
                cost = Roofline.vector(vector, hardware: hardware, at: evaluator.operatingPoint)
            }
            var activity = Activity(levels: hardware.memory.count)
            add(operation, cost: cost, to: &activity)
            activity.joules = cost.energy.total
            return scaledToVoltage(activity)
        }
    }

    /// Counts scaled by the nominal point's (V / V_nominal)^2 (1 unless the first operating point
    /// runs below the file's `voltage`), so that fitted energies are the file's nominal ones.
    func scaledToVoltage(_ activity: Activity) -> Activity {
        let factor = EnergyModel.voltageFactor(evaluator.operatingPoint, hardware: hardware)
        guard factor != 1 else { return activity }
        var scaled = activity
        scaled.macs = scaled.macs.mapValues { $0 * factor }
        scaled.readBits = scaled.readBits.map { $0 * factor }
        scaled.writeBits = scaled.writeBits.map { $0 * factor }
        scaled.vectorOps *= factor
        return scaled
    }

    /// The level compulsory traffic goes to, as the roofline picks it: the outermost DRAM, else the outermost level.
    var dramIndex: Int? { hardware.memory.firstIndex { $0.kind == .dram } ?? (hardware.memory.isEmpty ? nil : 0) }

    /// Adds the bits a mapping's counts move at each level (a fused chain's counts keep its
    /// intermediate off DRAM already).
    func add(_ counts: AccessCounts, to activity: inout Activity) {
        for (i, level) in hardware.memory.enumerated() {
            let width = level.width?.si
            for o in 0..<counts.operandCount {
                let access = counts.access(level: i, operand: o)
                guard access.held else { continue }
                let bits = access.wordBits
                activity.readBits[i] += EnergyModel.accessEnergy(
                    count: access.reads, wordBits: bits, energyPerBit: 1, width: width)
                // Fills count at their share of the write energy (0 where the parent carries them).
                activity.writeBits[i] +=
                    EnergyModel.accessEnergy(
                        count: access.fills, wordBits: bits, energyPerBit: fillShare[i], width: width)
                    + EnergyModel.accessEnergy(count: access.updates, wordBits: bits, energyPerBit: 1, width: width)
            }
        }
    }

    /// Adds one operator's counts and time.
    func add(_ kind: Operator.Kind, cost: OperatorCost, to activity: inout Activity) {
        switch kind {
        case .gemm(let gemm):
            activity.macs[gemm.macPrecision, default: 0] += cost.counts?.macs ?? gemm.macs
            if let counts = cost.counts {
                add(counts, to: &activity)
            } else if let d = dramIndex {
                activity.readBits[d] += ((gemm.inputOnChip ? 0 : gemm.inputBytes) + gemm.secondBytes) * 8
                activity.writeBits[d] += (gemm.outputOnChip ? 0 : gemm.outputBytes) * 8
            }
        case .vector(let op):
            activity.vectorOps += cost.vectorOperations
            if let counts = cost.counts {
                // A fused chain's vector operator reads and writes at the level holding it.
                add(counts, to: &activity)
            } else if !op.fused, let d = dramIndex {
                activity.readBits[d] += op.bytesRead * 8
                activity.writeBits[d] += op.bytesWritten * 8
            }
        }
        activity.seconds += cost.seconds
        var longest = cost.computeSeconds
        var bound: TimeClass
        if case .gemm = kind { bound = .gemmCompute } else { bound = .vectorCompute }
        for (i, level) in hardware.memory.enumerated() where i < cost.levelSeconds.count {
            if level.multipleBuffering < 2 {
                activity.boundSeconds[.level(i), default: 0] += cost.levelSeconds[i]
            } else if cost.levelSeconds[i] > longest {
                longest = cost.levelSeconds[i]
                bound = .level(i)
            }
        }
        activity.boundSeconds[bound, default: 0] += longest
    }
}
