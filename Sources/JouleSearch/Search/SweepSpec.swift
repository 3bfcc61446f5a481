import JouleEval
import JouleSpec
import YAML

/// A sweep file: a base design and workload, the axes to vary, how to pick points, what to
/// minimise, and what a point must satisfy.
public struct SweepSpec: Sendable, Decodable {
    /// How points are picked from the axes.
    public enum Strategy: Sendable, Hashable {
        /// Every combination.
        case grid
        /// `samples` uniform draws (GSL's MT19937 with `seed`).
        case random(samples: Int, seed: UInt)
        /// The first `samples` Sobol points (GSL), mapped to value indices.
        case sobol(samples: Int)
    }

    /// The starting point every axis modifies.
    public struct Base: Sendable, Decodable {
        public var hardware: String
        public var model: String
        /// Where the `hardware:` and `model:` values are, for errors about the files they name.
        public var hardwareMark: SourceMark?
        public var modelMark: SourceMark?
        public var phase: String
        public var batch: Int
        public var sequence: Int?
        public var context: Int?
        public var precision: String?
        public var dataflow: String?
        public var fusion: String?
        public var attention: String?
        public var logits: String?
        /// N:M weight sparsity (`2:4`), or nil for dense.
        public var sparsity: String?
        /// The fraction of non-zero FFN down-projection inputs (`activation_density`).
        public var activationDensity: String?
        /// Speculative decoding: the draft model, the draft tokens per verification (or
        /// `auto`) and the acceptance rate.
        public var speculative: String?
        public var draftTokens: String?
        public var acceptance: String?
        public var roofline: RooflineMode
        public var mapperObjective: Objective
        public var operatingPoint: Int
        /// A serving workload file: each point is a continuous-batching steady state (`joule
        /// serve`) instead of one phase, and the serving metrics are reported.
        public var workload: String?
        /// Serving: a cluster file (nil: the hardware on its own); its devices are the hardware.
        public var cluster: String?
        /// Serving: a hardware file for the cluster's devices in place of the base hardware.
        public var device: String?
        /// Serving: the parallel plan's tensor, pipeline, data and expert degrees.
        public var tp: String?
        public var pp: String?
        public var dp: String?
        public var ep: String?
        /// Serving: sequences decoding together (nil: the workload file's).
        public var concurrency: String?
        /// A per-device power cap for every point (`power_limit: 300 W`).
        public var powerLimit: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case hardware, model, phase, batch, sequence, context, precision, dataflow, fusion, attention, logits,
                roofline, sparsity, speculative, acceptance
            case activationDensity = "activation_density"
            case draftTokens = "draft_tokens"
            case mapperObjective = "mapper_objective"
            case operatingPoint = "operating_point"
            case workload, cluster, device, tp, pp, dp, ep, concurrency
            case powerLimit = "power_limit"
        }

