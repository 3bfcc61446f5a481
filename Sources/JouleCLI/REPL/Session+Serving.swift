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

    /// One axis over a serving setting: `serve` at every value, with the least energy per
    /// output token and the shortest TPOT marked. Ctrl-C stops after the value being served.
    func serveSweep(_ key: String, _ values: [String]) throws(SessionError) -> String {
        var words: [(value: String, words: [String])] = []
        for value in values {
            var copy = self
            do {
                _ = try copy.set(key, to: value)
            } catch {
                throw SessionError("sweep \(key) = \(value): \(error.message)")
            }
            words.append((value, try copy.serveWords() + ["--format", "json"]))
        }
        let columns = [
            ("tpot_s", "TPOT"), ("ttft_s", "TTFT"), ("energy_per_output_token_j", "energy/token"),
            ("tokens_per_s", "tokens/s"), ("device_power_w", "power/device"),
        ]
        var rows: [(value: String, figures: [String: Double], error: String?)] = []
        for point in words {
            if Interrupt.requested { break }
            do {
                let text = try ServeCommand.run(point.words)
                let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
                var figures: [String: Double] = [:]
                for (name, _) in columns { figures[name] = object[name] as? Double }
                rows.append((point.value, figures, nil))
            } catch {
                rows.append((point.value, [:], SessionError(error).message))
            }
        }
        let leastEnergy = rows.compactMap { $0.figures["energy_per_output_token_j"] }.min()
        let leastTPOT = rows.compactMap { $0.figures["tpot_s"] }.min()
        let interrupted = rows.count < words.count
        let note =
            interrupted
            ? "interrupted (Ctrl-C) after \(rows.count) of \(words.count) values; the rest were not served" : nil
        if format == .json {
            return JSONOutput.render([
                "key": key, "interrupted": interrupted, "best_by": ["energy_per_output_token_j", "tpot_s"],
                "points": rows.map { row -> [String: Any] in
                    guard row.error == nil else { return ["value": row.value, "error": row.error ?? ""] }
                    var object: [String: Any] = ["value": row.value]
                    for (name, figure) in row.figures { object[name] = figure }
                    return object
                },
            ])
        }
        let csv = format == .csv
        var table = TextTable(
            [key] + columns.map { csv ? $0.0 : $0.1 } + [csv ? "error" : "best"],
            alignments: [.right] + columns.map { _ in .right } + [.left])
        for row in rows {
            if let error = row.error {
                table.add(
                    csv
                        ? [row.value] + columns.map { _ in "" } + [error]
                        : [row.value, "error: " + error] + columns.dropFirst().map { _ in "" } + [""])
                continue
            }
            let f = row.figures
            if csv {
                table.add([row.value] + columns.map { f[$0.0].map { "\($0)" } ?? "" } + [""])
                continue
            }
            var best: [String] = []
            if f["energy_per_output_token_j"] == leastEnergy { best.append("energy/token") }
            if f["tpot_s"] == leastTPOT { best.append("TPOT") }
            table.add([
                row.value, Time(si: f["tpot_s"] ?? .nan).description, Time(si: f["ttft_s"] ?? .nan).description,
                Energy(si: f["energy_per_output_token_j"] ?? .nan).description,
                QuantityFormat.number(f["tokens_per_s"] ?? .nan), Power(si: f["device_power_w"] ?? .nan).description,
                best.joined(separator: ", "),
            ])
        }
        if csv { return table.csv() }
        return ([table.render()] + (note.map { [$0] } ?? [])).joined(separator: "\n")
    }
}
