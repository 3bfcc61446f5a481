import Foundation
import JouleSpec
import YAML

/// Writes fitted values into a hardware file's YAML text, keeping everything else (comments,
/// order, layout): each affected value is replaced on its line, or inserted beside its
/// siblings, and the line ends with `# calibrated: SOURCE, N rows, DATE, ± σ` (the fit's
/// standard error of the value on that line). A replaced line is kept above its new form as a
/// `# was:` comment, so no earlier number or comment is lost. Written are the per-action
/// energies, static power, the measured idle power and the time efficiencies (`efficiency`
/// per compute precision and for the vector unit, `bandwidth_efficiency` per memory level).
public struct HardwareFileEditor: Sendable {
    /// What the edit did.
    public struct Outcome: Sendable {
        /// The new file text.
        public var text: String
        /// Descriptions of the values written (`static_power: 140 W -> 96.1 W`).
        public var written: [String]
        /// Coefficients left as they were, with why.
        public var kept: [String]
    }

    /// One change to a line: replace `length` characters at `column` (1-based) with `text`.
    struct Splice {
        var line: Int
        var column: Int
        var length: Int
        var text: String
    }

    /// One new line, inserted after line `after` (1-based; 0 inserts at the top).
    struct NewLine {
        var after: Int
        var text: String
        var sigma: String?
    }

    let lines: [String]
    let lineEnd: String
    let root: YAMLNode
    let path: String
    var splices: [Splice] = []
    var newLines: [NewLine] = []
    /// Standard errors of the values set on each edited line, by line (1-based).
    var sigmas: [Int: [String]] = [:]
    /// The standard error of the next value set (`± 0.0054 pJ`), attached to its line.
    var pendingSigma: String?

    /// An editor over a hardware file's text.
    public init(text: String, path: String) throws(CalibrationError) {
        // "\r\n" is one Character in Swift: split on it too, and write the file's own line ends back.
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(
            String.init)
        lineEnd = text.contains("\r\n") ? "\r\n" : "\n"
        self.path = path
        let parsed: YAMLNode?
        do {
            parsed = try YAMLParser().parse(text, path: path)
        } catch {
            throw CalibrationError("cannot read \(path) as YAML: \(error)")
        }
        guard let parsed, parsed.entries != nil else { throw CalibrationError("\(path) is not a YAML mapping") }
        root = parsed
    }

