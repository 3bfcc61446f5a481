import Foundation
import JouleSpec
import JouleSystem

extension Session {
    /// The serving settings `set` takes, the keys of a serving sweep: a workload file, a
    /// cluster, the cluster's device, the plan, the batch cap and a per-device power cap.
    static let servingKeys = ["workload", "cluster", "device", "tp", "pp", "dp", "ep", "concurrency", "power_limit"]

    /// Checks and stores one serving setting.
    mutating func setServing(_ name: String, _ value: String) throws(SessionError) -> String {
        switch name {
        case "workload":
            let path = workloadPath(value)
            do {
                _ = try ServingWorkload.load(path)
            } catch {
                throw SessionError(error.items.first.map { "\(value): \($0.message)" } ?? "cannot load \(value)")
            }
            workload.serving[name] = path
            return "\(name) = \(Self.display(path))"
        case "cluster":
            do {
                _ = try Cluster.load(value, catalog: catalog)
            } catch {
                throw SessionError(error.items.first?.message ?? "cannot load the cluster '\(value)'")
            }
        case "device":
            do {
                _ = try Accelerator.load(value, catalog: catalog)
            } catch {
                throw SessionError(error.items.first?.message ?? "cannot load the hardware '\(value)'")
            }
        case "power_limit":
            guard let power = try? Power(parsing: value), power.si > 0, power.si.isFinite else {
                throw SessionError("power_limit takes a power such as 300 W, found '\(value)'")
            }
        default:
            guard let number = Int(value), number >= 1 else {
                throw SessionError("\(name) must be a whole number of at least 1, found '\(value)'")
            }
        }
        workload.serving[name] = value
        return "\(name) = \(value)"
    }

    /// A workload file's path: the path as given when it exists, else `NAME.yaml` in a
    /// `Workloads/` folder under the catalog's roots (`set workload chat`).
    func workloadPath(_ value: String) -> String {
        if FileManager.default.fileExists(atPath: value) || value.contains("/") { return value }
        for root in catalog.roots {
            let path = ((root as NSString).appendingPathComponent("Workloads") as NSString)
                .appendingPathComponent(value.hasSuffix(".yaml") ? value : value + ".yaml")
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return value
    }

    /// The `joule serve` words for the current settings: the model, the cluster (or the
    /// hardware on its own) and every serving setting.
    func serveWords() throws(SessionError) -> [String] {
        let m = try requireModel()
        guard let file = workload.serving["workload"] else {
            throw SessionError("serve needs a workload file first: set workload Workloads/chat.yaml")
        }
        guard let target = workload.serving["cluster"] ?? hardware?.path else {
            throw SessionError("serve needs a cluster or hardware: set cluster dgx-h100")
        }
        var words = [model?.path ?? m.name, target, "--workload", file]
        for key in ["tp", "pp", "dp", "ep", "concurrency", "device"] {
            if let value = workload.serving[key] { words += ["--" + key, value] }
        }
        if let cap = workload.serving["power_limit"] { words += ["--power-limit", cap] }
        if let precision = workload.precision { words += ["--precision", precision] }
        if workload.fusion != "auto" { words += ["--fusion", workload.fusion] }
        if workload.roofline != "mapped" { words += ["--roofline", workload.roofline] }
        if let point = workload.operatingPoint { words += ["--operating-point", point] }
        return words
    }

    /// `serve`: the steady state `joule serve` prints for the current settings (the files as
    /// loaded: edits to the hardware or model are noted, not served).
    func serve() throws(SessionError) -> String {
        var words = try serveWords()
        if format == .json { words += ["--format", "json"] }
        let text: String
        do {
            text = try ServeCommand.run(words)
        } catch {
            throw SessionError(error)
        }
        // The hardware counts only when it is what is served (no cluster set).
        let served = workload.serving["cluster"] == nil ? ["hardware ", "model "] : ["model "]
        let edited = unsavedEdits.filter { edit in served.contains { edit.hasPrefix($0) } }
        return edited.isEmpty
            ? text
            : text + "\nnote: serve reads the files as loaded; not served: edits to " + edited.joined(separator: ", ")
    }
}
