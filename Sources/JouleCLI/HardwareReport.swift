import Foundation
import JouleSpec

/// `joule show hardware`: an accelerator as tables or JSON, estimates marked.
struct HardwareReport {
    let accelerator: Accelerator

    private func mark<T>(_ figure: Figure<T>) -> String {
        figure.provenance.isEstimated ? " (est.)" : ""
    }

    /// The operands a level may hold by initial, those it must hold starred (`W I* O*`).
    private func holdsText(_ level: MemoryLevel) -> String {
        Operand.allCases.filter(level.holds.contains).map {
            String($0.rawValue.prefix(1)).uppercased() + (level.mustHold.contains($0) ? "*" : "")
        }.joined(separator: " ")
    }

    /// The widest-throughput precision, used for ridge points.
    private var ridgePrecision: Precision? {
        accelerator.compute.supportedPrecisions.max {
            accelerator.peakOpsPerSecond($0) < accelerator.peakOpsPerSecond($1)
        }
    }

    func table() -> String {
        let hw = accelerator
        var out: [String] = []
        out.append(hw.name + (hw.source.map { " — \($0)" } ?? ""))
        let points = hw.operatingPoints.map { "\($0.frequency) @ \($0.voltage)" }.joined(separator: ", ")
        out.append(
            "technology \(hw.technology.nanometers) nm · clock \(hw.clock) · nominal \(hw.nominalVoltage.value)\(mark(hw.nominalVoltage)) · static power \(hw.staticPower.value)\(mark(hw.staticPower)) · TDP \(hw.tdp.value)\(mark(hw.tdp))"
        )
        out.append("operating points: \(points)")
        out.append(
            "area \(hw.area.total.value)\(mark(hw.area.total)) · compute \(hw.area.compute.value)\(mark(hw.area.compute)) · on-chip memory \(hw.area.memory.value)\(mark(hw.area.memory))"
        )
        out.append("")
        let c = hw.compute
        out.append(
            "Compute: \(c.kind.rawValue) array \(c.rows) x \(c.cols) = \(QuantityFormat.grouped(c.processingElements)) PEs; dataflows: \(c.dataflows.map(\.rawValue).joined(separator: ", "))"
                + (c.kind == .systolic ? "; weight preload: \(c.weightPreload.rawValue)" : "")
                + (c.sparsity.isEmpty ? "" : "; sparse MACs: \(c.sparsity.map(\.description).joined(separator: ", "))")
                + (c.sparseDecompress ? "; decompresses sparse weights" : "")
        )
        var precisions = TextTable(["precision", "MACs/PE/cycle", "MACs", "MAC energy", "peak MAC/s", "peak ops/s"])
        for precision in c.supportedPrecisions {
            guard let support = c.precisions[precision] else { continue }
            precisions.add([
                precision.rawValue, "\(support.macsPerPEPerCycle)",
                QuantityFormat.grouped(c.processingElements * support.macsPerPEPerCycle),
                "\(support.macEnergy.value)\(mark(support.macEnergy))",
                QuantityFormat.scaled(hw.peakMACsPerSecond(precision), unit: "MAC/s"),
                QuantityFormat.scaled(hw.peakOpsPerSecond(precision), unit: "OPS"),
            ])
        }
        out.append(precisions.render(indent: "  "))
        out.append(
            "  vector unit: \(c.vector.lanes) lanes, \(c.vector.energyPerOp.value)/op\(mark(c.vector.energyPerOp))")
        out.append("")
        out.append("Memory (outermost first; bandwidth is the total over instances):")
        let ridgeHeader = ridgePrecision.map { "ridge (\($0) ops/B)" } ?? "ridge"
        var levels = TextTable([
            "level", "kind", "size", "instances", "fanout", "holds", "read bandwidth", "read energy", "write energy",
            ridgeHeader,
        ])
        for (index, level) in hw.memory.enumerated() {
            let bandwidth = level.totalReadBandwidth.map(\.description) ?? "unbounded"
            let ridge =
                ridgePrecision.flatMap { hw.ridgePoint(level: level, precision: $0) }.map { QuantityFormat.number($0) }
                ?? "-"
            levels.add([
                level.name, level.technology ?? level.kind.rawValue, level.size.description,
                QuantityFormat.grouped(level.instances),
                index + 1 < hw.memory.count ? QuantityFormat.grouped(hw.fanout(below: index)) : "-",
                holdsText(level), bandwidth,
                "\(level.readEnergy.value)\(mark(level.readEnergy))",
                "\(level.writeEnergy.value)\(mark(level.writeEnergy))", ridge,
            ])
        }
        out.append(levels.render(indent: "  "))
        for level in hw.memory where !level.fillEnergy.provenance.isEstimated {
            out.append("  \(level.name) fill energy (a write filled from the parent): \(level.fillEnergy.value)")
        }
        let estimates = estimateLines()
        if !estimates.isEmpty {
            out.append("")
            out.append("Estimated (left out of the file; rules from the estimate tables, docs/estimates.md):")
            out += estimates.map { "  " + $0 }
        }
        return out.joined(separator: "\n")
    }