    /// The calibrated text of a hardware file: every fitted coefficient written, the others kept.
    ///
    /// - Parameters:
    ///   - note: what follows `# fitted: ` on each edited line (`example.csv, 48 rows, 2025-06-01`).
    public static func calibrated(text: String, path: String, calibration: Calibration, note: String)
        throws(CalibrationError) -> Outcome
    {
        var editor = try HardwareFileEditor(text: text, path: path)
        let hardware = calibration.hardware
        var written: [String] = []
        var kept: [String] = []
        var expected: [(EnergyCoefficient.Kind, Double, Double?)] = []  // kind, read value, write value
        for (coefficient, estimate) in zip(calibration.coefficients, calibration.energy.estimates) {
            switch estimate.status {
            case .fitted, .atBound:
                if estimate.value <= 0 && coefficient.kind != .staticPower {
                    kept.append("\(coefficient.name): the fit puts it at zero, which a hardware file cannot hold")
                    continue
                }
            case .noData:
                kept.append("\(coefficient.name): no row exercises it")
                continue
            case .collinear:
                kept.append("\(coefficient.name): not identifiable from these rows")
                continue
            }
            let value = estimate.value
            let old = QuantityFormat.format(estimate.prior, kind: coefficient.unit)
            editor.pendingSigma = estimate.standardError.map {
                "± "
                    + (coefficient.kind == .staticPower
                        ? format($0, unit: "W") : format($0, unit: coefficient.kind.isLevel ? "J/bit" : "J"))
            }
            switch coefficient.kind {
            case .staticPower:
                let text = format(value, unit: "W")
                try editor.set(path: [], key: "static_power", value: text, after: "clock")
                written.append("static_power: \(old) -> \(text)")
                expected.append((coefficient.kind, value, nil))
            case .mac(let precision):
                let text = format(value, unit: "J")
                try editor.setPrecision(precision.rawValue, energy: text)
                written.append("compute.precisions.\(precision): \(old) -> \(text)")
                expected.append((coefficient.kind, value, nil))
            case .vector:
                let text = format(value, unit: "J")
                try editor.setVectorEnergy(text, lanes: hardware.compute.vector.lanes)
                written.append("compute.vector.energy_per_op: \(old) -> \(text)")
                expected.append((coefficient.kind, value, nil))
            case .level(let index):
                let level = hardware.memory[index]
                let text = format(value, unit: "J/bit")
                try editor.setLevel(index, key: "read_energy", value: text)
                written.append("memory.\(level.name).read_energy: \(old) -> \(text)")
                let write = value * coefficient.writeRatio
                let hasWrite = editor.levelNode(index)?["write_energy"] != nil
                if hasWrite || abs(coefficient.writeRatio - 1) > 1e-9 {
                    let writeText = format(write, unit: "J/bit")
                    editor.pendingSigma = estimate.standardError.map {
                        "± " + format($0 * coefficient.writeRatio, unit: "J/bit")
                    }
                    try editor.setLevel(index, key: "write_energy", value: writeText)
                    let oldWrite = QuantityFormat.format(level.writeEnergy.value.si, kind: .energyPerBit)
                    written.append("memory.\(level.name).write_energy: \(oldWrite) -> \(writeText)")
                }
                // A given fill energy keeps its share of the write energy (the fit counted fills at it).
                let fill = level.fillEnergy.value.si
                if editor.levelNode(index)?["fill_energy"] != nil, fill > 0, level.writeEnergy.value.si > 0 {
                    let fillText = format(write * fill / level.writeEnergy.value.si, unit: "J/bit")
                    editor.pendingSigma = nil
                    try editor.setLevel(index, key: "fill_energy", value: fillText)
                    let oldFill = QuantityFormat.format(fill, kind: .energyPerBit)
                    written.append("memory.\(level.name).fill_energy: \(oldFill) -> \(fillText)")
                }
                expected.append((coefficient.kind, value, write))
            }
        }
        var expectedShares: [(String, Double, (Accelerator) -> Double?)] = []
        try writeEfficiencies(
            calibration, editor: &editor, written: &written, kept: &kept, expected: &expectedShares)
        if let idle = measuredIdlePower(calibration) {
            let text = format(idle.mean, unit: "W")
            editor.pendingSigma = idle.standardError.map {
                "± " + format($0, unit: "W") + ", mean of \(idle.rows) rows"
            }
            try editor.set(path: [], key: "idle_power", value: text, after: "static_power")
            let old = hardware.idlePower.provenance.isEstimated ? "none" : hardware.idlePower.value.description
            written.append("idle_power: \(old) -> \(text)")
            expectedShares.append(("idle_power", idle.mean, { $0.idlePower.value.si }))
        }
        let result = editor.render(note: note)
        // The result must load, and carry the values written.
        let decoded: Accelerator
        do {
            decoded = try YAMLDecoder().decode(Accelerator.self, from: result, path: path)
        } catch {
            throw CalibrationError("internal: the calibrated file does not load: \(error)")
        }
        for (kind, value, write) in expected {
            let read: Double
            var writeRead: Double?
            switch kind {
            case .staticPower: read = decoded.staticPower.value.si
            case .mac(let precision): read = decoded.compute.precisions[precision]?.macEnergy.value.si ?? 0
            case .vector: read = decoded.compute.vector.energyPerOp.value.si
            case .level(let i):
                read = decoded.memory[i].readEnergy.value.si
                writeRead = decoded.memory[i].writeEnergy.value.si
            }
            let close = { (a: Double, b: Double) in abs(a - b) <= 1e-4 * max(abs(a), abs(b), 1e-30) }
            if !close(read, value) || (write.map { !close($0, writeRead ?? 0) } ?? false) {
                throw CalibrationError("internal: the calibrated file does not carry the fitted \(kind)")
            }
        }
        for (name, value, read) in expectedShares {
            guard let found = read(decoded), abs(found - value) <= 1e-4 * max(abs(value), 1e-30) else {
                throw CalibrationError("internal: the calibrated file does not carry the fitted \(name)")
            }
        }
        return Outcome(text: result, written: written, kept: kept)
    }

