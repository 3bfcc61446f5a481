import Foundation
import JouleEval
import JouleSpec
import JouleSystem
import YAML

/// One evaluated point of a sweep.
public struct PointResult: Sendable, Hashable {
    /// The point's id (its position in the design space).
    public var id: Int
    /// The setting of every swept key, in `SweepPlan.keys` order.
    public var values: [String]
    /// Every metric, in column units (area in mm^2); empty when the point failed.
    public var metrics: [Metric: Double]
    /// Whether every constraint holds (false for failed points).
    public var feasible: Bool
    /// The first violated constraint, as written.
    public var violated: String
    /// Why the point could not be evaluated (invalid hardware, no mapping ...).
    public var error: String
}

/// A sweep ready to run: the spec with its base hardware and model loaded, every axis key
/// checked, and the points enumerated. Evaluating a point is thread-safe; the mapper cache and
/// the decoded hardware are shared between points.
public final class SweepPlan: @unchecked Sendable {
    /// The sweep.
    public let spec: SweepSpec
    /// Value indices per axis, by point id.
    public let points: DesignSpace
    /// Every swept key, axes flattened (linked keys side by side), then the derived keys.
    public let keys: [String]
    /// The mapping results shared by all points.
    public let cache = MapperCache()

    /// Keys that set the workload rather than the hardware.
    public static let workloadKeys: Set<String> = [
        "batch", "sequence", "context", "model", "phase", "precision", "dataflow", "fusion", "attention", "logits",
        "operating_point", "roofline", "sparsity", "activation_density", "speculative", "draft_tokens", "acceptance",
        "power_limit", "cluster", "device", "tp", "pp", "dp", "ep", "concurrency",
    ]

    /// Workload keys only a serving sweep (one with a `workload:` file) takes.
    public static let servingKeys: Set<String> = ["cluster", "device", "tp", "pp", "dp", "ep", "concurrency"]

    /// Whether each point is a serving steady state (the base names a workload file).
    public var isServing: Bool { spec.base.workload != nil }

    /// The files the points are computed from, besides the sweep file: the base hardware, the
    /// base model, and every model a `model` axis names, each with its role.
    public let inputFiles: [(role: String, path: String)]

    private let specLines: SourceLines?
    private let hardwareNode: YAMLNode
    private let hardwarePath: String
    private let hardwareLines: SourceLines
    let catalog: Catalog
    private let baseModel: ModelConfig
    let lock = NSLock()
    /// Serving sweeps: loaded clusters, devices and workload files, by name.
    var clusterCache: [String: Result<Cluster, SweepError>] = [:]
    var deviceCache: [String: Result<Accelerator, SweepError>] = [:]
    var servingWorkload: Result<ServingWorkload, SweepError>?
    private var hardwareCache: [[String]: Result<Accelerator, SweepError>] = [:]
    private var modelCache: [String: Result<ModelConfig, SweepError>] = [:]

