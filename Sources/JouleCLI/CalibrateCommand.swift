import Foundation
import JouleEval
import JouleSearch
import JouleSpec
import YAML

/// `joule calibrate HARDWARE MEASUREMENTS.csv`: per-action energies, static power and
/// achievable efficiencies fitted to measured runs, with standard errors.
enum CalibrateCommand {
    static let usage =
        "usage: joule calibrate HARDWARE MEASUREMENTS.csv [--roofline ideal|mapped] [--holdout F] [--weighting relative|absolute] [--hardware-name NAME,...] [--output FILE] [--strict] [--format table|json]"

    static let help = """
        \(usage)

        Evaluates every measured run of the CSV on the hardware, derives its activity (MACs per
        precision, bits moved at every memory level, vector operations, time), and fits by
        non-negative least squares
            energy_j = sum(MACs x e_mac) + sum((read + write ratio x write bits) x e_level)
                       + vector ops x e_vector + static_power x time_s
        printing every coefficient with its standard error and its change from the file's value,
        R², the residual of every row, and the coefficients the data cannot identify (no row
        exercises them, or their counts are a combination of others'), which keep the file's
        value. It also fits the achievable share of the file's peaks (GEMM compute, memory
        streaming) that makes the latency match the measured times.

        The CSV has one run per row: `model, phase, batch, sequence|context` (a Joule workload)
        or `op, b, m, n, k` (gemm, copy, softmax, rmsnorm, layernorm), plus `precision`,
        `hardware`, `time_s`, `energy_j` (or `power_w`), and optionally `idle_power_w` (added back),
        `clock_mhz`, `power_limit_w`, `repetitions`. Lines starting with # are comments; lines end
        with LF, CR LF or CR. A bad row is reported at its line and column and left out (at most
        50 errors are printed per file). A file may have up to 64 MiB, 1,000,000 rows and 256
        columns. Tools/measure-gpu/measure.py writes such files.

          --roofline       ideal (default): compulsory DRAM traffic only, so MAC and DRAM
                           energies absorb on-chip traffic; mapped: the mapper's traffic at every
                           level, as `joule eval` counts it by default (on-chip levels are then
                           fitted too, and are often collinear with the MACs). An energy counter
                           sees the chip whole, and the mapper's on-chip traffic is a model of a
                           mapping, not a measurement; hence the default. Evaluate with the mode
                           the coefficients were fitted in.
          --holdout F      fit on all but a share F of the rows (every 1/F-th row, in file order)
                           and report the error on the rows held out
          --weighting      relative (default): minimise relative errors, as suits noise that is
                           a share of the reading; absolute: minimise joules (the standard errors
                           then assume the same noise in joules on every row)
          --hardware-name  also use rows whose hardware column says NAME (default: the file's
                           name and the argument as given)
          --output FILE    write the hardware file with the fitted values, comments kept
          --strict         exit 65 when any row is bad, instead of fitting the others

        examples:
          joule calibrate h100-sxm Measurements/example-h100-synthetic.csv
          joule calibrate h100-sxm Measurements/example-h100-synthetic.csv --holdout 0.2 --output /tmp/h100-calibrated.yaml
        """

