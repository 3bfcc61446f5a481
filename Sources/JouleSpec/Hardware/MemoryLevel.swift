import YAML

/// One level of the memory hierarchy: its capacity, copies, the operands it keeps, its
/// bandwidth and per-bit access energies.
public struct MemoryLevel: Sendable, Hashable {
    /// The physical kind, which decides how left-out energies and areas are estimated.
    public enum Kind: String, Hashable, Keyword {
        public static let keywordNoun = "memory kind"
        /// Off-chip DRAM (energy by technology: DDR4, LPDDR5, HBM3 ...).
        case dram
        /// On-chip SRAM (energy and area by capacity and node).
        case sram
        /// A register file or flip-flop buffer (energy per bit at the node).
        case register
    }

    /// The level's unique name (used in key paths: `memory.GlobalBuffer.size`).
    public var name: String
    /// DRAM, SRAM or register.
    public var kind: Kind
    /// The DRAM technology (for `kind == .dram`), e.g. `HBM3`.
    public var technology: String?
    /// Capacity of one instance.
    public var size: Bytes
    /// How many copies of the level there are (per-PE levels have one per PE).
    public var instances: Int
    /// The operands the level may store; the others always bypass it. The mapper chooses, per
    /// mapping, whether to keep or bypass each of them, except those in `mustHold`.
    public var holds: Set<Operand>
    /// The operands the level always stores (no path around it), a subset of `holds`.
    public var mustHold: Set<Operand>
    /// Read bandwidth of one instance (nil: never a bottleneck).
    public var readBandwidth: Bandwidth?
    /// Write bandwidth of one instance (nil: never a bottleneck).
    public var writeBandwidth: Bandwidth?
    /// Whether reads and writes share one bandwidth (`bandwidth:`) or have their own.
    public var sharedBandwidth: Bool
    /// Energy to read one bit.
    public var readEnergy: Figure<EnergyPerBit>
    /// Energy to write (or update) one bit.
    public var writeEnergy: Figure<EnergyPerBit>
    /// Energy to write one bit filled from the parent level (file key `fill_energy`; equal to
    /// `writeEnergy` when left out). A GPU's L2 gives 0 when its DRAM's per-bit energy already
    /// carries the fill, so that the mapped model does not charge the fill twice.
    public var fillEnergy: Figure<EnergyPerBit>
    /// Access width in bits, when given (a block of `width / word bits` words per access).
    public var width: Bits?
    /// Leakage power of one instance.
    public var leakage: Power?
    /// Buffers for overlapping transfers with compute (1 = transfers serialise with compute).
    public var multipleBuffering: Int
    /// The share of the bandwidth streaming kernels sustain (file key `bandwidth_efficiency`,
    /// written by `joule calibrate`): transfer time is divided by it. 1 when left out.
    public var bandwidthEfficiency: Double = 1
    /// Area of all instances together (nil for DRAM, which is off chip).
    public var area: Figure<Area>?

    /// Total capacity over all instances.
    public var totalSize: Bytes { size * Double(instances) }
    /// Read bandwidth over all instances.
    public var totalReadBandwidth: Bandwidth? { readBandwidth.map { $0 * Double(instances) } }
    /// Write bandwidth over all instances.
    public var totalWriteBandwidth: Bandwidth? { writeBandwidth.map { $0 * Double(instances) } }
    /// Whether the level is off chip.
    public var isOffChip: Bool { kind == .dram }
}