    /// Loads the base design and checks every axis; errors point into the sweep file.
    public init(spec: SweepSpec, catalog: Catalog = .standard()) throws(Diagnostics) {
        self.spec = spec
        var roots = catalog.roots
        roots.insert((spec.path as NSString).deletingLastPathComponent, at: 0)
        self.catalog = Catalog(roots: roots)
        keys = spec.axes.flatMap(\.keys) + spec.derived.map(\.key)
        specLines = (try? Catalog.readText(spec.path)).map(SourceLines.init)
        let lines = specLines
        /// An error about a file the sweep names, at the `hardware:` or `model:` value naming it;
        /// errors inside that file keep their own positions.
        func atReference(_ error: Diagnostics, mark: SourceMark?) -> Diagnostics {
            Diagnostics(
                error.items.map { item in
                    guard item.mark == nil else { return item }
                    let message = item.path == spec.path ? item.message : "\(item.path): \(item.message)"
                    return Diagnostic(
                        path: spec.path, mark: mark, message: message, hint: item.hint,
                        sourceLine: mark.flatMap { lines?.line($0.line) })
                })
        }
        let hardwareMark = spec.base.hardwareMark
        guard let path = self.catalog.resolve(spec.base.hardware, shelf: .hardware) else {
            throw atReference(
                Diagnostics([
                    Diagnostic(
                        path: spec.path, mark: nil, message: "no hardware named '\(spec.base.hardware)'",
                        hint: Suggestion.hint(for: spec.base.hardware, among: self.catalog.names(on: .hardware)))
                ]), mark: hardwareMark)
        }
        hardwarePath = path
        let node: YAMLNode
        do throws(Diagnostics) {
            let text = try Catalog.readText(path)
            hardwareLines = SourceLines(text)
            guard let parsed = try YAMLParser().parse(text, path: path) else {
                throw Diagnostics([Diagnostic(path: path, mark: nil, message: "the hardware file is empty")])
            }
            node = parsed
            _ = try YAMLDecoder().decode(Accelerator.self, from: node, path: path, lines: hardwareLines)
        } catch {
            throw atReference(error, mark: hardwareMark)
        }
        hardwareNode = node
        do throws(Diagnostics) {
            baseModel = try ModelConfig.load(spec.base.model, catalog: self.catalog)
        } catch {
            throw atReference(error, mark: spec.base.modelMark)
        }
        var files = [(role: "base hardware file", path: path)]
        if let modelPath = self.catalog.resolve(spec.base.model, shelf: .models) {
            files.append((role: "base model file", path: modelPath))
        }
        if let draft = spec.base.speculative, let draftPath = self.catalog.resolve(draft, shelf: .models) {
            files.append((role: "draft model file", path: draftPath))
        }
        for axis in spec.axes {
            for (j, key) in axis.keys.enumerated() where key == "model" || key == "speculative" {
                for row in axis.values {
                    if let modelPath = self.catalog.resolve(row[j], shelf: .models) {
                        files.append((role: "model file for \(key)=\(row[j])", path: modelPath))
                    }
                }
            }
        }
        if let workload = spec.base.workload {
            files.append((role: "serving workload file", path: Self.resolve(workload, beside: spec.path)))
        }
        var clusters = spec.base.cluster.map { [$0] } ?? []
        var devices = spec.base.device.map { [$0] } ?? []
        for axis in spec.axes {
            for (j, key) in axis.keys.enumerated() {
                if key == "cluster" { clusters += axis.values.map { $0[j] } }
                if key == "device" { devices += axis.values.map { $0[j] } }
            }
        }
        for name in clusters {
            if let clusterPath = Cluster.resolve(name, catalog: self.catalog) {
                files.append((role: "cluster file \(name)", path: clusterPath))
            }
        }
        for name in devices {
            if let devicePath = self.catalog.resolve(name, shelf: .hardware) {
                files.append((role: "device file \(name)", path: devicePath))
            }
        }
        inputFiles = files
        do {
            points = try DesignSpace(axes: spec.axes, strategy: spec.strategy)
        } catch {
            throw Diagnostics([Diagnostic(path: spec.path, mark: nil, message: error.message, hint: error.hint)])
        }
        try checkAxes()
    }

    private func diagnostic(_ message: String, at mark: SourceMark?, hint: String? = nil) -> Diagnostic {
        Diagnostic(
            path: spec.path, mark: mark, message: message, hint: hint,
            sourceLine: mark.flatMap { specLines?.line($0.line) }
        )
    }

