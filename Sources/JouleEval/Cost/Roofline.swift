import JouleSpec

/// How an operator's memory traffic is found.
public enum RooflineMode: String, Sendable, Hashable, CaseIterable {
    /// Compulsory DRAM traffic only (every operand moved once) at peak compute, the way LLM
    /// roofline tools (LLM-Viewer, GenZ) count.
    case ideal
    /// The traffic of the best mapping the mapper finds, over every memory level.
    case mapped
}

/// Costs that need no mapping: GEMMs under the ideal roofline, and vector operators.
public enum Roofline {
    /// A GEMM moving each operand to or from DRAM once, computing at the array's peak times the
    /// precision's `efficiency` (for its busy MACs: a padded MoE batch takes the time of its
    /// padded rows).
    public static func ideal(
        _ gemm: GEMM, hardware: Accelerator, at point: OperatingPoint, template: Breakdown? = nil
    ) throws(EnergyModel.CostError) -> OperatorCost {
        let precision = gemm.macPrecision
        guard let support = hardware.compute.precisions[precision] else {
            throw EnergyModel.CostError(
                message:
                    "\(hardware.name) has no \(precision) MACs (it supports \(hardware.compute.supportedPrecisions.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        let macsPerSecond =
            Double(hardware.compute.processingElements) * Double(support.macsPerPEPerCycle) * point.frequency.si
        // A padded MoE batch is timed by its busiest expert (every padded row), charged by its routed rows.
        let peakSeconds = gemm.busyMACs / macsPerSecond
        let computeSeconds = peakSeconds / support.efficiency
        let readBytes = (gemm.inputOnChip ? 0 : gemm.inputBytes) + gemm.secondBytes
        let writeBytes = gemm.outputOnChip ? 0 : gemm.outputBytes
        var energy = template ?? Breakdown(levels: hardware.memory)
        var levelSeconds = [Double](repeating: 0, count: hardware.memory.count)
        if let d = dramIndex(hardware) {
            let level = hardware.memory[d]
            energy[d, 0] = gemm.secondBytes * 8 * level.readEnergy.value.si
            energy[d, 1] = (gemm.inputOnChip ? 0 : gemm.inputBytes) * 8 * level.readEnergy.value.si
            energy[d, 2] = writeBytes * 8 * level.writeEnergy.value.si
            levelSeconds[d] = EnergyModel.transferSeconds(level: level, readBytes: readBytes, writeBytes: writeBytes)
        }
        energy.mac = gemm.macs * support.macEnergy.value.si
        energy.scaleDynamic(by: EnergyModel.voltageFactor(point, hardware: hardware))
        var cost = EnergyModel.combine(
            computeSeconds: computeSeconds, levelSeconds: levelSeconds, energy: energy, hardware: hardware, at: point)
        cost.utilization = cost.seconds > 0 ? peakSeconds / cost.seconds : 0
        return cost
    }

    /// A vector operator: its operations on the vector unit's lanes (one per lane per cycle, at
    /// the unit's `efficiency`), its unfused operands to and from DRAM.
    public static func vector(
        _ op: VectorOp, hardware: Accelerator, at point: OperatingPoint, template: Breakdown? = nil
    ) -> OperatorCost {
        let vector = hardware.compute.vector
        let computeSeconds = op.ops / (Double(vector.lanes) * point.frequency.si * vector.efficiency)
        var energy = template ?? Breakdown(levels: hardware.memory)
        var levelSeconds = [Double](repeating: 0, count: hardware.memory.count)
        if !op.fused, let d = dramIndex(hardware) {
            let level = hardware.memory[d]
            energy[d, 1] = op.bytesRead * 8 * level.readEnergy.value.si
            energy[d, 2] = op.bytesWritten * 8 * level.writeEnergy.value.si
            levelSeconds[d] = EnergyModel.transferSeconds(
                level: level, readBytes: op.bytesRead, writeBytes: op.bytesWritten)
        }
        energy.vector = op.ops * hardware.compute.vector.energyPerOp.value.si
        energy.scaleDynamic(by: EnergyModel.voltageFactor(point, hardware: hardware))
        var cost = EnergyModel.combine(
            computeSeconds: computeSeconds, levelSeconds: levelSeconds, energy: energy, hardware: hardware, at: point)
        cost.vectorOperations = op.ops
        return cost
    }

    /// The level compulsory traffic goes to: the outermost DRAM, else the outermost level.
    static func dramIndex(_ hardware: Accelerator) -> Int? {
        hardware.memory.firstIndex { $0.kind == .dram } ?? (hardware.memory.isEmpty ? nil : 0)
    }
}
