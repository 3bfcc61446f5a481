import Foundation
import JouleEval
import JouleSpec
import JouleSystem

extension SweepPlan {
    /// A path as given when it exists, else beside the sweep file.
    static func resolve(_ path: String, beside spec: String) -> String {
        if FileManager.default.fileExists(atPath: path) || path.hasPrefix("/") { return path }
        let beside = ((spec as NSString).deletingLastPathComponent as NSString).appendingPathComponent(path)
        return FileManager.default.fileExists(atPath: beside) ? beside : path
    }

    /// A cluster by name or path, loaded once.
    func cluster(_ name: String) -> Result<Cluster, SweepError> {
        lock.lock()
        if let cached = clusterCache[name] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let result: Result<Cluster, SweepError>
        do {
            result = .success(try Cluster.load(name, catalog: catalog))
        } catch {
            result = .failure(SweepError(error.items.first?.message ?? "cannot load cluster \(name)"))
        }
        lock.lock()
        clusterCache[name] = result
        lock.unlock()
        return result
    }

    /// A device's hardware file by name or path, loaded once.
    func device(_ name: String) -> Result<Accelerator, SweepError> {
        lock.lock()
        if let cached = deviceCache[name] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let result: Result<Accelerator, SweepError>
        do {
            result = .success(try Accelerator.load(name, catalog: catalog))
        } catch {
            result = .failure(SweepError(error.items.first?.message ?? "cannot load hardware \(name)"))
        }
        lock.lock()
        deviceCache[name] = result
        lock.unlock()
        return result
    }

    /// The base's serving workload file, loaded once.
    func servingWorkloadFile() -> Result<ServingWorkload, SweepError> {
        lock.lock()
        defer { lock.unlock() }
        if let servingWorkload { return servingWorkload }
        let path = Self.resolve(spec.base.workload ?? "", beside: spec.path)
        let result: Result<ServingWorkload, SweepError>
        do {
            result = .success(try ServingWorkload.load(path))
        } catch {
            result = .failure(SweepError(error.items.first.map { "\(path): \($0.message)" } ?? "cannot load \(path)"))
        }
        servingWorkload = result
        return result
    }

    /// One serving point: the model on the cluster (its devices the point's hardware, or the
    /// `device` file) under the point's plan, in continuous batching at the point's concurrency,
    /// under the point's per-device power cap (`ServingPowerCap`); every metric is the steady
    /// state's (`ServingResult.value`), and `fits_memory` holds, since the concurrency fits
    /// the KV capacity or the point fails saying so.
    func serve(
        _ settings: [String: String], hardware: Accelerator, model: ModelConfig, precision text: String?,
        options: GraphOptions, mode: RooflineMode, dataflow: Dataflow?, into result: inout PointResult
    ) throws(SweepError) {
        let base = spec.base
        var cluster = Cluster.single(hardware)
        if let name = settings["cluster"] ?? base.cluster { cluster = try self.cluster(name).get() }
        cluster.device = hardware
        if let name = settings["device"] ?? base.device { cluster.device = try device(name).get() }
        var point = base.operatingPoint
        if let text = settings["operating_point"] {
            guard let selected = cluster.device.selectingOperatingPoint(text) else {
                throw SweepError("\(cluster.device.name) has no operating point '\(text)'")
            }
            (cluster.device, point) = selected
        }
        var precision = PrecisionConfig.default(for: cluster.device)
        if let text {
            do {
                precision = try PrecisionConfig(parsing: text)
            } catch {
                throw SweepError(error.message)
            }
        }
        func degree(_ key: String, _ fallback: String?) -> Int { Int(settings[key] ?? fallback ?? "1") ?? 1 }
        let plan = ParallelPlan(
            tensor: degree("tp", base.tp), pipeline: degree("pp", base.pp), data: degree("dp", base.dp),
            expert: degree("ep", base.ep))
        var workload = try servingWorkloadFile().get()
        if let concurrency = (settings["concurrency"] ?? base.concurrency).flatMap({ Int($0) }) {
            (workload.concurrency, workload.requestsPerSecond) = (concurrency, nil)
        }
        let evaluator: Evaluator
        do {
            evaluator = try Evaluator(
                hardware: cluster.device, mode: mode, objective: base.mapperObjective, dataflow: dataflow,
                operatingPoint: point, cache: cache, tilingBudget: spec.tilingBudget)
        } catch {
            throw SweepError(error.message)
        }
        let batching = ContinuousBatching(
            system: SystemEvaluator(cluster: cluster, plan: plan, evaluator: evaluator), model: model,
            precision: precision, options: options)
        let served: ServingResult
        do {
            if let limitText = settings["power_limit"] ?? base.powerLimit {
                if settings["operating_point"] != nil {
                    throw SweepError(
                        "power_limit lets the clock settle where the cap holds; sweep it or operating_point, not both")
                }
                guard let limit = try? Power(parsing: limitText) else {
                    throw SweepError("power_limit '\(limitText)' is not a power")
                }
                served = try ServingPowerCap.settle(limit: limit.si, batching: batching) {
                    (moved, _) throws(SystemError) in try moved.steadyState(workload)
                }.result
            } else {
                served = try batching.steadyState(workload)
            }
        } catch let error as SweepError {
            throw error
        } catch {
            throw SweepError("\(error)")
        }
        result.metrics = served.metrics(eta: spec.eta)
        result.feasible = true
        if let failing = spec.constraints.first(where: { !$0.holds(metrics: result.metrics, fitsMemory: true) }) {
            result.feasible = false
            result.violated = failing.text
        }
    }
}