    /// Every hardware key must lead somewhere in the base file, and every value must read (a
    /// derived key is checked with its value at the first point).
    private func checkAxes() throws(Diagnostics) {
        var problems: [Diagnostic] = []
        var checked: [(keys: [String], marks: [SourceMark?], values: [[String]])] = spec.axes.map {
            ($0.keys, $0.marks, $0.values)
        }
        if !points.isEmpty {
            let first = settings(0)
            for axis in spec.derived {
                guard let value = first.first(where: { $0.key == axis.key })?.value, !value.isEmpty else { continue }
                checked.append(([axis.key], [axis.mark], [[value]]))
            }
        }
        for axis in checked {
            for (j, (key, mark)) in zip(axis.keys, axis.marks).enumerated() {
                for row in axis.values {
                    let value = row[j]
                    if Self.workloadKeys.contains(key) {
                        if let message = checkWorkload(key: key, value: value) {
                            problems.append(diagnostic("\(key) = \(value): \(message)", at: mark))
                            break
                        }
                        continue
                    }
                    let path = Self.hardwarePath(key)
                    do {
                        let node = try hardwareNode.setting(
                            path, to: YAMLNode(.scalar(value, plain: true), at: SourceMark(line: 1, column: 1)))
                        _ = try YAMLDecoder().decode(
                            Accelerator.self, from: node, path: hardwarePath, lines: hardwareLines)
                    } catch let error as KeyPathError {
                        let hint = error.suggestion.map { "did you mean '\($0)'?" }
                        problems.append(
                            diagnostic(
                                "unknown key path '\(key)' in \(spec.base.hardware): \(error.message)", at: mark,
                                hint: hint))
                        break
                    } catch let error as Diagnostics {
                        if let unknown = error.items.first(where: { $0.message.hasPrefix("unknown key") }) {
                            problems.append(
                                diagnostic(
                                    "unknown key path '\(key)': \(unknown.message)", at: mark, hint: unknown.hint))
                            break
                        }
                        if let first = error.items.first,
                            first.message.hasPrefix("expected") || first.message.hasPrefix("unknown unit")
                        {
                            problems.append(
                                diagnostic("\(key) = \(value): \(first.message)", at: mark, hint: first.hint))
                            break
                        }
                    } catch {
                        problems.append(diagnostic("\(key) = \(value): \(error)", at: mark))
                        break
                    }
                }
            }
        }
        if !problems.isEmpty { throw Diagnostics(problems) }
    }

    /// Nil when a workload value reads, else why not.
    private func checkWorkload(key: String, value: String) -> String? {
        if Self.servingKeys.contains(key) && !isServing {
            return "\(key) applies to a serving sweep; give the base a workload file (workload: Workloads/chat.yaml)"
        }
        switch key {
        case "tp", "pp", "dp", "ep", "concurrency":
            return (Int(value) ?? 0) >= 1 ? nil : "must be a whole number of at least 1"
        case "cluster":
            if case .failure(let error) = cluster(value) { return error.message }
            return nil
        case "device":
            if case .failure(let error) = device(value) { return error.message }
            return nil
        case "batch", "sequence", "context":
            return (Int(value) ?? 0) >= 1 ? nil : "must be a whole number of at least 1"
        case "operating_point":
            return (Int(value) ?? -1) >= 0 || value.hasSuffix("%")
                ? nil : "must be an operating-point index (0 is nominal) or a share of the clock such as 80%"
        case "power_limit":
            guard let power = try? Power(parsing: value), power.si > 0, power.si.isFinite else {
                return "must be a power such as 300 W"
            }
            return nil
        case "phase":
            return ["prefill", "decode", "training"].contains(value) ? nil : "expected prefill, decode or training"
        case "precision":
            return (try? PrecisionConfig(parsing: value)) == nil ? "unknown precision" : nil
        case "dataflow":
            return value == "any" || Dataflow(name: value) != nil ? nil : "unknown dataflow"
        case "fusion":
            return GraphOptions.fusionProblem(value)
        case "attention":
            return GraphOptions.Attention(rawValue: value) == nil ? "expected causal or full" : nil
        case "logits":
            return GraphOptions.Logits(rawValue: value) == nil ? "expected last or all" : nil
        case "roofline":
            return RooflineMode(rawValue: value) == nil ? "expected ideal or mapped" : nil
        case "model", "speculative":
            if case .failure(let error) = model(value) { return error.message }
            return nil
        case "sparsity":
            if value == "dense" { return nil }
            do {
                _ = try SparsityPattern(parsing: value)
                return nil
            } catch {
                return error.message + ", or dense"
            }
        case "activation_density":
            return (Double(value).map { $0 > 0 && $0 <= 1 } ?? false) ? nil : "must be a fraction in (0, 1]"
        case "draft_tokens":
            let k = Int(value) ?? 0
            return value == "auto" || (k >= 1 && k <= SpeculativeDecoding.maximumDraftTokens)
                ? nil : "must be a whole number in 1...\(SpeculativeDecoding.maximumDraftTokens) or auto"
        case "acceptance":
            return (Double(value).map { $0 >= 0 && $0 <= 1 } ?? false) ? nil : "must be a probability in [0, 1]"

        default:
            return nil
        }
    }

