import Foundation
import JouleSpec
import YAML

/// Writes a Timeloop architecture as a Joule hardware file, each number with its origin in a
/// comment: sizes from depth, block and word size, energies from the Accelergy table when it
/// lists the component (left out, so that Joule estimates them, when it does not).
struct HardwareWriter {
    var architecture: TimeloopArchitecture
    /// The architecture file, for comments.
    var path: String
    var table: AccelergyEnergyTable?
    /// Data-space names to Joule operands, for `keep`/`bypass` constraints.
    var roles: [String: Operand] = TimeloopImport.defaultRoles
    /// The MAC and operand precision, once `write` has chosen it.
    private(set) var precision: Precision?

    /// The largest size Joule reads (2^60 B = 1024 PiB), written for a DRAM Timeloop leaves unbounded.
    static let unboundedSize = "1024 PiB"
    /// The clock assumed when the architecture gives no `global_cycle_seconds` (1 ns cycles,
    /// which Timeloop's summaries print their GFLOPs at: "GFLOPs (@1GHz)").
    static let defaultCycleSeconds = 1e-9

    init(architecture: TimeloopArchitecture, path: String, table: AccelergyEnergyTable?) {
        self.architecture = architecture
        self.path = path
        self.table = table
    }

    /// The hardware file's text; faults go to `source` (the architecture) and `tableSource`.
    mutating func write(_ source: inout TimeloopSource, table tableSource: inout TimeloopSource?) -> String {
        // (tableSource collects the energy table's errors: zero energies, update priced apart.)
        let arch = architecture
        var lines = [
            "# Imported by `joule import timeloop` from the Timeloop architecture \(path)"
                + (table.map { "\n# and the Accelergy energy table \($0.path) (energies in pJ per action)" } ?? "")
                + ".",
            "# Energies " + (table == nil ? "are" : "the table does not list are")
                + " left out, so Joule estimates them from the technology (joule show marks them est.).",
            "name: \(TimeloopImport.quoted(Self.identifier(arch.name ?? "timeloop")))",
            "source: \(TimeloopImport.quoted("Imported from the Timeloop architecture \(path)"))",
        ]
        // Technology: "40nm" -> 40 nm.
        if let technology = arch.technology {
            let digits = technology.value.filter(\.isNumber)
            if let nanometers = Int(digits), EstimateTables.node(nanometers: nanometers) != nil {
                lines.append("technology: \(nanometers) nm    # attributes.technology \"\(technology.value)\"")
            } else {
                source.error(
                    "technology '\(technology.value)' is not a node Joule has estimates for", at: technology.mark,
                    hint: "one of " + EstimateTables.nodes.map { "\($0.nanometers)nm" }.joined(separator: ", "))
            }
        } else {
            source.error(
                "the architecture gives no technology; Joule needs one for its estimates", at: source.root.mark,
                hint: "attributes: { technology: \"40nm\" } on the top container")
        }
        let cycle = arch.cycleSeconds ?? Self.defaultCycleSeconds
        // Joule's clock limits (README, "Errors, exit codes and limits"): 1 kHz to 10 THz.
        if !(1e-13...1e-3).contains(cycle) {
            source.error(
                "global_cycle_seconds \(cycle) s is outside the 1 kHz to 10 THz clocks Joule reads",
                at: source.root.mark)
        }
        let clock = 1 / cycle
        lines.append(
            "clock: \(Self.number(clock)) Hz    # "
                + (arch.cycleSeconds.map { "1 / global_cycle_seconds (\($0) s)" }
                    ?? "no global_cycle_seconds: 1 ns cycles assumed"))

        // One word size for every level: Joule gives each operand one precision.
        let given = arch.storages.compactMap { level in level.wordBits.map { ($0, level.wordBitsMark) } }
        let bits = given.first?.0 ?? arch.compute?.wordBits ?? TimeloopArchitecture.defaultWordBits
        for (other, mark) in given where other != bits {
            source.error(
                "datawidth \(other) differs from \(bits) at an outer level; Joule holds each operand at one word size",
                at: mark, hint: "give every storage level the same datawidth")
        }
        let floating = arch.compute?.className.contains("fp") ?? false
        let plain: [Precision] = [.int4, .int8, .int16, .int32, .fp8, .fp16, .fp32]
        let precision = plain.first { $0.bits == bits && $0.isFloatingPoint == floating }
        if precision == nil {
            source.error(
                "a \(bits)-bit \(floating ? "floating-point" : "integer") word has no Joule precision",
                at: given.first?.1 ?? arch.compute?.mark,
                hint: "Joule's precisions: " + Precision.allCases.map(\.rawValue).joined(separator: ", "))
        }
        self.precision = precision

        if let compute = arch.compute {
            lines.append("compute:")
            lines.append("  kind: parallel    # Timeloop counts compute cycles as the product of temporal loops")
            lines.append(
                "  array: { rows: \(compute.rows), cols: \(compute.cols) }    # \(compute.name): meshX x meshY instances"
            )
            lines.append("  precisions:")
            let name = precision?.rawValue ?? "int8"
            if let energy = table?.action(compute.name, ["compute", "mac_random", "multiply_accumulate", "mac"]) {
                Self.requirePositive(energy, of: compute.name, in: &tableSource)
                lines.append("    \(name): \(energy.picojoules) pJ    # ERT \(compute.name) \(energy.name)")
            } else {
                lines.append("    \(name): estimated    # no energy table entry for \(compute.name)")
            }
        }
        lines.append("memory:")
        for level in arch.storages {
            lines += self.level(level, bits: bits, cycle: cycle, clock: clock, source: &source, table: &tableSource)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One `memory:` entry.
    private func level(
        _ level: TimeloopArchitecture.Storage, bits: Int, cycle: Double, clock: Double, source: inout TimeloopSource,
        table tableSource: inout TimeloopSource?
    ) -> [String] {
        var lines = [
            "  - name: \(Self.identifier(level.name))",
            "    kind: \(level.kind.rawValue)    # class \(level.className)",
        ]
        if let words = level.words {
            // words <= 2^62 and bits <= 2^31: counted in Double, exact up to Joule's 2^60-byte limit.
            let bytes = Double(words) * Double(bits) / 8
            if bytes.rounded() != bytes {
                source.error(
                    "\(level.name) holds \(words) words of \(bits) bits, not a whole number of bytes", at: level.mark)
            }
            lines.append(
                "    size: \(bytes <= 0x1p60 ? String(Int(bytes.rounded(.up))) : Self.number(bytes)) B    # \(level.sizeNote), \(bits)-bit words"
            )
        } else {
            lines.append("    size: \(Self.unboundedSize)    # Timeloop's DRAM has no depth; Joule's largest size")
        }
        if level.instances > 1 {
            lines.append("    instances: \(level.instances)    # meshX x meshY of the containers above")
        }
        lines.append(
            "    width: \(level.blockSize * bits) bit    # block of \(level.blockSize) word\(level.blockSize == 1 ? "" : "s"): energy per block access"
        )
        let bytesPerSecond = Double(bits) / 8 * clock
        if let shared = level.sharedBandwidth {
            lines.append(
                "    bandwidth: \(Self.number(shared * bytesPerSecond)) B/s    # shared_bandwidth \(shared) words/cycle"
            )
        } else if level.readBandwidth != nil || level.writeBandwidth != nil {
            // Joule needs both when either is given; Timeloop leaves the other unlimited.
            let read = level.readBandwidth ?? level.writeBandwidth ?? 1
            let write = level.writeBandwidth ?? read
            lines.append("    read_bandwidth: \(Self.number(read * bytesPerSecond)) B/s    # \(read) words/cycle")
            lines.append("    write_bandwidth: \(Self.number(write * bytesPerSecond)) B/s    # \(write) words/cycle")
        }
        let read = table?.action(level.name, ["read", "random_read"])
        let write = table?.action(level.name, ["write", "random_fill", "fill"])
        let update = table?.action(level.name, ["update", "random_update"])
        if let read {
            Self.requirePositive(read, of: level.name, in: &tableSource)
            lines.append("    read_energy: \(read.picojoules) pJ/access    # ERT \(level.name) \(read.name)")
        }
        if let write = write ?? update {
            Self.requirePositive(write, of: level.name, in: &tableSource)
            lines.append("    write_energy: \(write.picojoules) pJ/access    # ERT \(level.name) \(write.name)")
            if let update, update.picojoules != write.picojoules {
                tableSource?.error(
                    "\(level.name)'s update costs \(update.picojoules) pJ and its write \(write.picojoules) pJ; "
                        + "Joule charges fills and updates at one write energy",
                    at: update.mark, hint: "give update the write energy (or the reverse) before importing")
            }
        }
        if level.kind == .dram, read == nil {
            if let type = level.dramType, EstimateTables.dram(named: type.value) != nil {
                lines.append("    technology: \(type.value)    # attributes.type")
            } else {
                source.error(
                    "DRAM '\(level.name)' has no read energy in an energy table and no known attributes.type",
                    at: level.dramType?.mark ?? level.mark,
                    hint: "pass Accelergy's ERT with --ert, or give type: one of "
                        + EstimateTables.dram.map(\.name).joined(separator: ", "))
            }
        }
        if let leak = table?.action(level.name, ["leak"]) {
            lines.append(
                "    leakage: \(Self.number(leak.picojoules * 1e-12 / cycle)) W    # ERT \(level.name) leak: \(leak.picojoules) pJ per cycle"
            )
        }
        // Timeloop's keep forces a data space into the level and bypass forces it out; the rest
        // is the mapper's choice. Joule's holds is what a level may keep, must_hold what it keeps.
        // (Timeloop's own mapper would also choose for the levels here; Joule's does the same.)
        for name in (level.keep ?? []) + level.bypass where roles[name.value] == nil {
            source.error(
                "data space '\(name.value)' is not one of the problem's", at: name.mark,
                hint: Suggestion.hint(for: name.value, among: roles.keys.sorted()))
        }
        var holds = Set(Operand.allCases).subtracting(level.bypass.compactMap { roles[$0.value] })
        let mustHold = Set((level.keep ?? []).compactMap { roles[$0.value] })
        // A !Parallel branch holds only what it keeps.
        if level.exclusive, level.keep != nil { holds = mustHold }
        if holds != Set(Operand.allCases) {
            let listed = Operand.allCases.filter(holds.contains).map(\.rawValue).joined(separator: ", ")
            lines.append("    holds: [\(listed)]    # constraints.dataspace bypass")
        }
        if !mustHold.isEmpty {
            let listed = Operand.allCases.filter(mustHold.contains).map(\.rawValue).joined(separator: ", ")
            lines.append("    must_hold: [\(listed)]    # constraints.dataspace keep")
        }
        return lines
    }

    /// Joule's access and MAC energies are above zero (a level that is never charged is left
    /// out instead), so an action the table prices at 0 pJ is an error at that energy; leaving it
    /// out would not do, since a left-out write energy is taken equal to the read energy.
    static func requirePositive(
        _ action: AccelergyEnergyTable.Action, of component: String, in source: inout TimeloopSource?
    ) {
        guard action.picojoules <= 0 else { return }
        source?.error(
            "\(component).\(action.name) costs 0 pJ, and Joule's access and MAC energies are above zero",
            at: action.mark, hint: "give it the energy it really costs, or remove the action to let Joule estimate it")
    }

    /// A derived number to 12 significant digits, so that 1 / 1e-9 s prints as 1000000000, not
    /// as the nearest double's 999999999.9999999.
    static func number(_ value: Double) -> String {
        String(format: "%.12g", value)
    }

    /// A Joule identifier: letters, digits and `_`, starting with a letter.
    static func identifier(_ name: String) -> String {
        var text = String(name.map { $0.isLetter || $0.isNumber || $0 == "_" ? $0 : "_" })
        if text.first?.isLetter != true { text = "L" + text }
        return text
    }
}
