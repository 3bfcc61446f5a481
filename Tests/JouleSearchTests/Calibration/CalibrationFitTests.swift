import Foundation
import JouleEval
import JouleSpec
import Testing

@testable import JouleSearch

/// Synthetic measurements from known coefficients plus seeded noise must be recovered within
/// their standard errors, and what the data cannot identify must be flagged, not printed as a value.
struct CalibrationFitTests {
    /// A mix of single operators and whole models on h100-sxm under the ideal roofline.
    static let h100Runs: [SyntheticMeasurements.Run] = {
        typealias S = SyntheticMeasurements
        var runs: [S.Run] = []
        for precision in ["bf16", "fp8", "int8"] {
            for (m, n, k) in [
                (4096, 4096, 4096), (8192, 8192, 2048), (2048, 2048, 2048), (32, 8192, 8192), (128, 4096, 14336),
            ] {
                runs.append(S.gemm(m, n, k, precision))
            }
        }
        runs += [S.vector("copy", 4096, 8192), S.vector("copy", 65536, 8192), S.vector("softmax", 32768, 4096)]
        runs += [S.vector("rmsnorm", 65536, 4096), S.vector("layernorm", 16384, 8192), S.vector("softmax", 4096, 2048)]
        runs += [
            S.model("gpt2", "prefill", batch: 4, length: 512, "bf16"),
            S.model("gpt2", "decode", batch: 16, length: 1024, "bf16"),
            S.model("llama-2-7b", "decode", batch: 8, length: 2048, "fp8"),
            S.model("bert-base-uncased", "prefill", batch: 8, length: 128, "int8"),
        ]
        return runs
    }()

    static let h100Truth = TrueCoefficients(
        mac: [.bf16: 0.41e-12, .fp8: 0.23e-12, .int8: 0.19e-12], level: [0: 4.6e-12], vector: 2.1e-12,
        staticPower: 112, efficiencies: [.gemmCompute: 0.7, .level(0): 0.86, .vectorCompute: 0.5])

    @Test func knownCoefficientsAreRecoveredWithinThreeSigma() throws {
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let text = try SyntheticMeasurements.csv(
            runs: Self.h100Runs, hardware: hardware, mode: .ideal, truth: Self.h100Truth, noise: 0.01, seed: 7)
        let file = try MeasurementFile(text: text, path: "synthetic.csv")
        #expect(file.errors.isEmpty)
        let calibration = try Calibrator(hardware: hardware, mode: .ideal, catalog: CalibrationSupport.catalog)
            .calibrate(file)
        #expect(calibration.errors.isEmpty)
        #expect(calibration.rows.count == Self.h100Runs.count)

        var fitted: [String] = []
        for (coefficient, estimate) in zip(calibration.coefficients, calibration.energy.estimates) {
            let truth = Self.h100Truth.value(coefficient.kind, hardware: hardware)
            switch estimate.status {
            case .fitted:
                let sigma = try #require(estimate.standardError)
                #expect(
                    abs(estimate.value - truth) <= 3 * sigma,
                    "\(coefficient.name): \(estimate.value) vs \(truth) ± \(sigma)")
                // 1 % noise pins every coefficient (the vector energy, a small share of any row, least).
                #expect(sigma < 0.3 * truth, "\(coefficient.name): σ \(sigma)")
                fitted.append(coefficient.name)
            case .noData:
                // The ideal roofline moves nothing through the on-chip levels.
                if case .level(let i) = coefficient.kind {
                    #expect(i > 0)
                } else {
                    Issue.record("\(coefficient.name) no data")
                }
            default:
                Issue.record("\(coefficient.name) is \(estimate.status)")
            }
        }
        #expect(fitted == ["MAC int8", "MAC fp8", "MAC bf16", "HBM", "vector op", "static power"])
        #expect((calibration.energy.rSquared ?? 0) > 0.999)
        #expect(calibration.energy.degreesOfFreedom == Self.h100Runs.count - 6)