    /// A hardware key path without its optional `hardware.` prefix, split at dots.
    static func hardwarePath(_ key: String) -> [String] {
        let parts = key.split(separator: ".").map(String.init)
        return parts.first == "hardware" ? Array(parts.dropFirst()) : parts
    }

    /// The settings of a point: key and value for every swept key.
    public func settings(_ id: Int) -> [(key: String, value: String)] { settings(indices: points[id]) }

    /// The settings of a value index per axis, then the derived keys' values (empty where
    /// the expression has no value, e.g. a division by zero).
    public func settings(indices: [Int]) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        for (axis, index) in zip(spec.axes, indices) {
            for (j, key) in axis.keys.enumerated() { result.append((key, axis.values[index][j])) }
        }
        for axis in spec.derived { result.append((axis.key, axis.value(result) ?? "")) }
        return result
    }

    func model(_ name: String) -> Result<ModelConfig, SweepError> {
        lock.lock()
        if let cached = modelCache[name] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let result: Result<ModelConfig, SweepError>
        do {
            result = .success(try ModelConfig.load(name, catalog: catalog))
        } catch {
            result = .failure(SweepError(error.items.first?.message ?? "cannot load model \(name)"))
        }
        lock.lock()
        modelCache[name] = result
        lock.unlock()
        return result
    }

    private func hardware(_ settings: [(key: String, value: String)]) -> Result<Accelerator, SweepError> {
        let hardwareSettings = settings.filter { !Self.workloadKeys.contains($0.key) }
        let cacheKey = hardwareSettings.map { $0.key + "=" + $0.value }
        lock.lock()
        if let cached = hardwareCache[cacheKey] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        var node = hardwareNode
        let result: Result<Accelerator, SweepError>
        do {
            for setting in hardwareSettings {
                node = try node.setting(
                    Self.hardwarePath(setting.key),
                    to: YAMLNode(.scalar(setting.value, plain: true), at: SourceMark(line: 1, column: 1)))
            }
            result = .success(
                try YAMLDecoder().decode(Accelerator.self, from: node, path: hardwarePath, lines: hardwareLines))
        } catch let error as Diagnostics {
            result = .failure(SweepError("invalid hardware: " + (error.items.first?.message ?? "\(error)")))
        } catch {
            result = .failure(SweepError("invalid hardware: \(error)"))
        }
        lock.lock()
        hardwareCache[cacheKey] = result
        lock.unlock()
        return result
    }

    /// One speculative-decoding cycle for a decode point: the draft tokens asked, or with
    /// `auto` the k in 1...16 of lowest energy per accepted token.
    private func speculative(
        draft: ModelConfig, target: ModelConfig, graph: Graph, workload: [String: String], evaluator: Evaluator
    ) throws(SweepError) -> SpeculativeEvaluation {
        guard case .decode(let batch, let context) = graph.phase else {
            throw SweepError("speculative decoding applies to the decode phase")
        }
        guard let acceptanceText = workload["acceptance"] ?? spec.base.acceptance,
            let acceptance = Double(acceptanceText)
        else {
            throw SweepError("speculative decoding needs acceptance: A, e.g. acceptance: 0.8")
        }
        let draftText = workload["draft_tokens"] ?? spec.base.draftTokens ?? "auto"
        let range: ClosedRange<Int>
        if draftText == "auto" {
            range = 1...16
        } else {
            guard let k = Int(draftText) else { throw SweepError("draft_tokens must be a whole number or auto") }
            range = k...k
        }
        let table: [SpeculativeEvaluation]
        do {
            table = try evaluator.evaluateSpeculative(
                target: target, draft: draft, precision: graph.precision, options: graph.options, batch: batch,
                context: context, acceptance: acceptance, draftTokens: range)
        } catch {
            throw SweepError(error.message)
        }
        guard let best = table.min(by: { $0.energyPerToken < $1.energyPerToken }) else {
            throw SweepError("no draft-token count to evaluate")
        }
        return best
    }

    /// Evaluates one point. Never throws: a point that cannot be evaluated records why.
    public func evaluate(_ id: Int) -> PointResult { evaluate(indices: points[id], id: id) }

    /// Evaluates the point at some value indices (one per axis), numbered `id`.
    public func evaluate(indices: [Int], id: Int) -> PointResult {
        let settings = self.settings(indices: indices)
        var result = PointResult(
            id: id, values: settings.map(\.value), metrics: [:], feasible: false, violated: "", error: "")
        do {
            try evaluate(settings, into: &result)
        } catch {
            result.error = error.description
        }
        return result
    }

    private func evaluate(_ settings: [(key: String, value: String)], into result: inout PointResult) throws(SweepError)
    {
        for axis in spec.derived where settings.first(where: { $0.key == axis.key })?.value.isEmpty ?? true {
            throw SweepError("\(axis.key) = \(axis.text) has no value here (a division by zero)")
        }
        var hardware = try self.hardware(settings).get()
        var workload: [String: String] = [:]
        for setting in settings where Self.workloadKeys.contains(setting.key) { workload[setting.key] = setting.value }
        let base = spec.base
        var model = baseModel
        if let name = workload["model"] { model = try self.model(name).get() }
        let batch = workload["batch"].flatMap { Int($0) } ?? base.batch
        let phaseName = workload["phase"] ?? base.phase
        let fallback = min(2048, model.maxPositions)
        let phase: Phase
        switch phaseName {
        case "decode":
            phase = .decode(batch: batch, context: workload["context"].flatMap { Int($0) } ?? base.context ?? fallback)
        case "training":
            phase = .training(
                batch: batch, sequence: workload["sequence"].flatMap { Int($0) } ?? base.sequence ?? fallback)
        default:
            phase = .prefill(
                batch: batch, sequence: workload["sequence"].flatMap { Int($0) } ?? base.sequence ?? fallback)
        }
        var precision = PrecisionConfig.default(for: hardware)
        if let text = workload["precision"] ?? base.precision {
            do {
                precision = try PrecisionConfig(parsing: text)
            } catch {
                throw SweepError(error.message)
            }
        }
        var options = GraphOptions.defaults(for: model)
        if let text = workload["attention"] ?? base.attention, let attention = GraphOptions.Attention(rawValue: text) {
            options.attention = attention
        }
        if let text = workload["logits"] ?? base.logits, let logits = GraphOptions.Logits(rawValue: text) {
            options.logits = logits
        }
        // `joule eval`'s default: mapped points fuse each chain where that pays.
        let ideal = (workload["roofline"].flatMap(RooflineMode.init(rawValue:)) ?? base.roofline) == .ideal
        let fusion = GraphOptions.fusionInEffect(workload["fusion"] ?? base.fusion, ideal: ideal)
        if let problem = GraphOptions.fusionProblem(fusion) { throw SweepError(problem) }
        _ = options.setFusion(fusion)
        if let text = workload["sparsity"] ?? base.sparsity, text != "dense" {
            do {
                options.weightSparsity = try SparsityPattern(parsing: text)
            } catch {
                throw SweepError(error.message)
            }
        }
        if let text = workload["activation_density"] ?? base.activationDensity {
            guard let density = Double(text) else { throw SweepError("activation_density must be a number") }
            options.activationDensity = density
        }
        if isServing {
            let dataflow = (workload["dataflow"] ?? base.dataflow).flatMap { $0 == "any" ? nil : Dataflow(name: $0) }
            let mode = workload["roofline"].flatMap(RooflineMode.init(rawValue:)) ?? base.roofline
            try serve(
                workload, hardware: hardware, model: model, precision: workload["precision"] ?? base.precision,
                options: options, mode: mode, dataflow: dataflow, into: &result)
            return
        }
        let graph: Graph
        do {
            graph = try GraphBuilder(model: model, precision: precision, options: options).build(phase)
        } catch {
            throw SweepError(error.message)
        }
        let dataflowName = workload["dataflow"] ?? base.dataflow
        let dataflow = dataflowName.flatMap { $0 == "any" ? nil : Dataflow(name: $0) }
        var point = base.operatingPoint
        if let text = workload["operating_point"] {
            guard let selected = hardware.selectingOperatingPoint(text) else {
                throw SweepError(
                    "\(hardware.name) has no operating point '\(text)' (\(hardware.operatingPoints.count) listed)")
            }
            (hardware, point) = selected
        }
        let mode = workload["roofline"].flatMap(RooflineMode.init(rawValue:)) ?? base.roofline
        if let text = workload["power_limit"] {
            if workload["operating_point"] != nil {
                throw SweepError(
                    "power_limit lets the clock settle where the cap holds; sweep it or operating_point, not both")
            }
            (hardware, point) = try settle(
                limit: text, graph: graph, hardware: hardware, mode: mode, dataflow: dataflow)
        }
        let evaluator: Evaluator
        do {
            evaluator = try Evaluator(
                hardware: hardware, mode: mode, objective: base.mapperObjective, dataflow: dataflow,
                operatingPoint: point,
                cache: cache, tilingBudget: spec.tilingBudget)
        } catch {
            throw SweepError(error.message)
        }
        // Zeus's max power: the highest power limit the device accepts, else its TDP.
        let maxPower = hardware.powerLimits?.maximum.si ?? hardware.tdp.value.si
        // Each total sums every operator: take them once.
        let energy: Double
        let seconds: Double
        let tokens: Double
        if let draftName = workload["speculative"] ?? base.speculative {
            let cycle = try speculative(
                draft: try self.model(draftName).get(), target: model, graph: graph, workload: workload,
                evaluator: evaluator)
            (energy, seconds, tokens) = (cycle.energyPerCycle, cycle.secondsPerCycle, cycle.tokensPerCycle)
        } else {
            for key in ["draft_tokens", "acceptance"] where workload[key] != nil {
                throw SweepError("\(key) applies with speculative: DRAFT_MODEL")
            }
            do {
                let evaluation = try evaluator.evaluate(graph)
                (energy, seconds, tokens) = (evaluation.energy.total, evaluation.seconds, Double(graph.tokens))
            } catch {
                throw SweepError(error.message)
            }
        }
        result.metrics = [
            .energy: energy, .energyPerToken: energy / max(1, tokens), .latency: seconds,
            .timePerToken: seconds / max(1, tokens), .edp: energy * seconds,
            .area: hardware.area.total.value.squareMillimetres, .power: seconds > 0 ? energy / seconds : 0,
            .tokensPerJoule: energy > 0 ? tokens / energy : 0, .tokensPerSecond: seconds > 0 ? tokens / seconds : 0,
            .cost: spec.eta * energy + (1 - spec.eta) * maxPower * seconds,
        ]
        result.feasible = true
        for constraint in spec.constraints {
            var fits = true
            if constraint.kind == .fitsMemory {
                let capacity = hardware.dram?.totalSize.si ?? hardware.memory.first?.totalSize.si ?? 0
                fits = graph.weightBytes(on: hardware) + graph.kvCacheBytes <= capacity
            }
            if !constraint.holds(metrics: result.metrics, fitsMemory: fits) {
                result.feasible = false
                result.violated = constraint.text
                break
            }
        }
    }

    /// The hardware with the point a power cap settles the clock at, as the GPU driver lowers it
    /// until the predicted power fits (`PowerCap`), with the point's own evaluation settings.
    private func settle(
        limit text: String, graph: Graph, hardware: Accelerator, mode: RooflineMode, dataflow: Dataflow?
    )
        throws(SweepError) -> (Accelerator, Int)
    {
        guard let limit = try? Power(parsing: text) else { throw SweepError("power_limit '\(text)' is not a power") }
        let settled: PowerCap.Settled
        do {
            settled = try PowerCap.settle(limit: limit.si, hardware: hardware) {
                (candidate) throws(Evaluator.EvaluationError) in
                let (copy, index) = PowerCap.withPoint(candidate, hardware: hardware)
                let evaluator = try Evaluator(
                    hardware: copy, mode: mode, objective: spec.base.mapperObjective, dataflow: dataflow,
                    operatingPoint: index, cache: cache, tilingBudget: spec.tilingBudget)
                let evaluation = try evaluator.evaluate(graph)
                return (evaluation.seconds, evaluation.energy.total)
            }
        } catch {
            throw SweepError(error.description)
        }
        return PowerCap.withPoint(settled.point, hardware: hardware)
    }
}
