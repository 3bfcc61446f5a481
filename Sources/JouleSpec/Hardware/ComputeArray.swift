import YAML

/// The MAC array: its spatial PEs, supported precisions with their MAC energies and rates,
/// the dataflows it can run, and the vector unit beside it.
public struct ComputeArray: Sendable, Hashable {
    /// How operands move through the array.
    public enum Kind: String, Hashable, Keyword {
        public static let keywordNoun = "array kind"
        /// A systolic array: operands pass PE to PE, paying fill and drain per fold (TPU, Gemmini).
        case systolic
        /// Independent lanes fed by a shared buffer (GPU tensor cores, SIMD arrays).
        case parallel
    }

    /// How a systolic array loads the stationary operand of each fold (weights in weight
    /// stationary, inputs in input stationary). `SystolicTiming` gives the cycle count of each.
    public enum WeightPreload: String, Hashable, Keyword {
        public static let keywordNoun = "weight preload"
        /// Each fold preloads its tile, then streams: SCALE-Sim's serial count (the default).
        case serial
        /// Double-buffered: the next fold's tile loads while the current one streams, so only
        /// the first preload and one pipeline fill and drain are exposed (TPU v1 and later).
        case overlapped
    }

    /// One supported precision: the energy of a MAC and how many MACs a PE does per cycle.
    public struct PrecisionSupport: Sendable, Hashable {
        /// Energy of one multiply-accumulate at the nominal voltage.
        public var macEnergy: Figure<Energy>
        /// MACs one PE completes per cycle at this precision.
        public var macsPerPEPerCycle: Int
        /// The share of the peak MAC rate a well-tuned GEMM sustains at this precision (file key
        /// `efficiency`, written by `joule calibrate`): compute time is divided by it. 1 when left out.
        public var efficiency: Double = 1
    }

    /// Systolic or parallel.
    public var kind: Kind
    /// PE rows.
    public var rows: Int
    /// PE columns.
    public var cols: Int
    /// MACs per PE per cycle unless a precision says otherwise.
    public var macsPerPEPerCycle: Int
    /// The supported precisions.
    public var precisions: [Precision: PrecisionSupport]
    /// The dataflows the array supports.
    public var dataflows: [Dataflow]
    /// How a systolic array's folds load their stationary operand; `serial` on a parallel array,
    /// where it does not apply.
    public var weightPreload: WeightPreload = .serial
    /// The vector unit (softmax, norms, activations).
    public var vector: VectorUnit
    /// Formats in `precisions` that the file did not name but an older key covers
    /// (`fp8_e4m3` and `fp8_e5m2` under `fp8:`, see `Precision.nativeKeys`).
    public var aliased: Set<Precision> = []
    /// N:M weight-sparsity patterns the MACs run natively, skipping the pruned weights
    /// (`sparsity: [2:4]`: NVIDIA A100 and H100 sparse tensor cores); empty for none.
    public var sparsity: [SparsityPattern] = []
    /// Whether compressed sparse weights can be moved compressed and expanded in front of the
    /// MACs (`sparse_decompress: true`): bytes are saved, MACs are not.
    public var sparseDecompress = false

    /// The number of PEs, rows x cols.
    public var processingElements: Int { rows * cols }

    /// The precisions the file names, narrowest first (aliases left out).
    public var supportedPrecisions: [Precision] { precisions.keys.filter { !aliased.contains($0) }.sorted() }
}

/// The unit that runs elementwise and reduction operators.
public struct VectorUnit: Sendable, Hashable {
    /// Parallel lanes.
    public var lanes: Int
    /// Energy of one elementwise operation.
    public var energyPerOp: Figure<Energy>
    /// The share of the lanes' peak rate vector kernels sustain (file key `efficiency`); 1 when left out.
    public var efficiency: Double = 1
}

// MARK: - Decoding

