import Foundation
import JouleSpec

/// Prints a graph's totals and its operators grouped by role.
struct GraphReport {
    let graph: Graph

    /// Operators of one role and pass.
    struct Group {
        var role: OperatorRole
        var pass: Pass
        var count = 0
        var shapes: [String] = []
        var flops = 0.0
        var bytes = 0.0
    }

    static func shape(_ op: Operator) -> String {
        switch op.kind {
        case .gemm(let g):
            return "\(g.b) x \(g.m) x \(g.n) x \(g.k)"
                + (g.density < 1 ? " (\(QuantityFormat.number(g.density * 100, significant: 3))% dense)" : "")
                + (g.weightSparsity.map { " (\($0) sparse weight)" } ?? "")
        case .vector(let v): return "\(QuantityFormat.grouped(v.elements)) elements" + (v.fused ? " (fused)" : "")
        }
    }

    var groups: [Group] {
        var order: [String] = []
        var groups: [String: Group] = [:]
        for op in graph.operators {
            let key = op.role.rawValue + "/" + op.pass.rawValue
            if groups[key] == nil {
                order.append(key)
                groups[key] = Group(role: op.role, pass: op.pass)
            }
            groups[key]?.count += 1
            let shape = Self.shape(op)
            if groups[key]?.shapes.contains(shape) == false { groups[key]?.shapes.append(shape) }
            groups[key]?.flops += op.flops
            groups[key]?.bytes += op.compulsoryBytes
        }
        let passOrder = { (pass: Pass) in Pass.allCases.firstIndex(of: pass) ?? 0 }
        return order.compactMap { groups[$0] }.sorted { (passOrder($0.pass), $0.role) < (passOrder($1.pass), $1.role) }
    }

    private var heading: String {
        let o = graph.options
        var logits = o.logits.rawValue
        if case .training = graph.phase { logits = "all" }
        let fusion = o.fusionName
        let sparsity = o.weightSparsity.map { " · sparsity \($0)" } ?? ""
        let density = o.activationDensity < 1 ? " · activation density \(o.activationDensity)" : ""
        return
            "\(graph.model.name) · \(graph.phase) · precision \(graph.precision) · attention \(o.attention.rawValue) · logits \(logits) · fusion \(fusion)"
            + sparsity + density
    }

    private static func count(_ value: Int) -> String {
        let v = Double(value)
        if v >= 1e9 { return "\(QuantityFormat.number(v / 1e9)) B" }
        if v >= 1e6 { return "\(QuantityFormat.number(v / 1e6)) M" }
        return QuantityFormat.grouped(value)
    }

    func table(perOperator: Bool) -> String {
        let p = graph.model.parameters
        var out = [heading]
        out.append(
            "parameters: \(QuantityFormat.grouped(p.total)) total (\(Self.count(p.total))), \(QuantityFormat.grouped(p.active)) active, \(QuantityFormat.grouped(p.nonEmbedding)) outside embeddings"
        )
        let perToken = graph.flops / Double(max(1, graph.tokens))
        out.append(
            "FLOPs: \(QuantityFormat.scaled(graph.flops, unit: "FLOP")) (\(QuantityFormat.scaled(perToken, unit: "FLOP")) per token, \(QuantityFormat.grouped(graph.tokens)) \(graph.tokens == 1 ? "token" : "tokens"))"
        )
        var bytes = "weights \(Bytes(si: graph.weightBytes)) · activations \(Bytes(si: graph.activationBytes))"
        if graph.kvCacheBytes > 0 {
            bytes +=
                " · KV cache \(Bytes(si: graph.kvCacheBytes)) (\(QuantityFormat.grouped(graph.kvBytesPerToken)) B per token)"
        }
        out.append(bytes)
        out.append(
            "compulsory DRAM traffic (each operand once, weights re-read per step): \(Bytes(si: graph.compulsoryBytes))"
        )
        out.append("")
        if perOperator {
            var table = TextTable(["operator", "role", "pass", "shape (B x M x N x K)", "FLOPs", "bytes"])
            for op in graph.operators {
                table.add([
                    op.name, op.role.rawValue, op.pass.rawValue, Self.shape(op),
                    QuantityFormat.scaled(op.flops, unit: "FLOP"), Bytes(si: op.compulsoryBytes).description,
                ])
            }
            out.append(table.render())
        } else {
            var table = TextTable(["role", "pass", "count", "shape (B x M x N x K)", "FLOPs", "share", "bytes"])
            let total = max(graph.flops, 1)
            for group in groups {
                table.add([
                    group.role.rawValue, group.pass.rawValue, "\(group.count)",
                    group.shapes.count == 1 ? group.shapes[0] : "\(group.shapes.count) shapes",
                    QuantityFormat.scaled(group.flops, unit: "FLOP"),
                    QuantityFormat.number(100 * group.flops / total, significant: 3) + "%",
                    Bytes(si: group.bytes).description,
                ])
            }
            table.add([
                "total", "", "\(graph.operators.count)", "", QuantityFormat.scaled(graph.flops, unit: "FLOP"), "100%",
                Bytes(si: graph.compulsoryBytes).description,
            ])
            out.append(table.render())
        }
        return out.joined(separator: "\n")
    }

