import Foundation
import JouleEval

extension SweepSpec {
    /// The sweep after defaults as named parts: what a sweep folder's fingerprint compares.
    public var parts: [SweepFingerprint.Part] {
        func part(_ name: String, _ value: String) -> SweepFingerprint.Part {
            SweepFingerprint.Part(name: name, values: [value], written: value)
        }
        func number(_ value: Double) -> String { String(format: "%.17g", value) }
        var out = [part("name", name)]
        let fields: [(String, String?)] = [
            ("hardware", base.hardware), ("model", base.model), ("phase", base.phase), ("batch", String(base.batch)),
            ("sequence", base.sequence.map(String.init)), ("context", base.context.map(String.init)),
            ("precision", base.precision), ("dataflow", base.dataflow), ("fusion", base.fusion),
            ("attention", base.attention), ("logits", base.logits), ("roofline", base.roofline.rawValue),
            ("mapper_objective", base.mapperObjective.rawValue), ("operating_point", String(base.operatingPoint)),
        ]
        out += fields.map { part("base." + $0, $1 ?? "default") }
        // Workload keys added later count only when set, so older sweep folders still compare equal.
        let later: [(String, String?)] = [
            ("sparsity", base.sparsity), ("activation_density", base.activationDensity),
            ("speculative", base.speculative), ("draft_tokens", base.draftTokens), ("acceptance", base.acceptance),
            ("workload", base.workload), ("cluster", base.cluster), ("device", base.device), ("tp", base.tp),
            ("pp", base.pp), ("dp", base.dp), ("ep", base.ep), ("concurrency", base.concurrency),
            ("power_limit", base.powerLimit),
        ]
        out += later.compactMap { name, value in value.map { part("base." + name, $0) } }
        let axisNames = axes.map { $0.keys.joined(separator: "+") }
        out.append(
            SweepFingerprint.Part(
                name: SweepFingerprint.axisOrder, values: axisNames, written: axisNames.joined(separator: ", ")))
        for (axis, axisName) in zip(axes, axisNames) {
            let values = axis.values.map { $0.joined(separator: " | ") }
            let written =
                values.count <= 4
                ? values.joined(separator: ", ")
                : "\(values[0]), \(values[1]), …, \(values[values.count - 1]) (\(values.count) values)"
            out.append(SweepFingerprint.Part(name: "axis " + axisName, values: values, written: written))
        }
        for axis in derived { out.append(part("derived " + axis.key, axis.text)) }
        switch strategy {
        case .grid: out.append(part("strategy", "grid"))
        case .random(let samples, let seed): out.append(part("strategy", "random, \(samples) samples, seed \(seed)"))
        case .sobol(let samples): out.append(part("strategy", "sobol, \(samples) samples"))
        }
        out.append(
            SweepFingerprint.Part(
                name: "objectives", values: objectives.map(\.rawValue),
                written: objectives.map(\.rawValue).joined(separator: ", ")))
        // A constraint's text as written is in points.csv (the violated column): compare the text.
        var seen: [String: Int] = [:]
        for constraint in constraints {
            let subject: String
            switch constraint.kind {
            case .fitsMemory: subject = "fits_memory"
            case .bound(let metric, _, _): subject = metric.rawValue
            }
            seen[subject, default: 0] += 1
            let count = seen[subject, default: 1]
            out.append(part("constraint \(subject)" + (count > 1 ? " (\(count))" : ""), constraint.text))
        }
        out.append(part("eta", number(eta)))
        out.append(
            part("tiling_budget", tilingBudget == Mapper.wholeSpace ? "none (whole mapspace)" : String(tilingBudget)))
        out.append(part("refine", refineIterations.map { "nelder_mead, \($0) iterations" } ?? "none"))
        return out
    }
}