/// A precision entry as written: an energy, `estimated`, or `{energy, macs_per_pe_per_cycle,
/// efficiency}`.
struct PrecisionEntry: Decodable {
    var energy: Energy?
    var macsPerPEPerCycle: Int?
    var efficiency: Double?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case energy, efficiency
        case macsPerPEPerCycle = "macs_per_pe_per_cycle"
    }

    init(from decoder: any Decoder) throws {
        if let node = decoder.yamlNode, let text = node.scalar {
            if text == "estimated" || text == "estimate" || node.isNull { return }
            energy = try Energy(from: decoder)
            return
        }
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        energy = reader.optional(.energy, Energy.self)
        macsPerPEPerCycle = reader.optional(.macsPerPEPerCycle, Int.self)
        if let rate = macsPerPEPerCycle, rate < 1 || rate > ComputeDescription.maximumRate {
            reader.error(
                "macs_per_pe_per_cycle must be from 1 to \(ComputeDescription.maximumRate), found \(rate)",
                at: .macsPerPEPerCycle)
        }
        if let energy, energy.si <= 0 { reader.error("a MAC energy must be positive", at: .energy) }
        efficiency = reader.optional(.efficiency, Double.self)
        if let efficiency, !Self.isShare(efficiency) {
            reader.error(
                "efficiency is a share of the peak rate, above 0 and at most 1, found \(efficiency)", at: .efficiency,
                hint: "efficiency: 0.75")
        }
        try reader.finish()
    }

    /// Whether a number is a share of a peak: above 0 and at most 1.
    static func isShare(_ value: Double) -> Bool { value.isFinite && value > 0 && value <= 1 }
}