        public init(from decoder: any Decoder) throws {
            var r = try MappingReader(decoder, keys: CodingKeys.self)
            let hardware = r.required(.hardware, String.self, example: "hardware: tpu-v1")
            let model = r.required(.model, String.self, example: "model: bert-base-uncased")
            hardwareMark = r.mark(of: .hardware)
            modelMark = r.mark(of: .model)
            phase = r.optional(.phase, String.self) ?? "prefill"
            batch = r.optional(.batch, Int.self) ?? 1
            sequence = r.optional(.sequence, Int.self)
            context = r.optional(.context, Int.self)
            precision = r.optional(.precision, String.self)
            dataflow = r.optional(.dataflow, String.self)
            fusion = r.optional(.fusion, String.self)
            attention = r.optional(.attention, String.self)
            logits = r.optional(.logits, String.self)
            sparsity = r.optional(.sparsity, String.self)
            activationDensity = r.optional(.activationDensity, String.self)
            speculative = r.optional(.speculative, String.self)
            draftTokens = r.optional(.draftTokens, String.self)
            acceptance = r.optional(.acceptance, String.self)
            let mode = r.optional(.roofline, String.self) ?? "mapped"
            roofline = RooflineMode(rawValue: mode) ?? .mapped
            if RooflineMode(rawValue: mode) == nil {
                r.error("unknown roofline '\(mode)'", at: .roofline, hint: "ideal or mapped")
            }
            let objective = r.optional(.mapperObjective, String.self) ?? "energy"
            mapperObjective = Objective(rawValue: objective) ?? .energy
            if Objective(rawValue: objective) == nil {
                r.error("unknown mapper objective '\(objective)'", at: .mapperObjective, hint: "energy, latency or edp")
            }
            operatingPoint = r.optional(.operatingPoint, Int.self) ?? 0
            workload = r.optional(.workload, String.self)
            cluster = r.optional(.cluster, String.self)
            device = r.optional(.device, String.self)
            tp = r.optional(.tp, Int.self).map(String.init)
            pp = r.optional(.pp, Int.self).map(String.init)
            dp = r.optional(.dp, Int.self).map(String.init)
            ep = r.optional(.ep, Int.self).map(String.init)
            concurrency = r.optional(.concurrency, Int.self).map(String.init)
            powerLimit = r.optional(.powerLimit, String.self)
            for (key, value) in [(CodingKeys.tp, tp), (.pp, pp), (.dp, dp), (.ep, ep), (.concurrency, concurrency)] {
                if let value, (Int(value) ?? 0) < 1 { r.error("\(key.stringValue) must be at least 1", at: key) }
            }
            if workload == nil {
                for key in [CodingKeys.cluster, .device, .tp, .pp, .dp, .ep, .concurrency] where r.has(key) {
                    r.error(
                        "\(key.stringValue) applies to a serving sweep; give a workload file", at: key,
                        hint: "workload: Workloads/chat.yaml")
                }
            }
            if !["prefill", "decode", "training"].contains(phase) {
                r.error(
                    "unknown phase '\(phase)'", at: .phase,
                    hint: Suggestion.hint(for: phase, among: ["prefill", "decode", "training"]))
            }
            if batch < 1 { r.error("batch must be at least 1", at: .batch) }
            try r.finish()
            self.hardware = try r.unwrap(hardware)
            self.model = try r.unwrap(model)
        }
    }

    /// A name for reports.
    public var name: String
    public var base: Base
    public var axes: [Axis]
    /// Keys computed from the axes' values at each point (`{ key, derived }` entries of `axes:`).
    public var derived: [DerivedAxis] = []
    public var strategy: Strategy
    /// The figures to minimise (or maximise, for throughput metrics) together.
    public var objectives: [Metric]
    public var constraints: [Constraint]
    /// Zeus's eta for the `cost` metric (1: energy only, 0: time only).
    public var eta: Double
    /// Tilings the mapper walks per spatial and keep/bypass pair: `Mapper.wholeSpace` (the
    /// default: every mapping is the optimum of its mapspace), or a budget that trades that
    /// for speed.
    public var tilingBudget: Int
    /// Nelder–Mead iterations that refine the best point along the numeric axes (nil: none).
    public var refineIterations: Int?
    /// The file this came from (relative hardware and model paths resolve against its folder).
    public var path = ""

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, base, axes, strategy, objectives, constraints, eta, refine
        case tilingBudget = "tiling_budget"
    }

    enum StrategyKeys: String, CodingKey, CaseIterable { case random, sobol }
    enum SampleKeys: String, CodingKey, CaseIterable { case samples, seed }

    struct Samples: Decodable {
        var samples: Int
        var seed: UInt
        init(from decoder: any Decoder) throws {
            var r = try MappingReader(decoder, keys: SampleKeys.self)
            let samples = r.required(.samples, Int.self, example: "samples: 100")
            seed = r.optional(.seed, UInt.self) ?? 1
            if let samples, samples < 1 { r.error("samples must be at least 1", at: .samples) }
            try r.finish()
            self.samples = try r.unwrap(samples)
        }
    }

    /// `refine: nelder_mead` or `refine: { nelder_mead: { iterations: 40 } }`.
    struct RefineEntry: Decodable {
        var iterations: Int
        enum Keys: String, CodingKey, CaseIterable { case nelderMead = "nelder_mead" }
        enum IterationKeys: String, CodingKey, CaseIterable { case iterations }
        struct Options: Decodable {
            var iterations: Int
            init(from decoder: any Decoder) throws {
                var r = try MappingReader(decoder, keys: IterationKeys.self)
                iterations = r.optional(.iterations, Int.self) ?? 40
                if iterations < 1 { r.error("iterations must be at least 1", at: .iterations) }
                try r.finish()
            }
        }
        init(from decoder: any Decoder) throws {
            if let text = decoder.yamlNode?.scalar {
                guard text == "nelder_mead" else {
                    throw decoder.diagnostic("unknown refinement '\(text)'", hint: "refine: nelder_mead")
                }
                iterations = 40
                return
            }
            var r = try MappingReader(decoder, keys: Keys.self)
            let options = r.required(.nelderMead, Options.self, example: "refine: { nelder_mead: { iterations: 40 } }")
            try r.finish()
            iterations = try r.unwrap(options).iterations
        }
    }

    /// An entry of `axes:`: an axis, or a derived key.
    enum AxisItem: Decodable {
        case axis(Axis)
        case derived(DerivedAxisEntry)

        init(from decoder: any Decoder) throws {
            if decoder.yamlNode?["derived"] != nil {
                self = .derived(try DerivedAxisEntry(from: decoder))
            } else {
                self = .axis(try Axis(from: decoder))
            }
        }
    }

    struct StrategyEntry: Decodable {
        var strategy: Strategy
        init(from decoder: any Decoder) throws {
            if let text = decoder.yamlNode?.scalar {
                guard text == "grid" else {
                    throw decoder.diagnostic(
                        "unknown strategy '\(text)'",
                        hint: "grid, { random: { samples: 100, seed: 1 } } or { sobol: { samples: 64 } }")
                }
                strategy = .grid
                return
            }
            var r = try MappingReader(decoder, keys: StrategyKeys.self)
            let random = r.optional(.random, Samples.self)
            let sobol = r.optional(.sobol, Samples.self)
            try r.finish()
            if let random {
                strategy = .random(samples: random.samples, seed: random.seed)
            } else if let sobol {
                strategy = .sobol(samples: sobol.samples)
            } else {
                throw decoder.diagnostic("a strategy mapping names random or sobol", hint: "{ sobol: { samples: 64 } }")
            }
        }
    }

    public init(from decoder: any Decoder) throws {
        var r = try MappingReader(decoder, keys: CodingKeys.self)
        name = r.optional(.name, String.self) ?? "sweep"
        let base = r.required(
            .base, Base.self,
            example: "base: { hardware: tpu-v1, model: bert-base-uncased, phase: prefill, sequence: 128 }")
        let items = r.required(.axes, [AxisItem].self, example: "axes: [ { key: batch, values: [1, 8] } ]")
        let axes = items.map { items in
            items.compactMap { item -> Axis? in
                guard case .axis(let axis) = item else { return nil }
                return axis
            }
        }
        strategy = r.optional(.strategy, StrategyEntry.self)?.strategy ?? .grid
        objectives = r.optional(.objectives, [Metric].self) ?? Self.defaultObjectives(axes ?? [])
        constraints = r.optional(.constraints, [Constraint].self) ?? []
        eta = r.optional(.eta, Double.self) ?? 0.5
        tilingBudget = r.optional(.tilingBudget, Int.self) ?? Mapper.wholeSpace
        refineIterations = nil
        if let refine = r.optional(.refine, RefineEntry.self) { refineIterations = refine.iterations }
        if let axes, axes.isEmpty { r.error("list at least one axis", at: .axes) }
        if objectives.isEmpty { r.error("list at least one objective", at: .objectives) }
        if eta < 0 || eta > 1 { r.error("eta must lie in [0, 1], found \(eta)", at: .eta) }
        if tilingBudget < 1 { r.error("tiling_budget must be at least 1", at: .tilingBudget) }
        var seen: [String: Bool] = [:]
        for axis in axes ?? [] {
            for (key, mark) in zip(axis.keys, axis.marks) {
                if seen[key] != nil { r.error("key '\(key)' is swept by two axes; link them instead", atMark: mark) }
                seen[key] = true
            }
        }
        // Derived keys read the axes (and the derived keys before them), wherever they are listed.
        var derivedAxes: [DerivedAxis] = []
        var known = (axes ?? []).flatMap(\.keys)
        var numeric: [String: Bool] = [:]
        for axis in axes ?? [] {
            for (j, key) in axis.keys.enumerated() {
                numeric[key] = axis.values.allSatisfy { Double($0[j].trimmingCharacters(in: .whitespaces)) != nil }
            }
        }
        for item in items ?? [] {
            guard case .derived(let entry) = item else { continue }
            if seen[entry.key.value] != nil {
                r.error(
                    "key '\(entry.key.value)' is both swept and derived", atMark: entry.key.mark,
                    hint: "derive it or list its values, not both")
                continue
            }
            seen[entry.key.value] = true
            switch entry.resolve(keys: known, numeric: numeric) {
            case .success(let axis):
                derivedAxes.append(axis)
                known.append(axis.key)
                numeric[axis.key] = true
            case .failure(let problem):
                r.error(problem.message, atMark: problem.mark, hint: problem.hint)
            }
        }
        try r.finish()
        self.base = try r.unwrap(base)
        self.axes = try r.unwrap(axes)
        self.derived = derivedAxes
    }

    /// The objectives of a file that names none: energy and time per token where an axis varies
    /// the batch (a step of batch 1 does the least work, so per-step figures would rank it
    /// best), else energy per token and latency per step.
    public static func defaultObjectives(_ axes: [Axis]) -> [Metric] {
        axes.contains { $0.keys.contains("batch") } ? [.energyPerToken, .timePerToken] : [.energyPerToken, .latency]
    }

    /// Loads a sweep file.
    public static func load(_ path: String) throws(Diagnostics) -> SweepSpec {
        var spec = try Catalog.decode(SweepSpec.self, path: path)
        spec.path = path
        return spec
    }
}
