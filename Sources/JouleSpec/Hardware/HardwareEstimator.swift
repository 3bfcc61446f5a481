/// Fills in the numbers a hardware file leaves out, from the technology node and the size of
/// each component, using `EstimateTables`. Each result says which rule made it.
public enum HardwareEstimator {
    /// The energy of one MAC at a precision on a node.
    public static func macEnergy(_ precision: Precision, node: NodeScaling) -> Figure<Energy> {
        guard let base = EstimateTables.mac45nm[precision.estimateKey] else {
            return Figure(.zero, .estimated(rule: "no \(precision) MAC in the estimate tables"))
        }
        let pJ = base.energy * node.logicEnergy
        return Figure(
            .picojoules(pJ),
            .estimated(
                rule:
                    "\(precision) MAC \(QuantityFormat.number(base.energy)) pJ at 45 nm x \(QuantityFormat.number(node.logicEnergy)) (\(node.nanometers) nm logic)"
            ))
    }

    /// The area of one MAC unit at a precision on a node.
    public static func macArea(_ precision: Precision, node: NodeScaling) -> Area {
        guard let base = EstimateTables.mac45nm[precision.estimateKey] else { return .zero }
        return Area(si: base.area * node.logicArea * 1e-12)
    }

    /// Read energy per bit of one SRAM instance of `capacity` bytes.
    public static func sramEnergy(capacity: Bytes, node: NodeScaling) -> Figure<EnergyPerBit> {
        let per64 = EstimateTables.sramReadEnergyPer64Bit45nm(capacityBytes: capacity.si)
        return Figure(
            .picojoulesPerBit(per64 / 64 * node.sramEnergy),
            .estimated(
                rule:
                    "SRAM \(capacity): \(QuantityFormat.number(per64)) pJ/64 bit at 45 nm x \(QuantityFormat.number(node.sramEnergy)) (\(node.nanometers) nm SRAM)"
            ))
    }

    /// Read energy per bit of a register file.
    public static func registerEnergy(node: NodeScaling) -> Figure<EnergyPerBit> {
        Figure(
            .picojoulesPerBit(EstimateTables.registerEnergyPerBit45nm * node.logicEnergy),
            .estimated(
                rule:
                    "register \(QuantityFormat.number(EstimateTables.registerEnergyPerBit45nm)) pJ/bit at 45 nm x \(QuantityFormat.number(node.logicEnergy)) (\(node.nanometers) nm logic)"
            ))
    }

    /// Energy per bit of a DRAM technology.
    public static func dramEnergy(technology: String) -> Figure<EnergyPerBit>? {
        guard let entry = EstimateTables.dram(named: technology) else { return nil }
        return Figure(
            .picojoulesPerBit(entry.energyPerBit),
            .estimated(rule: "\(entry.name) \(QuantityFormat.number(entry.energyPerBit)) pJ/bit"))
    }

    /// Energy of one vector-unit operation.
    public static func vectorOpEnergy(node: NodeScaling) -> Figure<Energy> {
        Figure(
            .picojoules(EstimateTables.vectorOpEnergy45nm * node.logicEnergy),
            .estimated(
                rule:
                    "fp16 mult+add \(QuantityFormat.number(EstimateTables.vectorOpEnergy45nm)) pJ at 45 nm x \(QuantityFormat.number(node.logicEnergy)) (\(node.nanometers) nm logic)"
            ))
    }

    /// The area of `instances` copies of a memory of `size` bytes (nil for DRAM, off chip).
    public static func memoryArea(kind: MemoryLevel.Kind, size: Bytes, instances: Int, node: NodeScaling) -> Figure<
        Area
    >? {
        let bits = size.si * 8 * Double(instances)
        switch kind {
        case .dram:
            return nil
        case .sram:
            let area = bits * node.sramBitCellArea * (1 + EstimateTables.sramMacroOverhead) * 1e-12
            return Figure(
                Area(si: area),
                .estimated(
                    rule:
                        "SRAM bit cell \(QuantityFormat.number(node.sramBitCellArea)) µm^2 x (1 + \(QuantityFormat.number(EstimateTables.sramMacroOverhead)) macro overhead)"
                ))
        case .register:
            let area = bits * EstimateTables.registerAreaPerBit45nm * node.logicArea * 1e-12
            return Figure(
                Area(si: area),
                .estimated(
                    rule:
                        "flip-flop \(QuantityFormat.number(EstimateTables.registerAreaPerBit45nm)) µm^2/bit at 45 nm x \(QuantityFormat.number(node.logicArea))"
                ))
        }
    }

    /// The area of the MAC array: every PE sized for the widest supported precision.
    public static func computeArea(_ compute: ComputeArray, node: NodeScaling) -> Figure<Area> {
        // Over the formats the file names, in a fixed order (aliases such as fp8_e4m3 under
        // fp8 repeat an entry and would make the choice among equals depend on hashing).
        let named = compute.supportedPrecisions.compactMap { p in compute.precisions[p].map { (key: p, value: $0) } }
        let widest = named.max { a, b in
            macArea(a.key, node: node).si * Double(a.value.macsPerPEPerCycle) < macArea(b.key, node: node).si
                * Double(b.value.macsPerPEPerCycle)
        }
        guard let (precision, support) = widest else { return Figure(.zero, .estimated(rule: "no precision")) }
        let perPE = macArea(precision, node: node) * Double(support.macsPerPEPerCycle)
        return Figure(
            perPE * Double(compute.processingElements),
            .estimated(
                rule:
                    "\(QuantityFormat.grouped(compute.processingElements)) PEs x \(support.macsPerPEPerCycle) \(precision) MACs at \(node.nanometers) nm"
            ))
    }
}
