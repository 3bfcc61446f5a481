import JouleEval
import JouleSpec

/// One measured run from a measurement file: what ran (a Joule workload or a single operator),
/// on which hardware, and how long it took and how many joules it drew.
public struct MeasuredRun: Sendable, Hashable {
    /// A single operator, as the GPU measurement kit runs them.
    public enum OperatorKind: String, Sendable, Hashable, CaseIterable {
        /// `b` independent `m x k` by `k x n` matrix products (b = 1: one GEMM).
        case gemm
        /// A memory copy of `b x m x n` elements: each read once and written once, no arithmetic.
        case copy
        /// Row softmax over `b x m` rows of `n` elements.
        case softmax
        /// RMSNorm over `b x m` rows of `n` elements.
        case rmsnorm
        /// LayerNorm over `b x m` rows of `n` elements.
        case layernorm

        /// Operations per element Joule charges to a vector operator of this kind (0 for a copy).
        public var opsPerElement: Double {
            switch self {
            case .gemm, .copy: return 0
            case .softmax: return GraphBuilder.VectorCost.softmax
            case .rmsnorm: return GraphBuilder.VectorCost.rmsNorm
            case .layernorm: return GraphBuilder.VectorCost.layerNorm
            }
        }
    }

    /// What ran.
    public enum Workload: Sendable, Hashable {
        /// A model's graph for a phase (with the graph options written in the row).
        case model(name: String, phase: Phase, fusion: String)
        /// One operator with its dimensions (vector operators use `b x m x n` elements, no k).
        case op(OperatorKind, b: Int, m: Int, n: Int, k: Int)
    }

    /// The 1-based line of the file the row is on.
    public var line: Int
    /// What ran.
    public var workload: Workload
    /// The operand formats (nil: the hardware's default precision, as `joule eval` picks it).
    public var precision: PrecisionConfig?
    /// The hardware the run was measured on, as written in the row.
    public var hardware: String
    /// Measured seconds per run.
    public var seconds: Double
    /// Measured joules per run as written (above idle when `idlePower` is given).
    public var joules: Double
    /// Idle power the measurement subtracted from `joules` (the kit records it), if any.
    public var idlePower: Double?
    /// Average power during the run, if recorded.
    public var power: Double?
    /// The core clock during the run (Hz), if recorded.
    public var clock: Double?
    /// The power limit in force (W), if recorded.
    public var powerLimit: Double?
    /// How many repetitions the figures average over, if recorded.
    public var repetitions: Int?

    /// A row as read from a file.
    public init(
        line: Int, workload: Workload, precision: PrecisionConfig?, hardware: String, seconds: Double,
        joules: Double, idlePower: Double? = nil, power: Double? = nil, clock: Double? = nil,
        powerLimit: Double? = nil, repetitions: Int? = nil
    ) {
        self.line = line
        self.workload = workload
        self.precision = precision
        self.hardware = hardware
        self.seconds = seconds
        self.joules = joules
        self.idlePower = idlePower
        self.power = power
        self.clock = clock
        self.powerLimit = powerLimit
        self.repetitions = repetitions
    }

    /// The whole chip's joules over the run: the written energy plus the idle power it had
    /// subtracted (Joule's `static_power` is the chip's whole floor, idle included).
    public var totalJoules: Double { joules + (idlePower ?? 0) * seconds }

    /// A short description for tables: `gemm 4096x4096x4096 bf16`, `llama-2-7b decode b8 c1024`.
    public var label: String {
        let precisionText = precision.map { " \($0)" } ?? ""
        switch workload {
        case .model(let name, let phase, let fusion):
            let shape: String
            switch phase {
            case .prefill(let batch, let sequence): shape = "prefill b\(batch) s\(sequence)"
            case .decode(let batch, let context): shape = "decode b\(batch) c\(context)"
            case .training(let batch, let sequence): shape = "training b\(batch) s\(sequence)"
            }
            return "\(name) \(shape)\(fusion == "off" ? "" : " fusion \(fusion)")\(precisionText)"
        case .op(let kind, let b, let m, let n, let k):
            let batch = b == 1 ? "" : "\(b)x"
            let dims = kind == .gemm ? "\(batch)\(m)x\(n)x\(k)" : "\(batch)\(m)x\(n)"
            return "\(kind.rawValue) \(dims)\(precisionText)"
        }
    }
}