    /// Writes each fitted time efficiency, a share of the datasheet peak (the calibrator fits
    /// against the peaks). A share above 1 means the file's peak is too low for the
    /// measurements; it is kept, with why.
    static func writeEfficiencies(
        _ calibration: Calibration, editor: inout HardwareFileEditor, written: inout [String], kept: inout [String],
        expected: inout [(String, Double, (Accelerator) -> Double?)]
    ) throws(CalibrationError) {
        let hardware = calibration.hardware
        for efficiency in calibration.efficiencies {
            guard let share = efficiency.efficiency else {
                kept.append("\(efficiency.name) efficiency: not identifiable from these rows")
                continue
            }
            let text = shareText(share)
            let key = efficiency.timeClass.isLevel ? "bandwidth_efficiency" : "efficiency"
            let sigma = efficiency.standardError.map { "\(key) ± " + shareText($0) }
            guard share <= 1 else {
                kept.append("\(efficiency.name) efficiency: the rows run at \(text) of the file's peak; check the peak")
                continue
            }
            switch efficiency.timeClass {
            case .gemmCompute:
                let used = Set(calibration.fitRows.flatMap { row in row.activity.macs.filter { $0.value > 0 }.keys })
                for precision in hardware.compute.supportedPrecisions where used.contains(precision) {
                    editor.pendingSigma = sigma
                    try editor.setPrecision(precision.rawValue, key: "efficiency", value: text)
                    written.append("compute.precisions.\(precision).efficiency: \(text)")
                    expected.append(
                        ("\(precision) efficiency", share, { $0.compute.precisions[precision]?.efficiency }))
                }
            case .vectorCompute:
                editor.pendingSigma = sigma
                try editor.setVector(key: "efficiency", value: text, lanes: hardware.compute.vector.lanes)
                written.append("compute.vector.efficiency: \(text)")
                expected.append(("vector efficiency", share, { $0.compute.vector.efficiency }))
            case .level(let index):
                let level = hardware.memory[index]
                editor.pendingSigma = sigma
                try editor.setLevel(index, key: "bandwidth_efficiency", value: text)
                written.append("memory.\(level.name).bandwidth_efficiency: \(text)")
                expected.append(("\(level.name) bandwidth efficiency", share, { $0.memory[index].bandwidthEfficiency }))
            }
        }
    }

    /// The mean idle power the rows measured (`idle_power_w`), its standard error and the row
    /// count; nil when no fitted row gives one.
    static func measuredIdlePower(_ calibration: Calibration) -> (mean: Double, standardError: Double?, rows: Int)? {
        let values = calibration.fitRows.compactMap(\.measurement.idlePower)
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        guard values.count > 1 else { return (mean, nil, 1) }
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
        return (mean, (variance / Double(values.count)).squareRoot(), values.count)
    }

    /// A share to four significant digits, as a bare number (`0.7183`).
    static func shareText(_ value: Double) -> String { QuantityFormat.number(value, significant: 4) }

    /// A value to five significant digits in the unit hardware files use (pJ, pJ/bit, W), in a
    /// form the unit parser reads back.
    static func format(_ value: Double, unit: String) -> String {
        switch unit {
        case "J", "J/bit": return "\(QuantityFormat.number(value * 1e12, significant: 5)) p\(unit)"
        default: return QuantityFormat.scaled(value, unit: unit, significant: 5)
        }
    }