/// A `memory:` entry as written, before estimates are filled in.
struct MemoryLevelDescription: Decodable {
    var name: Located<String>
    var kind: MemoryLevel.Kind
    var technology: Located<String>?
    var size: Bytes
    var instances: Located<Int>
    var holds: Set<Operand>
    var mustHold: Set<Operand>
    var bandwidth: Bandwidth?
    var readBandwidth: Bandwidth?
    var writeBandwidth: Bandwidth?
    var readEnergy: MemoryAccessEnergy?
    var writeEnergy: MemoryAccessEnergy?
    var fillEnergy: MemoryAccessEnergy?
    var width: Bits?
    var leakage: Power?
    var multipleBuffering: Int
    var bandwidthEfficiency: Double?
    var mark: SourceMark?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, kind, technology, size, instances, holds, bandwidth, width, leakage
        case readBandwidth = "read_bandwidth"
        case writeBandwidth = "write_bandwidth"
        case readEnergy = "read_energy"
        case writeEnergy = "write_energy"
        case fillEnergy = "fill_energy"
        case multipleBuffering = "multiple_buffering"
        case mustHold = "must_hold"
        case bandwidthEfficiency = "bandwidth_efficiency"
    }

    init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        mark = reader.mark
        let name = reader.required(.name, Located<String>.self, example: "name: GlobalBuffer")
        technology = reader.optional(.technology, Located<String>.self)
        let size = reader.required(.size, Bytes.self, example: "size: 64 KiB")
        instances = reader.optional(.instances, Located<Int>.self) ?? Located(1, at: reader.mark)
        let holds = reader.optional(.holds, [Operand].self)
        let mustHold = reader.optional(.mustHold, [Operand].self)
        bandwidth = reader.optional(.bandwidth, Bandwidth.self)
        readBandwidth = reader.optional(.readBandwidth, Bandwidth.self)
        writeBandwidth = reader.optional(.writeBandwidth, Bandwidth.self)
        readEnergy = reader.optional(.readEnergy, MemoryAccessEnergy.self)
        writeEnergy = reader.optional(.writeEnergy, MemoryAccessEnergy.self)
        fillEnergy = reader.optional(.fillEnergy, MemoryAccessEnergy.self)
        width = reader.optional(.width, Bits.self)
        leakage = reader.optional(.leakage, Power.self)
        multipleBuffering = reader.optional(.multipleBuffering, Int.self) ?? 2
        bandwidthEfficiency = reader.optional(.bandwidthEfficiency, Double.self)
        if let share = bandwidthEfficiency, !PrecisionEntry.isShare(share) {
            reader.error(
                "bandwidth_efficiency is a share of the bandwidth, above 0 and at most 1, found \(share)",
                at: .bandwidthEfficiency, hint: "bandwidth_efficiency: 0.9")
        }
        let writtenKind = reader.optional(.kind, MemoryLevel.Kind.self)

        if let name, !Self.isValidName(name.value) {
            reader.error(
                "level name '\(name.value)' must be letters, digits and underscores, starting with a letter",
                at: .name, hint: "name: GlobalBuffer")
        }
        if let size, size.si <= 0 {
            reader.error("size must be positive, found \(size)", at: .size, hint: "size: 64 KiB")
        } else if let size, size.si.rounded() != size.si {
            reader.error("size must be a whole number of bytes, found \(size.si) B", at: .size)
        }
        if instances.value < 1 || instances.value > 1 << 32 {
            reader.error("instances must be from 1 to 2^32, found \(instances.value)", at: .instances)
        }
        if let holds, holds.isEmpty {
            reader.error("holds must list at least one operand", at: .holds, hint: "holds: [weights, inputs, outputs]")
        }
        if let holds, Set(holds).count != holds.count {
            reader.error("holds lists an operand twice", at: .holds)
        }
        let held = Set(holds ?? Operand.allCases)
        self.holds = held
        self.mustHold = Set(mustHold ?? [])
        if let mustHold, Set(mustHold).count != mustHold.count {
            reader.error("must_hold lists an operand twice", at: .mustHold)
        }
        if let outside = mustHold?.first(where: { !held.contains($0) }) {
            reader.error(
                "must_hold lists \(outside.rawValue), which the level does not hold", at: .mustHold,
                hint: "must_hold names operands from holds, e.g. holds: [weights, inputs]  must_hold: [inputs]")
        }
        if bandwidth != nil && (readBandwidth != nil || writeBandwidth != nil) {
            reader.error(
                "give either bandwidth (shared by reads and writes) or read_bandwidth/write_bandwidth, not both",
                at: .bandwidth)
        }
        for (key, value) in [
            (CodingKeys.bandwidth, bandwidth), (.readBandwidth, readBandwidth), (.writeBandwidth, writeBandwidth),
        ] {
            if let value, value.si <= 0 { reader.error("\(key.stringValue) must be positive", at: key) }
        }
        let energies = [(CodingKeys.readEnergy, readEnergy), (.writeEnergy, writeEnergy), (.fillEnergy, fillEnergy)]
        for (key, value) in energies {
            guard let value else { continue }
            if case .perAccess = value, width == nil {
                reader.error(
                    "\(key.stringValue) is per access, so the level needs a width", at: key,
                    hint: "add the access width, for example: width: 64 bit")
            }
            // A fill may cost nothing here when the parent's per-bit energy already carries it.
            if let perBit = value.perBit(width: width?.si), key == .fillEnergy ? perBit.si < 0 : perBit.si <= 0 {
                reader.error(
                    "\(key.stringValue) must be \(key == .fillEnergy ? "zero or positive" : "positive")", at: key,
                    hint: "\(key.stringValue): \(key == .fillEnergy ? "0 pJ/bit" : "2 pJ/bit")")
            }
        }
        if let width, width.si <= 0 || width.si.rounded() != width.si {
            reader.error("width must be a positive whole number of bits", at: .width)
        }
        if let leakage, leakage.si < 0 { reader.error("leakage cannot be negative", at: .leakage) }
        if multipleBuffering < 1 || multipleBuffering > 64 {
            reader.error("multiple_buffering must be from 1 to 64, found \(multipleBuffering)", at: .multipleBuffering)
        }
        if let technology, EstimateTables.dram(named: technology.value) == nil {
            reader.error(
                "unknown DRAM technology '\(technology.value)'", at: .technology,
                hint: Suggestion.hint(for: technology.value, among: EstimateTables.dram.map(\.name)))
        }
        if let writtenKind {
            kind = writtenKind
            if writtenKind != .dram && technology != nil {
                reader.error(
                    "technology names a DRAM type, but this level is kind \(writtenKind.rawValue)", at: .technology)
            }
        } else if technology != nil {
            kind = .dram
        } else if let size, size.si < 1024 {
            kind = .register
        } else {
            kind = .sram
        }
        if kind == .dram && technology == nil && readEnergy == nil {
            reader.error(
                "a DRAM level needs read_energy or a technology to estimate it from", at: nil,
                hint: "technology: LPDDR5   (or read_energy: 5 pJ/bit)")
        }
        try reader.finish()
        self.name = try reader.unwrap(name)
        self.size = try reader.unwrap(size)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
    }
}