    private func estimateLines() -> [String] {
        let hw = accelerator
        var lines: [String] = []
        func note<T>(_ label: String, _ figure: Figure<T>) {
            if case .estimated(let rule) = figure.provenance { lines.append("\(label): \(figure.value) — \(rule)") }
        }
        note("nominal voltage", hw.nominalVoltage)
        note("static power", hw.staticPower)
        note("TDP", hw.tdp)
        for precision in hw.compute.supportedPrecisions {
            if let support = hw.compute.precisions[precision] { note("\(precision) MAC energy", support.macEnergy) }
        }
        note("vector energy per op", hw.compute.vector.energyPerOp)
        for level in hw.memory {
            note("\(level.name) read energy", level.readEnergy)
            note("\(level.name) write energy", level.writeEnergy)
            if let area = level.area { note("\(level.name) area", area) }
        }
        note("compute area", hw.area.compute)
        note("on-chip memory area", hw.area.memory)
        note("total area", hw.area.total)
        return lines
    }

    private func figure<T: PhysicalQuantity>(_ figure: Figure<T>) -> [String: Any] {
        var object: [String: Any] = ["value": JSONOutput.number(figure.value.si), "unit": T.kind.baseSymbol]
        switch figure.provenance {
        case .given: object["provenance"] = "given"
        case .estimated(let rule):
            object["provenance"] = "estimated"
            object["rule"] = rule
        }
        return object
    }

    func json() -> String {
        let hw = accelerator
        let precisions: [[String: Any]] = hw.compute.supportedPrecisions.compactMap { precision in
            guard let support = hw.compute.precisions[precision] else { return nil }
            return [
                "precision": precision.rawValue, "macs_per_pe_per_cycle": support.macsPerPEPerCycle,
                "mac_energy": figure(support.macEnergy), "peak_macs_per_s": hw.peakMACsPerSecond(precision),
                "peak_ops_per_s": hw.peakOpsPerSecond(precision),
            ]
        }
        let levels: [[String: Any]] = hw.memory.enumerated().map { index, level in
            var object: [String: Any] = [
                "name": level.name, "kind": level.kind.rawValue, "size_bytes": level.size.si,
                "instances": level.instances,
                "holds": Operand.allCases.filter(level.holds.contains).map(\.rawValue),
                "must_hold": Operand.allCases.filter(level.mustHold.contains).map(\.rawValue),
                "read_energy": figure(level.readEnergy), "write_energy": figure(level.writeEnergy),
                "fill_energy": figure(level.fillEnergy),
                "multiple_buffering": level.multipleBuffering,
                "read_bandwidth_bytes_per_s": JSONOutput.number(level.totalReadBandwidth?.si),
                "write_bandwidth_bytes_per_s": JSONOutput.number(level.totalWriteBandwidth?.si),
                "fanout": index + 1 < hw.memory.count ? hw.fanout(below: index) : 1,
            ]
            if let technology = level.technology { object["technology"] = technology }
            if let area = level.area { object["area"] = figure(area) }
            if let width = level.width { object["width_bits"] = width.si }
            if let leakage = level.leakage { object["leakage_w"] = leakage.si }
            return object
        }
        var compute: [String: Any] = [
            "kind": hw.compute.kind.rawValue, "rows": hw.compute.rows, "cols": hw.compute.cols,
            "processing_elements": hw.compute.processingElements,
            "dataflows": hw.compute.dataflows.map(\.rawValue), "precisions": precisions,
            "vector": ["lanes": hw.compute.vector.lanes, "energy_per_op": figure(hw.compute.vector.energyPerOp)],
        ]
        if hw.compute.kind == .systolic { compute["weight_preload"] = hw.compute.weightPreload.rawValue }
        compute["sparsity"] = hw.compute.sparsity.map(\.description)
        compute["sparse_decompress"] = hw.compute.sparseDecompress
        var object: [String: Any] = [
            "name": hw.name, "technology_nm": hw.technology.nanometers, "clock_hz": hw.clock.si,
            "nominal_voltage": figure(hw.nominalVoltage), "static_power": figure(hw.staticPower), "tdp": figure(hw.tdp),
            "operating_points": hw.operatingPoints.map {
                ["frequency_hz": $0.frequency.si, "voltage_v": $0.voltage.si]
            },
            "compute": compute,
            "memory": levels,
            "area": [
                "total": figure(hw.area.total), "compute": figure(hw.area.compute), "memory": figure(hw.area.memory),
            ],
        ]
        if let source = hw.source { object["source"] = source }
        object["idle_power"] = figure(hw.idlePower)
        if let limits = hw.powerLimits {
            object["power_limits"] = [
                "min_w": limits.minimum.si, "max_w": limits.maximum.si, "default_w": limits.defaultLimit.si,
            ]
        }
        if let range = hw.clockRange {
            object["clock_range"] = ["min_hz": range.minimum.si, "max_hz": range.maximum.si]
        }
        return JSONOutput.render(object)
    }
}