    // MARK: - Locating nodes

    func node(at path: [String]) -> YAMLNode? {
        var node = root
        for key in path {
            guard let next = node[key] else { return nil }
            node = next
        }
        return node
    }

    func levelNode(_ index: Int) -> YAMLNode? {
        guard let items = root["memory"]?.items, index < items.count else { return nil }
        return items[index]
    }

    // MARK: - Edits

    /// Sets `key` in the mapping at `path` (replacing its value, or inserting the entry after
    /// the `after` entry, else beside the others).
    mutating func set(path: [String], key: String, value: String, after anchor: String? = nil)
        throws(CalibrationError)
    {
        guard let mapping = node(at: path) else {
            throw CalibrationError("cannot find \(path.joined(separator: ".")) in \(self.path)")
        }
        try set(mapping, key: key, value: value, after: anchor, description: (path + [key]).joined(separator: "."))
    }

    mutating func set(_ mapping: YAMLNode, key: String, value: String, after anchor: String?, description: String)
        throws(CalibrationError)
    {
        guard let entries = mapping.entries else {
            throw CalibrationError("\(description): the enclosing value is not a mapping in \(path)")
        }
        if let entry = entries.first(where: { $0.key == key }) {
            try replace(entry, with: value, description: description)
        } else {
            try insert(into: mapping, key: key, value: value, after: anchor, description: description)
        }
    }

    mutating func setPrecision(_ name: String, energy: String) throws(CalibrationError) {
        try setPrecision(name, key: "energy", value: energy)
    }

    /// Sets `energy` or `efficiency` of a precision entry; a bare energy entry becomes a
    /// mapping when it gains an efficiency.
    mutating func setPrecision(_ name: String, key: String, value: String) throws(CalibrationError) {
        guard let precisions = node(at: ["compute", "precisions"]), let entries = precisions.entries,
            let entry = entries.first(where: { $0.key == name })
        else {
            throw CalibrationError("cannot find compute.precisions.\(name) in \(path)")
        }
        if entry.value.entries != nil {
            try set(entry.value, key: key, value: value, after: nil, description: "precisions.\(name).\(key)")
        } else if key == "energy" {
            try replace(entry, with: value, description: "compute.precisions.\(name)")
        } else {
            // `bf16: 0.38 pJ` (or `bf16:` / `bf16: estimated`) -> `bf16: { energy: 0.38 pJ, efficiency: 0.72 }`,
            // keeping an energy spliced in by this edit.
            let line = entry.value.mark.line
            let pending = splices.lastIndex { $0.line == line && $0.column == entry.value.mark.column }
            let scalar = entry.value.scalar ?? ""
            let energy =
                pending.map { splices[$0].text }
                ?? (entry.value.isNull || scalar == "estimated" || scalar == "estimate" ? nil : scalar)
            if let pending { splices.remove(at: pending) }
            let mapping = energy.map { "{ energy: \($0), \(key): \(value) }" } ?? "{ \(key): \(value) }"
            try replace(entry, with: mapping, description: "compute.precisions.\(name)")
        }
    }

    mutating func setVector(key: String, value: String, lanes: Int) throws(CalibrationError) {
        guard let compute = node(at: ["compute"]) else { throw CalibrationError("cannot find compute in \(path)") }
        if let vector = compute["vector"] {
            try set(vector, key: key, value: value, after: "lanes", description: "compute.vector")
        } else {
            try insert(
                into: compute, key: "vector", value: "{ lanes: \(lanes), \(key): \(value) }", after: "dataflows",
                description: "compute.vector")
        }
    }

    mutating func setVectorEnergy(_ energy: String, lanes: Int) throws(CalibrationError) {
        guard let compute = node(at: ["compute"]) else { throw CalibrationError("cannot find compute in \(path)") }
        if let vector = compute["vector"] {
            try set(vector, key: "energy_per_op", value: energy, after: "lanes", description: "compute.vector")
        } else {
            try insert(
                into: compute, key: "vector", value: "{ lanes: \(lanes), energy_per_op: \(energy) }",
                after: "dataflows",
                description: "compute.vector")
        }
    }