    static let valued: Set<String> = ["roofline", "holdout", "weighting", "hardware-name", "output", "format"]

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: ["strict"], usage: usage)
        let format = try arguments.format(allowed: ["table", "json"], usage: usage)
        guard arguments.positionals.count == 2 else {
            throw .usage(
                "name a hardware and a measurement file, e.g. joule calibrate h100-sxm Measurements/example-h100-synthetic.csv",
                usage: usage)
        }
        let hardwareName = arguments.positionals[0]
        let csvPath = arguments.positionals[1]
        let modeText = arguments.options["roofline"] ?? "ideal"
        guard let mode = RooflineMode(rawValue: modeText) else {
            throw .usage("unknown roofline mode '\(modeText)'; expected ideal or mapped", usage: usage)
        }
        let weightingText = arguments.options["weighting"] ?? "relative"
        guard let weighting = LinearFit.Weighting(rawValue: weightingText) else {
            throw .usage("unknown weighting '\(weightingText)'; expected relative or absolute", usage: usage)
        }
        var holdout = 0.0
        if let text = arguments.options["holdout"] {
            guard let value = Double(text), value >= 0, value < 1 else {
                throw .usage(
                    "--holdout takes a share of the rows from 0 to below 1, such as 0.2, found '\(text)'", usage: usage)
            }
            holdout = value
        }
        let catalog = Catalog.standard()
        let hardware: Accelerator
        let file: MeasurementFile
        do {
            hardware = try Accelerator.load(hardwareName, catalog: catalog)
            file = try MeasurementFile.load(csvPath)
        } catch {
            throw .data(error)
        }
        var names: Set<String> = [hardwareName, (hardwareName as NSString).lastPathComponent]
        names.insert(((hardwareName as NSString).lastPathComponent as NSString).deletingPathExtension)
        for name in (arguments.options["hardware-name"] ?? "").split(separator: ",") {
            names.insert(name.trimmingCharacters(in: .whitespaces))
        }
        let calibration: Calibration
        do {
            let calibrator = try Calibrator(
                hardware: hardware, mode: mode, catalog: catalog, weighting: weighting, holdout: holdout, names: names)
            calibration = try calibrator.calibrate(file)
        } catch {
            report(file, extra: [], warnings: file.warnings)
            throw .data(
                Diagnostics([
                    file.diagnostic(
                        line: error.line ?? file.headerLine, column: error.column, message: error.message,
                        hint: error.hint)
                ]))
        }
        if arguments.flags.contains("strict") && (!file.errors.isEmpty || !calibration.errors.isEmpty) {
            for warning in file.warnings { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
            throw .data(Diagnostics(shown(file, extra: calibration.errors)))
        }
        report(file, extra: calibration.errors, warnings: file.warnings)

        var written: HardwareFileEditor.Outcome?
        if let output = arguments.options["output"] {
            guard let source = catalog.resolve(hardwareName, shelf: .hardware) else {
                throw .usage("cannot find the hardware file of '\(hardwareName)' to edit", usage: usage)
            }
            do {
                let text = try Catalog.readText(source)
                let note = "\(csvPath), \(calibration.fitRows.count) rows, \(today())"
                let outcome = try HardwareFileEditor.calibrated(
                    text: text, path: output, calibration: calibration, note: note)
                try outcome.text.write(toFile: output, atomically: true, encoding: .utf8)
                written = outcome
            } catch let error as Diagnostics {
                throw .data(error)
            } catch let error as CalibrationError {
                throw .data(Diagnostics([Diagnostic(path: output, mark: nil, message: error.message)]))
            } catch {
                throw .io("cannot write \(output): \(error.localizedDescription)")
            }
        }
        let report = CalibrationReport(calibration: calibration, csvPath: csvPath, output: arguments.options["output"])
        return format == "json" ? report.json(written: written) : report.table(written: written)
    }

    /// The row errors to print: the file's and `extra` (rows that could not be evaluated), the
    /// first `limits.diagnostics` in file order, then one line saying how many more there are.
    static func shown(_ file: MeasurementFile, extra: [Diagnostic]) -> [Diagnostic] {
        MeasurementFile.shown(
            file.errors + extra, omitted: file.omittedErrors, path: file.path, limit: file.limits.diagnostics)
    }

    /// Prints row errors and warnings to standard error; the fit goes on without those rows.
    static func report(_ file: MeasurementFile, extra: [Diagnostic], warnings: [String]) {
        for warning in warnings { FileHandle.standardError.write(Data("\(warning)\n".utf8)) }
        let total = file.errors.count + extra.count + (file.omittedErrors?.count ?? 0)
        guard total > 0 else { return }
        let body = shown(file, extra: extra).map(\.description).joined(separator: "\n")
        let count = total == 1 ? "1 error" : "\(QuantityFormat.grouped(total)) errors"
        FileHandle.standardError.write(Data("\(body)\n\(count) in rows; those rows are left out of the fit\n".utf8))
    }

    /// Today's date, YYYY-MM-DD, in UTC.
    static func today() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}

/// The printed forms of a calibration.
struct CalibrationReport {
    let calibration: Calibration
    let csvPath: String
    let output: String?

    func percent(_ value: Double) -> String { "\(QuantityFormat.number(value * 100, significant: 3))%" }

    /// R² to six digits, or why there is none.
    func rSquared(_ fit: LinearFit) -> String {
        fit.rSquared.map { QuantityFormat.number($0, significant: 6) } ?? "undefined (every row measured the same)"
    }

    func change(_ estimate: LinearFit.Estimate) -> String {
        guard estimate.isFitted, estimate.prior != 0 else { return "-" }
        let value = (estimate.value - estimate.prior) / estimate.prior
        return (value >= 0 ? "+" : "") + percent(value)
    }

    func status(_ estimate: LinearFit.Estimate, names: [String] = []) -> String {
        switch estimate.status {
        case .fitted:
            let assumed = estimate.assumesZero.compactMap { $0 < names.count ? names[$0] : nil }
            if !assumed.isEmpty { return "fitted, assuming \(assumed.joined(separator: ", ")) = 0" }
            return estimate.isPoorlyDetermined ? "poorly determined" : "fitted"
        case .atBound: return "at bound 0"
        case .noData: return "no data (kept)"
        case .collinear: return "collinear (kept)"
        }
    }

