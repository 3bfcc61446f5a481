import YAML

/// An accelerator as Joule models it: a MAC array beside a memory hierarchy, with a clock,
/// DVFS operating points, static power and area. Every energy and area is either given in the
/// file or estimated from the technology node (see `Figure.provenance`).
public struct Accelerator: Sendable, Hashable {
    /// The design's name.
    public var name: String
    /// Where its numbers come from (free text).
    public var source: String?
    /// The process node, with its scaling factors.
    public var technology: NodeScaling
    /// The nominal clock.
    public var clock: Frequency
    /// The nominal supply voltage.
    public var nominalVoltage: Figure<Voltage>
    /// DVFS operating points; the first is nominal (the clock and nominal voltage).
    public var operatingPoints: [OperatingPoint]
    /// Whole-chip static power: what the chip draws while it runs a kernel at the nominal point,
    /// beyond its per-action energies (leakage, clock tree, uncore). Charged over every latency.
    public var staticPower: Figure<Power>
    /// The power the chip draws with nothing running (file key `idle_power`, a vendor or
    /// measured figure; the static power when left out). No power cap below it can be met.
    public var idlePower: Figure<Power> = Figure(.zero, .estimated(rule: "static power"))
    /// The power limits the device accepts (file key `power_limits`); nil: any limit from the
    /// idle power up.
    public var powerLimits: PowerLimits?
    /// The core clocks the device supports (file key `clock_range`); nil: 50% to 100% of `clock`.
    public var clockRange: ClockRange?
    /// Thermal design power: the ceiling of power limits and the "max power" of Zeus's cost;
    /// estimated as static power plus every MAC (with its on-chip operand accesses), vector lane
    /// and DRAM channel busy when left out.
    public var tdp: Figure<Power>
    /// The MAC array and vector unit.
    public var compute: ComputeArray
    /// Memory levels, outermost (DRAM) first, innermost (per-PE) last.
    public var memory: [MemoryLevel]
    /// Chip area: total, compute and on-chip memory.
    public var area: AreaBreakdown

    /// The memory level with a name.
    public func level(named name: String) -> MemoryLevel? { memory.first { $0.name == name } }
}

/// The area of a chip and its parts.
public struct AreaBreakdown: Sendable, Hashable {
    /// Total die area.
    public var total: Figure<Area>
    /// The MAC array.
    public var compute: Figure<Area>
    /// On-chip memories.
    public var memory: Figure<Area>
}

// MARK: - Decoding and validation