    mutating func setLevel(_ index: Int, key: String, value: String) throws(CalibrationError) {
        guard let level = levelNode(index) else {
            throw CalibrationError("cannot find memory level \(index) in \(path)")
        }
        let anchor = key == "write_energy" ? "read_energy" : "bandwidth"
        try set(level, key: key, value: value, after: anchor, description: "memory[\(index)].\(key)")
    }

    /// Replaces an entry's scalar (or empty) value on its line.
    mutating func replace(_ entry: YAMLEntry, with value: String, description: String) throws(CalibrationError) {
        let line = entry.value.mark.line
        guard line >= 1 && line <= lines.count, entry.value.scalar != nil else {
            throw CalibrationError("\(description): expected a single value on one line in \(path)")
        }
        let text = Array(lines[line - 1])
        let start = entry.value.mark.column - 1
        let scalar = entry.value.scalar ?? ""
        if entry.value.isNull && scalar.isEmpty {
            // `key:` with nothing after it: put the value after the colon.
            let keyLine = Array(lines[entry.keyMark.line - 1])
            var colon = entry.keyMark.column - 1 + entry.key.count
            while colon < keyLine.count && keyLine[colon] != ":" { colon += 1 }
            guard colon < keyLine.count else { throw CalibrationError("\(description): cannot find the colon") }
            splices.append(Splice(line: entry.keyMark.line, column: colon + 2, length: 0, text: " " + value))
            takeSigma(line: entry.keyMark.line)
            return
        }
        guard start >= 0 && start < text.count else {
            throw CalibrationError("\(description): the value's position is outside its line")
        }
        var length: Int
        if text[start] == "\"" || text[start] == "'" {
            var end = start + 1
            while end < text.count && text[end] != text[start] { end += 1 }
            length = end - start + 1
        } else {
            length = scalar.count
            if start + length > text.count || String(text[start..<(start + length)]) != scalar {
                // A plain scalar written across lines, or with odd spacing: take up to the next
                // flow delimiter or comment.
                var end = start
                while end < text.count && ![",", "}", "]", "#"].contains(text[end]) { end += 1 }
                while end > start && text[end - 1] == " " { end -= 1 }
                length = end - start
            }
        }
        splices.append(Splice(line: line, column: start + 1, length: length, text: value))
        takeSigma(line: line)
    }

    /// Inserts `key: value` into a mapping: into a flow mapping just after its `{`, into a
    /// block mapping on a new line after the anchor entry (or its last one-line entry).
    mutating func insert(into mapping: YAMLNode, key: String, value: String, after anchor: String?, description: String)
        throws(CalibrationError)
    {
        let line = mapping.mark.line
        let characters = line >= 1 && line <= lines.count ? Array(lines[line - 1]) : []
        let start = mapping.mark.column - 1
        if start >= 0 && start < characters.count && characters[start] == "{" {
            let rest = characters[(start + 1)...].drop { $0 == " " }
            let text = rest.first == "}" ? " \(key): \(value) " : " \(key): \(value),"
            splices.append(Splice(line: line, column: start + 2, length: 0, text: text))
            takeSigma(line: line)
            return
        }
        guard let entries = mapping.entries, let first = entries.first else {
            throw CalibrationError("\(description): cannot add an entry to an empty mapping in \(path)")
        }
        let indent = String(repeating: " ", count: first.keyMark.column - 1)
        let oneLine = entries.filter { endLine(of: $0) != nil }
        guard
            let target = entries.first(where: { $0.key == anchor && endLine(of: $0) != nil }) ?? oneLine.last,
            let end = endLine(of: target)
        else {
            throw CalibrationError("\(description): cannot find where to add \(key) in \(path); add it by hand")
        }
        // Keep comment lines that follow the entry (at its indentation or deeper) with it.
        var after = end
        while after < lines.count {
            let next = lines[after]
            let trimmed = next.drop { $0 == " " }
            guard trimmed.hasPrefix("#"), next.count - trimmed.count >= indent.count else { break }
            after += 1
        }
        newLines.append(NewLine(after: after, text: "\(indent)\(key): \(value)", sigma: pendingSigma))
        pendingSigma = nil
    }