    func table(written: HardwareFileEditor.Outcome?) -> String {
        let c = calibration
        let fit = c.energy
        var out: [String] = []
        let held = c.heldOutRows.count
        out.append(
            "\(c.hardware.name) calibrated against \(csvPath) · \(c.fitRows.count) rows fitted\(held > 0 ? ", \(held) held out" : "") · \(c.mode) roofline · \(fit.weighting) weighting"
        )
        if !c.otherHardware.isEmpty {
            let others = c.otherHardware.sorted { $0.key < $1.key }.map { "\($0.value) on \($0.key)" }
            out.append("rows for other hardware left out: \(others.joined(separator: ", "))")
        }
        let deviation =
            fit.residualDeviation.map {
                " · residual deviation \(fit.weighting == .relative ? percent($0) : QuantityFormat.scaled($0, unit: "J"))"
            } ?? ""
        out.append(
            "energy fit: R² \(rSquared(fit)) · rms relative residual \(percent(fit.rmsRelativeError))\(deviation) · \(fit.degreesOfFreedom) degrees of freedom"
        )
        out.append("")
        var table = TextTable(
            ["coefficient", "file", "fitted", "± 1σ", "change", "status"],
            alignments: [.left, .right, .right, .right, .right, .left])
        for (coefficient, estimate) in zip(c.coefficients, fit.estimates) {
            let file = c.format(estimate.prior, coefficient) + (c.provenance(coefficient).isEstimated ? " (est.)" : "")
            let fitted = estimate.isFitted ? c.format(estimate.value, coefficient) : "-"
            let error = estimate.standardError.map { c.format($0, coefficient) } ?? "-"
            let names = c.coefficients.map(\.name)
            table.add([coefficient.name, file, fitted, error, change(estimate), status(estimate, names: names)])
        }
        out.append(table.render())

        if let time = c.time, !c.efficiencies.isEmpty {
            out.append("")
            out.append(
                "time fit (achievable share of the file's peaks): R² \(rSquared(time)) · rms relative residual \(percent(time.rmsRelativeError))"
            )
            var timeTable = TextTable(
                ["class", "efficiency", "± 1σ", "rows", "status"], alignments: [.left, .right, .right, .right, .left])
            for efficiency in c.efficiencies {
                timeTable.add([
                    efficiency.name, efficiency.efficiency.map(percent) ?? "-",
                    efficiency.standardError.map(percent) ?? "-", "\(efficiency.rows)", status(efficiency.estimate),
                ])
            }
            out.append(timeTable.render())
        }

        let notes = c.notes
        if !notes.isEmpty {
            out.append("")
            out.append("flags:")
            out += notes.map { "  - \($0)" }
        }

        out.append("")
        out.append("rows (energy: measured, fitted, file's coefficients; time: measured, fitted, Joule at peak):")
        var rows = TextTable(
            [
                "line", "run", "measured J", "fitted J", "residual", "file J", "file error", "time", "fitted time",
                "Joule time",
            ], alignments: [.right, .left] + Array(repeating: .right, count: 8))
        for row in c.rows {
            let measured = row.measurement.totalJoules
            let label = row.measurement.label + (row.inFit ? "" : " (held out)")
            rows.add([
                "\(row.measurement.line)", label, QuantityFormat.scaled(measured, unit: "J"),
                QuantityFormat.scaled(row.fittedJoules, unit: "J"), relative(row.fittedJoules, measured),
                QuantityFormat.scaled(row.fileJoules, unit: "J"), relative(row.fileJoules, measured),
                QuantityFormat.scaled(row.measurement.seconds, unit: "s"),
                QuantityFormat.scaled(row.fittedSeconds, unit: "s"),
                QuantityFormat.scaled(row.activity.seconds, unit: "s"),
            ])
        }
        out.append(rows.render())

        let heldOut = c.heldOutRows
        if !heldOut.isEmpty {
            let energy = Calibration.rmsRelative(heldOut.map { ($0.fittedJoules, $0.measurement.totalJoules) })
            let file = Calibration.rmsRelative(heldOut.map { ($0.fileJoules, $0.measurement.totalJoules) })
            let time = Calibration.rmsRelative(heldOut.map { ($0.fittedSeconds, $0.measurement.seconds) })
            let peak = Calibration.rmsRelative(heldOut.map { ($0.activity.seconds, $0.measurement.seconds) })
            out.append("")
            out.append(
                "hold-out (\(heldOut.count) rows, \(percent(c.holdoutFraction)) of the file, not used in the fit): energy rms error \(percent(energy)) fitted vs \(percent(file)) with the file's coefficients; time rms error \(percent(time)) fitted vs \(percent(peak)) at Joule's peaks"
            )
        }
        if let written, let output {
            out.append("")
            out.append("wrote \(output):")
            out += written.written.map { "  \($0)" }
            if !written.kept.isEmpty {
                out.append("kept the file's value:")
                out += written.kept.map { "  \($0)" }
            }
        }
        out.append("")
        out.append(
            "these coefficients are calibrated for --roofline \(c.mode) (joule eval ... --roofline \(c.mode)); other modes count other traffic"
        )
        return out.joined(separator: "\n")
    }