extension Accelerator: Decodable {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, source, technology, clock, voltage, compute, memory, area, tdp
        case operatingPoints = "operating_points"
        case staticPower = "static_power"
        case idlePower = "idle_power"
        case powerLimits = "power_limits"
        case clockRange = "clock_range"
    }

    enum AreaKeys: String, CodingKey, CaseIterable { case total, compute, memory }

    struct AreaDescription: Decodable {
        var total: Area?
        var compute: Area?
        var memory: Area?
        init(from decoder: any Decoder) throws {
            var reader = try MappingReader(decoder, keys: AreaKeys.self)
            total = reader.optional(.total, Area.self)
            compute = reader.optional(.compute, Area.self)
            memory = reader.optional(.memory, Area.self)
            for (key, value) in [(AreaKeys.total, total), (.compute, compute), (.memory, memory)] {
                if let value, value.si <= 0 { reader.error("\(key.stringValue) area must be positive", at: key) }
            }
            try reader.finish()
        }
    }

    /// Decodes and validates a hardware description, reporting every error with its position,
    /// then fills in left-out energies and areas from the technology node.
    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let name = reader.required(.name, String.self, example: "name: my-accelerator")
        source = reader.optional(.source, String.self)
        let nodeLength = reader.required(.technology, Located<String>.self, example: "technology: 28 nm")
        let clock = reader.required(.clock, Frequency.self, example: "clock: 700 MHz")
        let voltage = reader.optional(.voltage, Voltage.self)
        let points = reader.optional(.operatingPoints, [OperatingPoint].self)
        let staticPower = reader.optional(.staticPower, Power.self)
        let tdp = reader.optional(.tdp, Power.self)
        let idlePower = reader.optional(.idlePower, Power.self)
        let powerLimits = reader.optional(.powerLimits, PowerLimits.self)
        let clockRange = reader.optional(.clockRange, ClockRange.self)
        let compute = reader.required(
            .compute, ComputeDescription.self,
            example: "compute: { array: { rows: 16, cols: 16 }, precisions: { int8: 0.2 pJ } }")
        let levels = reader.required(
            .memory, [MemoryLevelDescription].self,
            example: "memory: [ { name: DRAM, technology: LPDDR5, size: 8 GiB, bandwidth: 25.6 GB/s } ]")
        let areaDescription = reader.optional(.area, AreaDescription.self)

        if let name, name.isEmpty { reader.error("name must not be empty", at: .name) }
        var node: NodeScaling?
        if let nodeLength {
            node = Self.node(from: nodeLength.value, reader: &reader)
        }
        if let clock, clock.si <= 0 { reader.error("clock must be positive", at: .clock) }
        if let voltage, voltage.si <= 0 { reader.error("voltage must be positive", at: .voltage) }
        if let staticPower, staticPower.si < 0 { reader.error("static_power cannot be negative", at: .staticPower) }
        if let tdp, tdp.si <= 0 { reader.error("tdp must be positive", at: .tdp) }
        if let idlePower, idlePower.si < 0 { reader.error("idle_power cannot be negative", at: .idlePower) }
        if let idlePower, let powerLimits, idlePower.si > powerLimits.maximum.si {
            reader.error(
                "idle_power (\(idlePower)) exceeds the highest power limit (\(powerLimits.maximum))", at: .idlePower)
        }
        if let clockRange, let clock,
            clock.si < clockRange.minimum.si * (1 - 1e-9) || clock.si > clockRange.maximum.si * (1 + 1e-9)
        {
            reader.error(
                "the clock (\(clock)) lies outside clock_range (\(clockRange.minimum) to \(clockRange.maximum))",
                at: .clockRange)
        }
        if let points {
            if points.isEmpty {
                reader.error("list at least one operating point, or leave operating_points out", at: .operatingPoints)
            } else if let clock, abs(points[0].frequency.si - clock.si) > 1e-9 * clock.si {
                reader.error(
                    "the first operating point is nominal and must run at the clock (\(clock)), found \(points[0].frequency)",
                    at: .operatingPoints)
            }
        }
        if let levels {
            Self.validate(levels, compute: compute, reader: &reader)
        }
        try reader.finish()

        let technology = try reader.unwrap(node)
        let computeDescription = try reader.unwrap(compute)
        self.name = try reader.unwrap(name)
        self.clock = try reader.unwrap(clock)
        self.technology = technology
        if let voltage {
            nominalVoltage = .given(voltage)
        } else if let first = points?.first {
            nominalVoltage = .given(first.voltage)
        } else {
            nominalVoltage = Figure(
                Voltage(si: technology.nominalVoltage),
                .estimated(rule: "nominal supply of \(technology.nanometers) nm"))
        }
        operatingPoints =
            points ?? [OperatingPoint(frequency: self.clock, voltage: nominalVoltage.value, name: "nominal")]
        self.compute = Self.resolve(computeDescription, node: technology)
        memory = try reader.unwrap(levels).map { Self.resolve($0, node: technology) }
        let leakage = memory.compactMap { level in level.leakage.map { $0 * Double(level.instances) } }
        if let staticPower {
            self.staticPower = .given(staticPower)
        } else if !leakage.isEmpty {
            self.staticPower = Figure(leakage.reduce(.zero, +), .estimated(rule: "sum of the levels' leakage"))
        } else {
            self.staticPower = Figure(.zero, .estimated(rule: "none given; static energy not counted"))
        }
        self.idlePower =
            idlePower.map { Figure<Power>.given($0) }
            ?? Figure(self.staticPower.value, .estimated(rule: "equal to static power"))
        self.powerLimits = powerLimits
        self.clockRange = clockRange
        area = Self.resolveArea(areaDescription, compute: self.compute, memory: memory, node: technology)
        self.tdp = .given(.zero)  // every property must be set before peakPower() can read them
        self.tdp =
            tdp.map { Figure<Power>.given($0) }
            ?? Figure(
                peakPower(),
                .estimated(
                    rule:
                        "static + every MAC with its on-chip operand accesses, vector lane and DRAM channel busy at the nominal point"
                ))
    }

    private static func node(from text: String, reader: inout MappingReader<CodingKeys>) -> NodeScaling? {
        let supported = EstimateTables.nodes.map { "\($0.nanometers) nm" }
        let hint = "supported nodes: " + supported.joined(separator: ", ")
        guard let parsed = try? UnitParser.parse(text, as: [.length]) else {
            reader.error("expected a process node such as '28 nm', found '\(text)'", at: .technology, hint: hint)
            return nil
        }
        let nanometers = parsed.value * 1e9
        guard nanometers.rounded() == (nanometers * 1e6).rounded() / 1e6,
            let node = EstimateTables.node(nanometers: Int(nanometers.rounded()))
        else {
            reader.error("unknown technology node '\(text)'", at: .technology, hint: hint)
            return nil
        }
        return node
    }

    private static func validate(
        _ levels: [MemoryLevelDescription], compute: ComputeDescription?, reader: inout MappingReader<CodingKeys>
    ) {
        if levels.isEmpty {
            reader.error(
                "list at least one memory level", at: .memory, hint: "memory: [ { name: Buffer, size: 64 KiB } ]")
            return
        }
        var seen: [String: SourceMark?] = [:]
        for level in levels {
            if let first = seen[level.name.value] {
                let line = first.map { " (first at line \($0.line))" } ?? ""
                reader.error(
                    "duplicate memory level name '\(level.name.value)'\(line)", atMark: level.name.mark,
                    hint: "each level needs its own name")
            } else {
                seen[level.name.value] = level.name.mark
            }
        }
        for (outer, inner) in zip(levels, levels.dropFirst())
        where inner.instances.value % max(1, outer.instances.value) != 0 {
            reader.error(
                "\(inner.instances.value) instances of '\(inner.name.value)' do not divide evenly among the \(outer.instances.value) instances of '\(outer.name.value)' above it",
                atMark: inner.instances.mark, hint: "use a multiple of \(outer.instances.value)")
        }
        if let compute, let innermost = levels.last {
            let pes = compute.rows * compute.cols
            if pes % max(1, innermost.instances.value) != 0 || innermost.instances.value > pes {
                reader.error(
                    "\(innermost.instances.value) instances of '\(innermost.name.value)' do not divide the \(pes) PEs (\(compute.rows) x \(compute.cols))",
                    atMark: innermost.instances.mark, hint: "a per-PE level has instances: \(pes)")
            }
        }
        for operand in Operand.allCases where !levels.contains(where: { $0.holds.contains(operand) }) {
            reader.error(
                "no memory level holds \(operand)", at: .memory,
                hint: "add \(operand) to a level's holds, e.g. holds: [weights, inputs, outputs]")
        }
    }

    private static func resolve(_ description: ComputeDescription, node: NodeScaling) -> ComputeArray {
        var precisions: [Precision: ComputeArray.PrecisionSupport] = [:]
        for (precision, entry) in description.precisions {
            let energy =
                entry.energy.map { Figure<Energy>.given($0) } ?? HardwareEstimator.macEnergy(precision, node: node)
            precisions[precision] = .init(
                macEnergy: energy, macsPerPEPerCycle: entry.macsPerPEPerCycle ?? description.macsPerPEPerCycle,
                efficiency: entry.efficiency ?? 1)
        }
        // `fp8:` (the older, encoding-agnostic key) means MACs that take both OCP FP8 encodings;
        // an encoding given on its own line keeps its own numbers (Precision+Format.nativeKeys).
        var aliased: Set<Precision> = []
        for format in Precision.allCases where precisions[format] == nil {
            if let alias = format.nativeKeys.dropFirst().first(where: { precisions[$0] != nil }) {
                precisions[format] = precisions[alias]
                aliased.insert(format)
            }
        }
        let vectorEnergy =
            description.vectorEnergy.map { Figure<Energy>.given($0) } ?? HardwareEstimator.vectorOpEnergy(node: node)
        var compute = ComputeArray(
            kind: description.kind, rows: description.rows, cols: description.cols,
            macsPerPEPerCycle: description.macsPerPEPerCycle, precisions: precisions,
            dataflows: description.dataflows, weightPreload: description.weightPreload,
            vector: VectorUnit(
                lanes: description.vectorLanes, energyPerOp: vectorEnergy, efficiency: description.vectorEfficiency ?? 1
            ))
        compute.aliased = aliased
        compute.sparsity = description.sparsity
        compute.sparseDecompress = description.sparseDecompress
        return compute
    }

    private static func resolve(_ level: MemoryLevelDescription, node: NodeScaling) -> MemoryLevel {
        let width = level.width?.si
        let estimate: Figure<EnergyPerBit>
        switch level.kind {
        case .dram:
            estimate =
                level.technology.flatMap { HardwareEstimator.dramEnergy(technology: $0.value) }
                ?? Figure(.zero, .estimated(rule: "no DRAM technology"))
        case .sram: estimate = HardwareEstimator.sramEnergy(capacity: level.size, node: node)
        case .register: estimate = HardwareEstimator.registerEnergy(node: node)
        }
        let read =
            level.readEnergy.flatMap { $0.perBit(width: width) }.map { Figure<EnergyPerBit>.given($0) } ?? estimate
        let write: Figure<EnergyPerBit>
        if let given = level.writeEnergy.flatMap({ $0.perBit(width: width) }) {
            write = .given(given)
        } else if level.readEnergy != nil {
            write = Figure(read.value, .estimated(rule: "equal to read_energy"))
        } else if level.kind == .sram {
            write = Figure(
                read.value * EstimateTables.sramWriteToReadRatio,
                .estimated(rule: "SRAM write = \(QuantityFormat.number(EstimateTables.sramWriteToReadRatio)) x read"))
        } else {
            write = estimate
        }
        let fill =
            level.fillEnergy.flatMap { $0.perBit(width: width) }.map { Figure<EnergyPerBit>.given($0) }
            ?? Figure(write.value, .estimated(rule: "equal to write_energy"))
        return MemoryLevel(
            name: level.name.value, kind: level.kind, technology: level.technology?.value, size: level.size,
            instances: level.instances.value, holds: level.holds, mustHold: level.mustHold,
            readBandwidth: level.bandwidth ?? level.readBandwidth,
            writeBandwidth: level.bandwidth ?? level.writeBandwidth,
            sharedBandwidth: level.bandwidth != nil, readEnergy: read, writeEnergy: write, fillEnergy: fill,
            width: level.width,
            leakage: level.leakage, multipleBuffering: level.multipleBuffering,
            bandwidthEfficiency: level.bandwidthEfficiency ?? 1,
            area: HardwareEstimator.memoryArea(
                kind: level.kind, size: level.size, instances: level.instances.value, node: node))
    }

    private static func resolveArea(
        _ given: AreaDescription?, compute: ComputeArray, memory: [MemoryLevel], node: NodeScaling
    ) -> AreaBreakdown {
        let computeArea =
            given?.compute.map { Figure<Area>.given($0) } ?? HardwareEstimator.computeArea(compute, node: node)
        let onChip = memory.compactMap(\.area)
        let memoryArea =
            given?.memory.map { Figure<Area>.given($0) }
            ?? Figure(onChip.map(\.value).reduce(.zero, +), .estimated(rule: "sum of on-chip levels"))
        let total =
            given?.total.map { Figure<Area>.given($0) }
            ?? Figure(
                computeArea.value + memoryArea.value,
                .estimated(rule: "compute + on-chip memory (no I/O, NoC or control)"))
        return AreaBreakdown(total: total, compute: computeArea, memory: memoryArea)
    }
}