    /// Attaches the pending standard error to an edited line.
    mutating func takeSigma(line: Int) {
        if let sigma = pendingSigma { sigmas[line, default: []].append(sigma) }
        pendingSigma = nil
    }

    /// The last line of an entry whose value sits on its key's line (a scalar, or a flow
    /// collection closed on that line); nil for block values.
    func endLine(of entry: YAMLEntry) -> Int? {
        let line = entry.keyMark.line
        guard entry.value.mark.line == line, line >= 1, line <= lines.count else { return nil }
        if entry.value.scalar != nil { return line }
        let text = lines[line - 1]
        let opens = text.filter { $0 == "{" || $0 == "[" }.count
        let closes = text.filter { $0 == "}" || $0 == "]" }.count
        return opens == closes ? line : nil
    }

    // MARK: - Rendering

    /// The edited text, each changed or new line ending in `# calibrated: note` and the
    /// standard errors of the values on it.
    func render(note: String) -> String {
        var output = lines
        var edited: Set<Int> = []
        for splice in splices { edited.insert(splice.line) }
        // Apply splices right to left on each line so earlier columns stay valid.
        for line in edited {
            var characters = Array(output[line - 1])
            let original = output[line - 1]
            let body = Self.withoutComment(original)
            var bodyCharacters = Array(body)
            for splice in splices.filter({ $0.line == line }).sorted(by: { $0.column > $1.column }) {
                let from = min(splice.column - 1, bodyCharacters.count)
                let to = min(from + splice.length, bodyCharacters.count)
                bodyCharacters.replaceSubrange(from..<to, with: Array(splice.text))
            }
            var bodyText = String(bodyCharacters)
            while bodyText.hasSuffix(" ") { bodyText.removeLast() }
            let errors = sigmas[line].map { ", " + $0.joined(separator: ", ") } ?? ""
            characters = Array(bodyText + "  # calibrated: " + note + errors)
            output[line - 1] = String(characters)
        }
        // New entries, then the earlier forms of edited lines as comments above them.
        var inserts: [(after: Int, text: String)] = newLines.map {
            ($0.after, "\($0.text)  # calibrated: \(note)" + ($0.sigma.map { ", \($0)" } ?? ""))
        }
        inserts += edited.sorted().map { line in
            let original = lines[line - 1]
            let indent = String(original.prefix { $0 == " " })
            return (line - 1, "\(indent)# was: \(original.drop { $0 == " " })")
        }
        // Insert from the bottom so line numbers above stay valid; at one spot keep the order.
        let ordered = inserts.enumerated().sorted { ($0.element.after, $0.offset) > ($1.element.after, $1.offset) }
        for insert in ordered.map(\.element) {
            output.insert(insert.text, at: min(insert.after, output.count))
        }
        return output.joined(separator: lineEnd)
    }

    /// A line without its trailing comment (a `#` outside quotes, at the start or after a blank).
    static func withoutComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        for (index, character) in line.enumerated() {
            if let open = quote {
                if character == open { quote = nil }
            } else if (character == "\"" || character == "'") && [" ", ":", "{", "[", ","].contains(previous) {
                quote = character
            } else if character == "#" && (previous == " " || previous == "\t") {
                return String(line.prefix(index))
            }
            previous = character
        }
        return line
    }
}

extension TimeClass {
    /// Whether the class is a memory level's streaming.
    var isLevel: Bool {
        if case .level = self { return true }
        return false
    }
}

extension EnergyCoefficient.Kind {
    /// Whether the coefficient is a memory level's energy per bit.
    var isLevel: Bool {
        if case .level = self { return true }
        return false
    }
}