    func relative(_ predicted: Double, _ measured: Double) -> String {
        guard measured != 0 else { return "-" }
        let value = (predicted - measured) / measured
        return (value >= 0 ? "+" : "") + percent(value)
    }

    func json(written: HardwareFileEditor.Outcome?) -> String {
        let c = calibration
        let fit = c.energy
        let coefficients: [[String: Any]] = zip(c.coefficients, fit.estimates).map { coefficient, estimate in
            [
                "name": coefficient.name,
                "unit": coefficient.unit == .power ? "W" : coefficient.unit == .energyPerBit ? "J/bit" : "J",
                "file": estimate.prior,
                "file_estimated": c.provenance(coefficient).isEstimated,
                "fitted": estimate.isFitted ? estimate.value : NSNull(),
                "standard_error": JSONOutput.number(estimate.standardError),
                "status": status(estimate, names: c.coefficients.map(\.name)),
            ]
        }
        var object: [String: Any] = [
            "hardware": c.hardware.name, "measurements": csvPath, "roofline": c.mode.rawValue,
            "weighting": fit.weighting.rawValue, "rows_fitted": c.fitRows.count, "rows_held_out": c.heldOutRows.count,
            "energy": [
                "r_squared": JSONOutput.number(fit.rSquared), "rms_relative_residual": fit.rmsRelativeError,
                "residual_deviation": JSONOutput.number(fit.residualDeviation),
                "degrees_of_freedom": fit.degreesOfFreedom, "coefficients": coefficients,
            ] as [String: Any],
            "notes": c.notes,
            "rows": c.rows.map { row -> [String: Any] in
                [
                    "line": row.measurement.line, "run": row.measurement.label, "in_fit": row.inFit,
                    "measured_j": row.measurement.totalJoules, "fitted_j": row.fittedJoules, "file_j": row.fileJoules,
                    "measured_s": row.measurement.seconds, "fitted_s": row.fittedSeconds,
                    "joule_s": row.activity.seconds,
                    "counts": [
                        "macs": Dictionary(uniqueKeysWithValues: row.activity.macs.map { ($0.key.rawValue, $0.value) }),
                        "read_bits": Dictionary(
                            uniqueKeysWithValues: zip(c.hardware.memory.map(\.name), row.activity.readBits)),
                        "write_bits": Dictionary(
                            uniqueKeysWithValues: zip(c.hardware.memory.map(\.name), row.activity.writeBits)),
                        "vector_ops": row.activity.vectorOps,
                    ] as [String: Any],
                ]
            },
            "errors": c.errors.map(\.headline),
        ]
        if let time = c.time {
            object["time"] =
                [
                    "r_squared": JSONOutput.number(time.rSquared), "rms_relative_residual": time.rmsRelativeError,
                    "efficiencies": c.efficiencies.map { efficiency -> [String: Any] in
                        [
                            "class": efficiency.name, "efficiency": JSONOutput.number(efficiency.efficiency),
                            "standard_error": JSONOutput.number(efficiency.standardError), "rows": efficiency.rows,
                            "status": status(efficiency.estimate),
                        ]
                    },
                ] as [String: Any]
        }
        let heldOut = c.heldOutRows
        if !heldOut.isEmpty {
            object["holdout"] =
                [
                    "rows": heldOut.count,
                    "energy_rms_relative_fitted": Calibration.rmsRelative(
                        heldOut.map { ($0.fittedJoules, $0.measurement.totalJoules) }),
                    "energy_rms_relative_file": Calibration.rmsRelative(
                        heldOut.map { ($0.fileJoules, $0.measurement.totalJoules) }),
                    "time_rms_relative_fitted": Calibration.rmsRelative(
                        heldOut.map { ($0.fittedSeconds, $0.measurement.seconds) }),
                    "time_rms_relative_joule": Calibration.rmsRelative(
                        heldOut.map { ($0.activity.seconds, $0.measurement.seconds) }),
                ] as [String: Any]
        }
        if let written, let output {
            object["output"] = ["path": output, "written": written.written, "kept": written.kept] as [String: Any]
        }
        return JSONOutput.render(object)
    }
}
