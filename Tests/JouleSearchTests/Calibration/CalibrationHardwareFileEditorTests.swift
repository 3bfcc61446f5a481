import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// `--output` writes a hardware file that loads (what `joule check` does), carries the fitted
/// values, and keeps every comment of the original.
struct CalibrationHardwareFileEditorTests {
    /// The comment of every line of a YAML text (from its `#`), in order.
    static func comments(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            let body = HardwareFileEditor.withoutComment(String(line))
            return body.count < line.count
                ? String(line.dropFirst(body.count)).trimmingCharacters(in: .whitespaces) : nil
        }
    }

    @Test func calibratedH100LoadsAndKeepsItsComments() throws {
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let source = CalibrationSupport.path("Hardware/h100-sxm.yaml")
        let file = try MeasurementFile.load(CalibrationSupport.path("Measurements/example-h100-synthetic.csv"))
        let calibration = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog).calibrate(file)
        let original = try Catalog.readText(source)
        let note = "Measurements/example-h100-synthetic.csv, \(calibration.fitRows.count) rows, 2025-01-01"
        let outcome = try HardwareFileEditor.calibrated(
            text: original, path: "h100-calibrated.yaml", calibration: calibration, note: note)

        let folder = try CalibrationSupport.temporaryFolder()
        let path = (folder as NSString).appendingPathComponent("h100-calibrated.yaml")
        try outcome.text.write(toFile: path, atomically: true, encoding: .utf8)
        let decoded = try Catalog.decode(Accelerator.self, path: path)
        #expect(decoded.name == "h100-sxm")

        // Every original comment is still there, in order (the edited lines' ones on `# was:` lines).
        let after = outcome.text
        var position = after.startIndex
        for comment in Self.comments(original) {
            let found = after.range(of: comment, range: position..<after.endIndex)
            #expect(found != nil, "lost comment: \(comment)")
            if let found { position = found.upperBound }
        }
        // Every written value is on a line ending in the note, and loads back as fitted.
        // Lines end in the note and the standard error of what they carry (`, ± 0.0054 pJ`).
        let fittedLines = after.split(separator: "\n").filter { $0.contains("# calibrated: \(note), ") }
        // Four precisions (energy and efficiency on one line each), vector, HBM (energy and
        // bandwidth_efficiency on lines of their own), static power, idle power.
        #expect(fittedLines.count == 9)
        // 4 MAC energies + vector + HBM + static power, 4 precision efficiencies + HBM bandwidth
        // efficiency, and the idle power the rows measured (72 W in every row of the example).
        #expect(outcome.written.count == 13)
        #expect(decoded.idlePower.value.si == 72)
        #expect(after.contains("idle_power: 72 W  # calibrated: \(note), ± 0 W, mean of 43 rows"))
        // The bf16 line carries both standard errors: the MAC energy's and the efficiency's.
        #expect(fittedLines.contains { $0.contains("bf16: { energy: ") && $0.contains(" pJ, efficiency ± 0.00") })
        #expect(decoded.compute.precisions[.bf16]?.efficiency ?? 0 > 0.7)
        #expect(decoded.compute.precisions[.bf16]?.efficiency ?? 1 < 0.74)
        #expect(decoded.memory[0].bandwidthEfficiency > 0.86 && decoded.memory[0].bandwidthEfficiency < 0.9)
        let names = calibration.coefficients.map(\.name)
        func fitted(_ name: String) throws -> Double {
            calibration.energy.estimates[try #require(names.firstIndex(of: name))].value
        }
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-4 * abs(b) }
        #expect(close(decoded.staticPower.value.si, try fitted("static power")))
        #expect(decoded.staticPower.provenance == .given)
        for precision in [Precision.bf16, .fp16, .fp8, .int8] {
            let energy = try #require(decoded.compute.precisions[precision]?.macEnergy)
            #expect(close(energy.value.si, try fitted("MAC \(precision)")))
            #expect(energy.provenance == .given)
            #expect(
                decoded.compute.precisions[precision]?.macsPerPEPerCycle
                    == hardware.compute.precisions[precision]?.macsPerPEPerCycle)
        }
        #expect(close(decoded.compute.vector.energyPerOp.value.si, try fitted("vector op")))
        #expect(decoded.compute.vector.lanes == 16896)
        #expect(close(decoded.memory[0].readEnergy.value.si, try fitted("HBM")))
        #expect(close(decoded.memory[0].writeEnergy.value.si, try fitted("HBM")))
        // What the data did not touch is as it was.
        for i in 1..<4 { #expect(decoded.memory[i] == hardware.memory[i]) }
        #expect(outcome.kept.count == 3)
        #expect(after.contains("# was: static_power: 150 W\n"))
        #expect(after.contains("    # was: bf16: { energy: 0.64 pJ, macs_per_pe_per_cycle: 512, efficiency: 0.976 }"))
        #expect(after.contains("    bf16: { energy: "))
        #expect(after.contains("    # was: read_energy: 7.0 pJ/bit\n"))
        #expect(after.contains("\n    read_energy: "))
    }

    static let flowStyle = """
        # A test accelerator in flow style, with every energy given.
        name: flowy
        technology: 28 nm
        clock: 1 GHz   # nominal
        compute: { array: { rows: 16, cols: 16 }, precisions: { int8: 0.2 pJ, fp16: estimated }, vector: { lanes: 16, energy_per_op: 0.5 pJ } }
        memory:
          - { name: DRAM, technology: LPDDR4, size: 4 GiB, bandwidth: 25.6 GB/s, read_energy: 20 pJ/bit, write_energy: 24 pJ/bit }  # both given
          - { name: Buffer, size: 256 KiB }
          - name: PE
            size: 64 B
            instances: 256
            read_energy: 12 pJ/access     # per 64-bit access
            width: 64 bit
        """

    /// Flow mappings, an inline precision list, an `estimated` precision, a per-access energy and
    /// a missing static power are all edited in place, and the result loads with the fitted values.
    @Test func flowStyleFileIsEditedInPlace() throws {
        let hardware = try YAMLDecoder().decode(Accelerator.self, from: Self.flowStyle, path: "flowy.yaml")
        let truth = TrueCoefficients(
            mac: [.int8: 0.31e-12, .fp16: 1.3e-12], level: [0: 17e-12, 1: 0.9e-12, 2: 0.21e-12], vector: 0.7e-12,
            staticPower: 0.35, efficiencies: [:])
        var random = NormalNoise(seed: 9)
        var evaluated: [(MeasuredRun, Activity)] = []
        for row in 0..<30 {
            var activity = Activity(levels: 3)
            activity.macs[row % 2 == 0 ? .int8 : .fp16] = 1e9 * (1 + 4 * random.uniform())
            activity.readBits = (0..<3).map { _ in 1e8 * (1 + 9 * random.uniform()) }
            activity.writeBits = (0..<3).map { _ in 1e8 * (1 + 9 * random.uniform()) }
            activity.vectorOps = 1e9 * (1 + 4 * random.uniform())
            let seconds = 5e-3 * (1 + 4 * random.uniform())
            let joules = truth.joules(activity, seconds: seconds, hardware: hardware) * (1 + 0.002 * random.next())
            evaluated.append(
                (
                    MeasuredRun(
                        line: row + 2, workload: .op(.gemm, b: 1, m: 1, n: 1, k: 1), precision: nil,
                        hardware: "flowy", seconds: seconds, joules: joules), activity
                ))
        }
        let calibration = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog).fit(evaluated)
        #expect(calibration.energy.estimates.allSatisfy { $0.status == .fitted })
        let outcome = try HardwareFileEditor.calibrated(
            text: Self.flowStyle, path: "flowy.yaml", calibration: calibration, note: "bench.csv, 30 rows, 2025-01-01")
        let decoded = try YAMLDecoder().decode(Accelerator.self, from: outcome.text, path: "flowy-calibrated.yaml")
        let values = Dictionary(
            uniqueKeysWithValues: zip(calibration.coefficients.map(\.name), calibration.energy.estimates.map(\.value)))
        func close(_ a: Double, _ b: Double?) -> Bool { abs(a - (b ?? .nan)) <= 1e-4 * abs(b ?? 1) }
        #expect(close(decoded.compute.precisions[.int8]?.macEnergy.value.si ?? 0, values["MAC int8"]))
        #expect(close(decoded.compute.precisions[.fp16]?.macEnergy.value.si ?? 0, values["MAC fp16"]))
        #expect(close(decoded.compute.vector.energyPerOp.value.si, values["vector op"]))
        #expect(close(decoded.staticPower.value.si, values["static power"]))
        #expect(close(decoded.memory[0].readEnergy.value.si, values["DRAM"]))
        // DRAM writes keep the file's 24/20 ratio to reads.
        #expect(close(decoded.memory[0].writeEnergy.value.si, (values["DRAM"] ?? 0) * 1.2))
        #expect(close(decoded.memory[1].readEnergy.value.si, values["Buffer"]))
        #expect(close(decoded.memory[2].readEnergy.value.si, values["PE"]))
        #expect(close(decoded.memory[2].writeEnergy.value.si, values["PE"]))
        for (coefficient, estimate) in zip(calibration.coefficients, calibration.energy.estimates) {
            let error = try #require(estimate.standardError)
            let expected = truth.value(coefficient.kind, hardware: hardware)
            #expect(abs(estimate.value - expected) <= 3 * error, "\(coefficient.name)")
        }

        let lines = outcome.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "# A test accelerator in flow style, with every energy given.")
        #expect(lines[3] == "clock: 1 GHz   # nominal")
        #expect(
            lines[4].hasPrefix("static_power: ")
                && lines[4].contains("W  # calibrated: bench.csv, 30 rows, 2025-01-01, ± "))
        #expect(
            lines.contains {
                $0.hasPrefix("  - { name: DRAM, technology: LPDDR4, size: 4 GiB, bandwidth: 25.6 GB/s, read_energy: ")
            })
        #expect(
            lines.contains(
                "  # was: - { name: DRAM, technology: LPDDR4, size: 4 GiB, bandwidth: 25.6 GB/s, read_energy: 20 pJ/bit, write_energy: 24 pJ/bit }  # both given"
            ))
        #expect(
            lines.contains {
                $0.hasPrefix("  - { read_energy: ") && $0.contains(" name: Buffer, size: 256 KiB }  # calibrated:")
            })
        #expect(lines.contains("    # was: read_energy: 12 pJ/access     # per 64-bit access"))
        #expect(lines.contains { $0.hasPrefix("    read_energy: ") && $0.contains(" pJ/bit  # calibrated: ") })
        #expect(Self.comments(Self.flowStyle).allSatisfy { comment in outcome.text.contains(comment) })
    }

    /// A file with CRLF line ends keeps them; an entry is inserted after its anchor.
    @Test func crlfLineEndsAreKept() throws {
        let text = "name: x  # a name\r\nclock: 1 GHz\r\ncompute: { array: { rows: 1, cols: 1 } }\r\n"
        var editor = try HardwareFileEditor(text: text, path: "crlf.yaml")
        try editor.set(path: [], key: "static_power", value: "3 W", after: "clock")
        try editor.set(path: [], key: "clock", value: "2 GHz")
        #expect(
            editor.render(note: "n")
                == "name: x  # a name\r\n# was: clock: 1 GHz\r\nclock: 2 GHz  # calibrated: n\r\nstatic_power: 3 W  # calibrated: n\r\ncompute: { array: { rows: 1, cols: 1 } }\r\n"
        )
    }

    @Test func commentsAreFoundOutsideQuotesOnly() {
        #expect(HardwareFileEditor.withoutComment("a: 1 # c") == "a: 1 ")
        #expect(HardwareFileEditor.withoutComment("source: \"x # y\"  # z") == "source: \"x # y\"  ")
        #expect(HardwareFileEditor.withoutComment("name: tpu#1") == "name: tpu#1")
        #expect(HardwareFileEditor.withoutComment("# all") == "")
    }
}