    func csv(perOperator: Bool) -> String {
        if perOperator {
            var table = TextTable([
                "name", "layer", "role", "pass", "b", "m", "n", "k", "density", "elements", "flops", "bytes",
            ])
            for op in graph.operators {
                let layer = op.layer.map(String.init) ?? ""
                switch op.kind {
                case .gemm(let g):
                    table.add([
                        op.name, layer, op.role.rawValue, op.pass.rawValue, "\(g.b)", "\(g.m)", "\(g.n)", "\(g.k)",
                        "\(g.density)", "", "\(op.flops)", "\(op.compulsoryBytes)",
                    ])
                case .vector(let v):
                    table.add([
                        op.name, layer, op.role.rawValue, op.pass.rawValue, "", "", "", "", "", "\(v.elements)",
                        "\(op.flops)", "\(op.compulsoryBytes)",
                    ])
                }
            }
            return table.csv()
        }
        var table = TextTable(["role", "pass", "count", "flops", "bytes"])
        for group in groups {
            table.add([group.role.rawValue, group.pass.rawValue, "\(group.count)", "\(group.flops)", "\(group.bytes)"])
        }
        return table.csv()
    }

    func json() -> String {
        let p = graph.model.parameters
        var phase: [String: Any] = ["name": graph.phase.name, "batch": graph.phase.batch]
        switch graph.phase {
        case .prefill(_, let sequence), .training(_, let sequence): phase["sequence"] = sequence
        case .decode(_, let context): phase["context"] = context
        }
        let operators: [[String: Any]] = graph.operators.map { op in
            var object: [String: Any] = [
                "name": op.name, "role": op.role.rawValue, "pass": op.pass.rawValue, "flops": op.flops,
                "compulsory_bytes": op.compulsoryBytes,
            ]
            if let layer = op.layer { object["layer"] = layer }
            switch op.kind {
            case .gemm(let g):
                object["kind"] = "gemm"
                object["dims"] = ["B": g.b, "M": g.m, "N": g.n, "K": g.k]
                object["density"] = g.density
                object["second_operand"] = g.second.rawValue
                object["mac_precision"] = g.macPrecision.rawValue
                if let pattern = g.weightSparsity { object["weight_sparsity"] = pattern.description }
            case .vector(let v):
                object["kind"] = "vector"
                object["elements"] = v.elements
                object["ops_per_element"] = v.opsPerElement
                object["fused"] = v.fused
            }
            return object
        }
        let object: [String: Any] = [
            "model": graph.model.name, "phase": phase,
            "precision": [
                "name": graph.precision.description, "weights": graph.precision.weights.rawValue,
                "activations": graph.precision.activations.rawValue, "kv_cache": graph.precision.kvCache.rawValue,
                "accumulators": graph.precision.accumulators.rawValue,
            ],
            "parameters": [
                "total": p.total, "active": p.active, "non_embedding": p.nonEmbedding, "embedding": p.embedding,
                "attention": p.attention, "ffn": p.ffn, "router": p.router, "norms": p.norms, "head": p.head,
            ],
            "tokens": graph.tokens, "flops": graph.flops, "macs": graph.macs, "weight_bytes": graph.weightBytes,
            "activation_bytes": graph.activationBytes, "kv_cache_bytes": graph.kvCacheBytes,
            "kv_bytes_per_token": graph.kvBytesPerToken, "compulsory_bytes": graph.compulsoryBytes,
            "warnings": graph.warnings,
            "roles": groups.map {
                [
                    "role": $0.role.rawValue, "pass": $0.pass.rawValue, "count": $0.count, "flops": $0.flops,
                    "bytes": $0.bytes,
                ]
            },
            "operators": operators,
        ]
        return JSONOutput.render(object)
    }
}