        // Time: the efficiencies the measured times were made with.
        for efficiency in calibration.efficiencies {
            let truth = try #require(Self.h100Truth.efficiencies[efficiency.timeClass])
            let value = try #require(efficiency.efficiency)
            let sigma = try #require(efficiency.standardError)
            #expect(abs(value - truth) <= 3 * sigma, "\(efficiency.name): \(value) vs \(truth) ± \(sigma)")
        }
        #expect(calibration.efficiencies.map(\.name).contains("GEMM compute"))
        #expect(calibration.efficiencies.map(\.name).contains("HBM streaming"))
    }

    /// The residual of every row is what the coefficients leave: observed - Σ counts x values.
    @Test func residualsAreTheRowsMinusTheFit() throws {
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let text = try SyntheticMeasurements.csv(
            runs: Self.h100Runs, hardware: hardware, mode: .ideal, truth: Self.h100Truth, noise: 0.01, seed: 11)
        let calibration = try Calibrator(hardware: hardware, mode: .ideal, catalog: CalibrationSupport.catalog)
            .calibrate(MeasurementFile(text: text, path: "synthetic.csv"))
        for row in calibration.rows {
            var expected = 0.0
            let values = Calibrator.values(
                calibration.coefficients, activity: row.activity, measurement: row.measurement,
                hardware: calibration.hardware)
            for (value, estimate) in zip(values, calibration.energy.estimates) { expected += value * estimate.value }
            #expect(abs(row.fittedJoules - expected) <= 1e-9 * expected)
        }
        let residuals = calibration.energy.residuals
        #expect(residuals.count == calibration.rows.count)
        #expect(abs(residuals.reduce(0, +)) < calibration.rows.map(\.measurement.totalJoules).reduce(0, +))
    }

    /// A mapped TPU v1. Nearly every run is bound by DRAM, so time (and with it static
    /// energy) is almost proportional to DRAM traffic: the bound holds static power at zero, and
    /// DRAM is marked as trading off against it instead of being reported as a clean value. What
    /// the fit does claim cleanly is within 3 sigma of the truth.
    @Test func mappedTPUFlagsWhatItCannotSeparate() throws {
        let hardware = try CalibrationSupport.hardware("tpu-v1")
        typealias S = SyntheticMeasurements
        var runs: [S.Run] = []
        for (m, n, k) in [
            (256, 256, 256), (1024, 1024, 1024), (2048, 512, 4096), (64, 4096, 4096), (8, 2048, 2048),
            (4096, 256, 1024), (512, 8192, 512), (16, 16384, 1024),
        ] {
            runs.append(S.gemm(m, n, k, "int8"))
        }
        runs += [S.vector("softmax", 4096, 1024), S.vector("copy", 8192, 1024), S.vector("layernorm", 1024, 4096)]
        runs += [S.vector("rmsnorm", 2048, 2048)]
        // On-chip levels keep the file's values (what holding them assumes); the rest differ from it.
        let truth = TrueCoefficients(
            mac: [.int8: 0.21e-12], level: [0: 31e-12], vector: 1.3e-12, staticPower: 21, efficiencies: [:],
            efficiency: 0.8)
        let text = try SyntheticMeasurements.csv(
            runs: runs, hardware: hardware, mode: .mapped, truth: truth, noise: 0.01, seed: 3)
        let calibration = try Calibrator(hardware: hardware, mode: .mapped, catalog: CalibrationSupport.catalog)
            .calibrate(MeasurementFile(text: text, path: "synthetic.csv"))
        #expect(calibration.errors.isEmpty)
        let names = calibration.coefficients.map(\.name)
        let estimates = calibration.energy.estimates
        for (coefficient, estimate) in zip(calibration.coefficients, estimates) {
            switch estimate.status {
            case .fitted where estimate.assumesZero.isEmpty:
                let sigma = try #require(estimate.standardError)
                let value = truth.value(coefficient.kind, hardware: hardware)
                #expect(abs(estimate.value - value) <= 3 * sigma, "\(coefficient.name)")
            case .fitted:
                break
            case .collinear, .noData:
                #expect(estimate.value == estimate.prior)
            case .atBound:
                #expect(estimate.value == 0)
                #expect(estimate.unconstrained != nil, "\(coefficient.name)")
            }
        }
        // The per-PE register's output bits are no longer a fixed multiple of the MACs: its
        // partial sums are int32, and how many it takes per MAC depends on the shape, so it
        // separates from the MAC, barely: fitted (within 3 sigma, checked above) and flagged.
        let pe = try #require(names.firstIndex(of: "PE"))
        #expect(estimates[pe].status == .fitted)
        let dram = try #require(names.firstIndex(of: "DRAM"))
        let staticPower = try #require(names.firstIndex(of: "static power"))
        #expect(estimates[staticPower].status == .atBound)
        #expect(estimates[dram].assumesZero == [staticPower])
        let notes = calibration.notes.joined(separator: "\n")
        #expect(notes.contains("PE is poorly determined"))
        #expect(notes.contains("static power is held at zero by the non-negativity bound"))
        #expect(notes.contains("DRAM trades off against it"))
    }

    /// Counts x the file's energies reproduce Joule's own energy for the same run, both modes:
    /// the counts are the model's, not an approximation of it.
    @Test(arguments: [RooflineMode.ideal, .mapped])
    func countsReproduceJoulesEnergy(mode: RooflineMode) throws {
        let hardware = try CalibrationSupport.hardware("tpu-v1")
        let counter = try ActivityCounter(hardware: hardware, mode: mode, catalog: CalibrationSupport.catalog)
        let runs: [MeasuredRun.Workload] = [
            .op(.gemm, b: 1, m: 512, n: 1024, k: 768), .op(.softmax, b: 2, m: 128, n: 512, k: 1),
            .model(name: "bert-base-uncased", phase: .prefill(batch: 2, sequence: 128), fusion: "off"),
            .model(name: "gpt2", phase: .decode(batch: 4, context: 256), fusion: "attention"),
        ]
        for workload in runs {
            let measurement = MeasuredRun(
                line: 1, workload: workload, precision: .uniform(.int8), hardware: "tpu-v1", seconds: 1, joules: 1)
            let activity = try counter.activity(for: measurement)
            let rebuilt = activity.dynamicJoules(hardware: hardware) + hardware.staticPower.value.si * activity.seconds
            #expect(abs(rebuilt - activity.joules) <= 1e-9 * activity.joules, "\(workload)")
            let bound = activity.boundSeconds.values.reduce(0, +)
            #expect(abs(bound - activity.seconds) <= 1e-9 * activity.seconds)
        }
    }

    /// Two levels whose traffic is proportional in every row (the SRAM moves half what DRAM
    /// moves): the fit holds the SRAM at the file's value, names DRAM as its partner with the
    /// factor 0.5, and still recovers everything else.
    @Test func proportionalLevelsAreDetectedAndFlagged() throws {
        let hardware = try CalibrationSupport.hardware("toy-3level")
        let truth = TrueCoefficients(
            mac: [.int8: 0.5e-12], level: [0: 15e-12], vector: 0.6e-12, staticPower: 8, efficiencies: [:])
        var random = NormalNoise(seed: 5)
        var evaluated: [(MeasuredRun, Activity)] = []
        for row in 0..<24 {
            var activity = Activity(levels: 3)
            let dram = 1e9 * (1 + Double(row % 7)) * (1 + 0.3 * random.uniform())
            activity.macs[.int8] = 1e10 * (1 + Double(row % 5)) * (1 + 0.3 * random.uniform())
            activity.readBits = [0.7 * dram, 0.35 * dram, 4e11 * (1 + random.uniform())]
            activity.writeBits = [0.3 * dram, 0.15 * dram, 1e11 * (1 + random.uniform())]
            activity.vectorOps = 1e10 * (0.2 + random.uniform())
            let seconds = 1e-3 * (1 + Double(row % 3)) * (1 + 0.5 * random.uniform())
            let joules = truth.joules(activity, seconds: seconds, hardware: hardware) * (1 + 0.005 * random.next())
            evaluated.append(
                (
                    MeasuredRun(
                        line: row + 2, workload: .op(.gemm, b: 1, m: 1, n: 1, k: 1), precision: nil,
                        hardware: hardware.name, seconds: seconds, joules: joules), activity
                ))
        }
        let calibration = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog).fit(evaluated)
        let names = calibration.coefficients.map(\.name)
        let dram = try #require(names.firstIndex(of: "DRAM"))
        let buffer = try #require(names.firstIndex(of: "GlobalBuffer"))
        guard case .collinear(let partners, let factors) = calibration.energy.estimates[buffer].status else {
            Issue.record("GlobalBuffer is \(calibration.energy.estimates[buffer].status)")
            return
        }
        #expect(partners == [dram])
        #expect(abs((factors.first ?? 0) - 0.5) < 1e-6)
        #expect(calibration.energy.estimates[buffer].value == hardware.memory[1].readEnergy.value.si)
        #expect(calibration.energy.estimates[buffer].standardError == nil)
        // DRAM absorbs nothing here because the buffer's truth is its file value.
        for name in ["MAC int8", "DRAM", "PE", "vector op", "static power"] {
            let index = try #require(names.firstIndex(of: name))
            let estimate = calibration.energy.estimates[index]
            let sigma = try #require(estimate.standardError, "\(name) has no standard error")
            let value = truth.value(calibration.coefficients[index].kind, hardware: hardware)
            #expect(abs(estimate.value - value) <= 3 * sigma, "\(name)")
        }
        let note = calibration.notes.first { $0.hasPrefix("GlobalBuffer") } ?? ""
        #expect(note.contains("cannot be told apart from DRAM"))
        #expect(note.contains("0.5 x DRAM"))
        // An --output keeps the buffer as it was.
        let text = try Catalog.readText(CalibrationSupport.path("Hardware/toy-3level.yaml"))
        let outcome = try HardwareFileEditor.calibrated(
            text: text, path: "out.yaml", calibration: calibration, note: "test.csv, 24 rows, 2025-01-01")
        #expect(outcome.kept.contains { $0.hasPrefix("GlobalBuffer") })
        #expect(outcome.text.contains("read_energy: 3.5 pJ/byte     # D: 10 pJ"))
    }

    /// The generic fit: a zero column is flagged as no data, a column that is a sum of two
    /// others is held (by rank), and with as many free unknowns as rows no error bars are claimed.
    @Test func linearFitFlags() throws {
        let x: [Double] = [1, 2, 3, 4, 5, 6]
        let y: [Double] = [2, 1, 4, 3, 6, 2]
        let terms = [
            FitTerm(name: "x", values: x, prior: 1, holdRank: 0),
            FitTerm(name: "y", values: y, prior: 1, holdRank: 1),
            FitTerm(name: "x+y", values: zip(x, y).map { $0 + $1 }, prior: 0.5, holdRank: 2),
            FitTerm(name: "none", values: [0, 0, 0, 0, 0, 0], prior: 7, holdRank: 3),
        ]
        let rhs = zip(x, y).map { 3 * $0 + 2 * $1 + 0.5 * ($0 + $1) }
        let fit = try LinearFit.fit(terms: terms, rhs: rhs)
        #expect(fit.estimates[3].status == .noData)
        #expect(fit.estimates[3].value == 7)
        guard case .collinear(let partners, let factors) = fit.estimates[2].status else {
            Issue.record("x+y is \(fit.estimates[2].status)")
            return
        }
        #expect(partners == [0, 1])
        #expect(abs(factors[0] - 1) < 1e-9 && abs(factors[1] - 1) < 1e-9)
        #expect(abs(fit.estimates[0].value - 3) < 1e-9 && abs(fit.estimates[1].value - 2) < 1e-9)

        let exact = try LinearFit.fit(
            terms: [FitTerm(name: "a", values: [1, 2], prior: 1), FitTerm(name: "b", values: [2, 1], prior: 1)],
            rhs: [5, 4])
        #expect(exact.degreesOfFreedom == 0)
        #expect(exact.estimates.allSatisfy { $0.standardError == nil })
    }

    /// Every fifth row is held out for 0.2, in file order, and the fit never sees it.
    @Test func holdOutIsDeterministicAndEvenlySpread() throws {
        let held = (0..<20).filter { Calibration.isHeldOut(index: $0, fraction: 0.2) }
        #expect(held == [4, 9, 14, 19])
        #expect((0..<10).filter { Calibration.isHeldOut(index: $0, fraction: 0) }.isEmpty)

        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let text = try SyntheticMeasurements.csv(
            runs: Self.h100Runs, hardware: hardware, mode: .ideal, truth: Self.h100Truth, noise: 0.01, seed: 2)
        let calibration = try Calibrator(
            hardware: hardware, mode: .ideal, catalog: CalibrationSupport.catalog, holdout: 0.2
        ).calibrate(MeasurementFile(text: text, path: "synthetic.csv"))
        #expect(calibration.heldOutRows.count == Self.h100Runs.count / 5)
        #expect(calibration.energy.observed.count == calibration.fitRows.count)
        let error = Calibration.rmsRelative(
            calibration.heldOutRows.map { ($0.fittedJoules, $0.measurement.totalJoules) })
        #expect(error < 0.05)
        #expect(throws: CalibrationError.self) {
            try Calibrator(hardware: hardware, holdout: 1)
        }
    }

    /// The shipped example (synthetic, from the fake backend's documented coefficients) gives
    /// those coefficients back within 3 sigma.
    @Test func shippedExampleRecoversItsDocumentedCoefficients() throws {
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let file = try MeasurementFile.load(CalibrationSupport.path("Measurements/example-h100-synthetic.csv"))
        #expect(file.errors.isEmpty && file.warnings.isEmpty)
        let calibration = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog).calibrate(file)
        let truth: [String: Double] = [
            "MAC bf16": 0.38e-12, "MAC fp16": 0.36e-12, "MAC fp8": 0.21e-12, "MAC int8": 0.18e-12, "HBM": 4.2e-12,
            "vector op": 1.6e-12, "static power": 105,
        ]
        for (coefficient, estimate) in zip(calibration.coefficients, calibration.energy.estimates) {
            guard let value = truth[coefficient.name] else {
                #expect(estimate.status == .noData, "\(coefficient.name)")
                continue
            }
            let sigma = try #require(estimate.standardError)
            #expect(abs(estimate.value - value) <= 3 * sigma, "\(coefficient.name)")
        }
        let efficiencies = Dictionary(uniqueKeysWithValues: calibration.efficiencies.map { ($0.name, $0) })
        for (name, value) in [("GEMM compute", 0.72), ("HBM streaming", 0.88)] {
            let efficiency = try #require(efficiencies[name])
            let fitted = try #require(efficiency.efficiency)
            #expect(abs(fitted - value) <= 3 * (efficiency.standardError ?? 0), "\(name)")
        }
    }

    /// A row measured at a locked clock below the nominal one ran at a lower voltage. On
    /// h100-sxm (1.83 GHz, 0.7 V, idle 64.4 W of 150 W static) a row at 915 MHz: the alpha-power
    /// law (α 1.3, V_th 0.3 V) gives V with (V − 0.3)^1.3 / V = 0.5 x 0.4^1.3 / 0.7, so per-action
    /// counts weigh (V / 0.7)² and the static column (f / f0)(V / 0.7)² of the time; the idle
    /// power's remaining share, 64.4 W x t x (1 − that), leaves the right-hand side.
    @Test func rowsBelowTheNominalClockAreScaledToTheirVoltage() throws {
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let coefficients = [
            EnergyCoefficient(kind: .mac(.bf16), name: "MAC bf16", unit: .energy, writeRatio: 1),
            EnergyCoefficient(kind: .staticPower, name: "static power", unit: .power, writeRatio: 1),
        ]
        var activity = Activity(levels: hardware.memory.count)
        activity.macs[.bf16] = 1e12
        let run = MeasuredRun(
            line: 2, workload: .op(.gemm, b: 1, m: 1, n: 1, k: 1), precision: nil, hardware: "h100-sxm", seconds: 2,
            joules: 100, clock: 915e6)
        // Solve (V - 0.3)^1.3 / V = target by bisection, by hand rather than through the library.
        let target = 0.5 * pow(0.4, 1.3) / 0.7
        var low = 0.3
        var high = 0.7
        for _ in 0..<100 {
            let middle = (low + high) / 2
            if pow(middle - 0.3, 1.3) / middle < target { low = middle } else { high = middle }
        }
        let v2 = (high / 0.7) * (high / 0.7)
        let values = Calibrator.values(coefficients, activity: activity, measurement: run, hardware: hardware)
        let mac = try #require(coefficients.firstIndex { $0.kind == .mac(.bf16) })
        let staticIndex = try #require(coefficients.firstIndex { $0.kind == .staticPower })
        #expect(abs(values[mac] - 1e12 * v2) < 1e-6 * 1e12 * v2)
        #expect(abs(values[staticIndex] - 2 * 0.5 * v2) < 1e-9)
        let offset = Calibrator.idleBelowClock(measurement: run, hardware: hardware)
        #expect(abs(offset - 64.4 * 2 * (1 - 0.5 * v2)) < 1e-9)
        // At the nominal clock nothing changes.
        var nominal = run
        nominal.clock = 1830e6
        #expect(
            Calibrator.values(coefficients, activity: activity, measurement: nominal, hardware: hardware)[mac] == 1e12)
        #expect(Calibrator.idleBelowClock(measurement: nominal, hardware: hardware) == 0)
    }
}