/// The `compute:` section as written, before estimates are filled in.
struct ComputeDescription: Decodable {
    var kind: ComputeArray.Kind
    var rows: Int
    var cols: Int
    var macsPerPEPerCycle: Int
    var precisions: [(precision: Precision, entry: PrecisionEntry)]
    var dataflows: [Dataflow]
    var weightPreload: ComputeArray.WeightPreload
    var vectorLanes: Int
    var vectorEnergy: Energy?
    var vectorEfficiency: Double?
    var sparsity: [SparsityPattern]
    var sparseDecompress: Bool

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, array, precisions, dataflows, vector, sparsity
        case macsPerPEPerCycle = "macs_per_pe_per_cycle"
        case weightPreload = "weight_preload"
        case sparseDecompress = "sparse_decompress"
    }

    enum ArrayKeys: String, CodingKey, CaseIterable { case rows, cols }

    /// The longest side of an array: 65,536 x 65,536 PEs keeps every count exact.
    static let maximumSide = 65_536
    /// The most MACs a PE does per cycle at one precision.
    static let maximumRate = 65_536
    enum VectorKeys: String, CodingKey, CaseIterable {
        case lanes, efficiency
        case energyPerOp = "energy_per_op"
    }

    init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let writtenKind = reader.optional(.kind, ComputeArray.Kind.self)
        kind = writtenKind ?? .parallel
        macsPerPEPerCycle = reader.optional(.macsPerPEPerCycle, Int.self) ?? 1
        if macsPerPEPerCycle < 1 || macsPerPEPerCycle > Self.maximumRate {
            reader.error(
                "macs_per_pe_per_cycle must be from 1 to \(Self.maximumRate), found \(macsPerPEPerCycle)",
                at: .macsPerPEPerCycle)
        }
        let array = reader.required(.array, ArrayShape.self, example: "array: { rows: 16, cols: 16 }")
        rows = array?.rows ?? 1
        cols = array?.cols ?? 1
        let written = reader.required(
            .precisions, [String: PrecisionEntry].self, example: "precisions: { int8: 0.2 pJ }")
        precisions = []
        let keyMarks = decoder.yamlNode?["precisions"]?.entries ?? []
        for entry in keyMarks {
            guard let value = written?[entry.key] else { continue }
            if let precision = Precision(rawValue: entry.key) {
                precisions.append((precision, value))
            } else {
                reader.error(
                    "unknown precision '\(entry.key)'", atMark: entry.keyMark,
                    hint: Suggestion.hint(for: entry.key, among: Precision.allCases.map(\.rawValue)))
            }
        }
        if written != nil && written?.isEmpty == true {
            reader.error("list at least one precision", at: .precisions, hint: "precisions: { int8: 0.2 pJ }")
        }
        dataflows = reader.optional(.dataflows, [Dataflow].self) ?? Dataflow.allCases
        if dataflows.isEmpty { reader.error("list at least one dataflow", at: .dataflows) }
        let preload = reader.optional(.weightPreload, ComputeArray.WeightPreload.self)
        weightPreload = preload ?? .serial
        // A kind that failed to decode has its own error; do not guess it was `parallel`.
        let kindKnown = writtenKind != nil || decoder.yamlNode?["kind"] == nil
        if decoder.yamlNode?["weight_preload"] != nil && kindKnown && kind != .systolic {
            reader.error(
                "weight_preload applies only to a systolic array; this array is \(kind.rawValue)",
                at: .weightPreload, hint: "add kind: systolic, or remove weight_preload")
        }
        let vector = reader.optional(.vector, VectorShape.self)
        vectorLanes = vector?.lanes ?? max(1, cols)
        vectorEnergy = vector?.energy
        vectorEfficiency = vector?.efficiency
        sparsity = []
        let patterns = reader.optional(.sparsity, [String].self) ?? []
        let patternMarks = decoder.yamlNode?["sparsity"]?.items?.map(\.mark) ?? []
        for (i, text) in patterns.enumerated() {
            do {
                sparsity.append(try SparsityPattern(parsing: text))
            } catch {
                reader.error(
                    error.message, atMark: i < patternMarks.count ? patternMarks[i] : nil, hint: "sparsity: [2:4]")
            }
        }
        sparsity = Array(Set(sparsity)).sorted()
        sparseDecompress = reader.optional(.sparseDecompress, Bool.self) ?? false
        try reader.finish()
    }

    struct ArrayShape: Decodable {
        var rows: Int
        var cols: Int
        init(from decoder: any Decoder) throws {
            var reader = try MappingReader(decoder, keys: ArrayKeys.self)
            let rows = reader.required(.rows, Int.self, example: "rows: 16")
            let cols = reader.required(.cols, Int.self, example: "cols: 16")
            let limit = ComputeDescription.maximumSide
            if let rows, rows < 1 || rows > limit {
                reader.error("rows must be from 1 to \(limit), found \(rows)", at: .rows)
            }
            if let cols, cols < 1 || cols > limit {
                reader.error("cols must be from 1 to \(limit), found \(cols)", at: .cols)
            }
            try reader.finish()
            self.rows = try reader.unwrap(rows)
            self.cols = try reader.unwrap(cols)
        }
    }

    struct VectorShape: Decodable {
        var lanes: Int
        var energy: Energy?
        var efficiency: Double?
        init(from decoder: any Decoder) throws {
            var reader = try MappingReader(decoder, keys: VectorKeys.self)
            let lanes = reader.required(.lanes, Int.self, example: "lanes: 256")
            energy = reader.optional(.energyPerOp, Energy.self)
            efficiency = reader.optional(.efficiency, Double.self)
            if let efficiency, !PrecisionEntry.isShare(efficiency) {
                reader.error(
                    "efficiency is a share of the peak rate, above 0 and at most 1, found \(efficiency)",
                    at: .efficiency, hint: "efficiency: 0.8")
            }
            if let lanes, lanes < 1 || lanes > 1 << 32 {
                reader.error("lanes must be from 1 to 2^32, found \(lanes)", at: .lanes)
            }
            if let energy, energy.si <= 0 { reader.error("energy_per_op must be positive", at: .energyPerOp) }
            try reader.finish()
            self.lanes = try reader.unwrap(lanes)
        }
    }
}
