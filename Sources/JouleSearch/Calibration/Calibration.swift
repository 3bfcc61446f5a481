import JouleEval
import JouleSpec
import Numerics
import YAML

/// A per-action energy of the hardware file that calibration fits.
public struct EnergyCoefficient: Sendable, Hashable {
    /// Which number of the file it is.
    public enum Kind: Sendable, Hashable {
        /// The energy of one MAC at a precision (`compute.precisions`).
        case mac(Precision)
        /// A memory level's energy per bit (its index, outermost first).
        case level(Int)
        /// The vector unit's energy per operation (`compute.vector.energy_per_op`).
        case vector
        /// Whole-chip static power (`static_power`).
        case staticPower
    }

    /// Which number it is.
    public var kind: Kind
    /// A name for reports: `MAC bf16`, `HBM`, `vector op`, `static power`.
    public var name: String
    /// The unit it is printed in: energy, energy per bit, or power.
    public var unit: QuantityKind
    /// For a level: write energy / read energy per bit in the file. Writes are charged at this
    /// share of the fitted read energy, so one unknown per level covers reads and writes.
    public var writeRatio: Double
}

/// The outcome of calibrating one accelerator against a measurement file.
public struct Calibration: Sendable {
    /// One measured run with what Joule made of it.
    public struct Row: Sendable {
        /// The run as measured.
        public var measurement: MeasuredRun
        /// Joule's counts for it.
        public var activity: Activity
        /// Whether the fit used it (false: held out to test the fit).
        public var inFit: Bool
        /// The energy the fitted coefficients predict (static power over the measured time).
        public var fittedJoules: Double
        /// The energy the file's coefficients predict, counted the same way.
        public var fileJoules: Double
        /// The latency the fitted efficiencies predict.
        public var fittedSeconds: Double
    }

    /// The time calibration: achievable fractions of the file's peaks.
    public struct Efficiency: Sendable {
        /// What it applies to.
        public var timeClass: TimeClass
        /// A name for reports: `GEMM compute`, `vector compute`, `HBM streaming`.
        public var name: String
        /// measured time = predicted time at peak / efficiency, for the operators bound by this class.
        public var estimate: LinearFit.Estimate
        /// The efficiency, 1 / the fitted time multiplier (nil when the fit holds it).
        public var efficiency: Double? {
            guard estimate.isFitted, estimate.value > 0, (1 / estimate.value).isFinite else { return nil }
            return 1 / estimate.value
        }
        /// The standard error of the efficiency (delta method; nil where it is not finite).
        public var standardError: Double? {
            guard let error = estimate.standardError, estimate.value > 0 else { return nil }
            let value = error / (estimate.value * estimate.value)
            return value.isFinite ? value : nil
        }
        /// Rows with time bound by this class.
        public var rows: Int
    }

    /// The accelerator as the file describes it.
    public var hardware: Accelerator
    /// How traffic was counted.
    public var mode: RooflineMode
    /// The fitted coefficients, in the order of `energy.estimates`.
    public var coefficients: [EnergyCoefficient]
    /// The energy fit over the rows with `inFit`.
    public var energy: LinearFit
    /// The time fit (multipliers of the predicted time per class) over the same rows.
    public var time: LinearFit?
    /// The efficiencies, one per time class the rows exercise, in `time.estimates` order.
    public var efficiencies: [Efficiency]
    /// Every usable row, in file order.
    public var rows: [Row]
    /// Rows that could not be evaluated (unknown model, a precision the hardware lacks ...).
    public var errors: [Diagnostic]
    /// Rows measured on other hardware, by name: they are not used.
    public var otherHardware: [String: Int]
    /// The share of rows held out (0: all rows fitted).
    public var holdoutFraction: Double

    /// The rows the fit used.
    public var fitRows: [Row] { rows.filter(\.inFit) }
    /// The rows held out.
    public var heldOutRows: [Row] { rows.filter { !$0.inFit } }

    /// RMS of (predicted - measured) / measured over some rows, for the fitted and the file's energies.
    public static func rmsRelative(_ pairs: [(predicted: Double, measured: Double)]) -> Double {
        guard !pairs.isEmpty else { return 0 }
        let sum = pairs.reduce(0.0) { total, pair in
            let relative = pair.measured != 0 ? (pair.predicted - pair.measured) / pair.measured : 0
            return total + relative * relative
        }
        return (sum / Double(pairs.count)).squareRoot()
    }

    /// A deterministic hold-out: row i (0-based, in file order) is held out when
    /// floor((i + 1) x fraction) > floor(i x fraction), which spreads the held-out rows evenly
    /// (every fifth row for 0.2).
    public static func isHeldOut(index: Int, fraction: Double) -> Bool {
        guard fraction > 0 else { return false }
        return (Double(index + 1) * fraction).rounded(.down) > (Double(index) * fraction).rounded(.down)
    }
}

/// Fits a hardware file's per-action energies, static power and achievable efficiencies to
/// measured runs.
///
/// Energy: `energy_j (+ idle power x time_s) = sum over MAC precisions of MACs x e_mac
/// + sum over levels of (read bits + write ratio x write bits) x e_level + vector ops x e_vector
/// + P_static x time_s`, by non-negative least squares (rows weighted by 1 / energy unless
/// asked otherwise). Time: `time_s = sum over time classes of predicted seconds bound by the class
/// x multiplier`, the efficiency being 1 / multiplier.
public struct Calibrator: Sendable {
    /// Evaluates rows on the hardware.
    public var counter: ActivityCounter
    /// How rows are weighted.
    public var weighting: LinearFit.Weighting
    /// The share of rows held out to test the fit (0 to below 1).
    public var holdoutFraction: Double
    /// Names a row's `hardware` may carry to belong to this accelerator (compared ignoring case).
    public var hardwareNames: Set<String>

    /// A calibrator for an accelerator.
    public init(
        hardware: Accelerator, mode: RooflineMode = .ideal, catalog: Catalog = .standard(),
        weighting: LinearFit.Weighting = .relative, holdout: Double = 0, names: Set<String> = []
    ) throws(CalibrationError) {
        guard holdout >= 0 && holdout < 1 else {
            throw CalibrationError("the hold-out share must be at least 0 and below 1, found \(holdout)")
        }
        // Against the peaks, so that the time fit's efficiencies are shares of the datasheet peaks
        // whatever efficiencies the file already gives (the energy counts do not depend on them).
        counter = try ActivityCounter(hardware: hardware.atPeak, mode: mode, catalog: catalog)
        self.weighting = weighting
        holdoutFraction = holdout
        hardwareNames = Set((names.union([hardware.name])).map { $0.lowercased() })
    }

    /// The rows of a measurement file that belong to this hardware, evaluated.
    public struct Evaluated: Sendable {
        /// The rows and their activity, in file order.
        public var rows: [(MeasuredRun, Activity)]
        /// Rows that could not be evaluated, each at its line and column.
        public var errors: [Diagnostic]
        /// Rows measured on other hardware, by name.
        public var otherHardware: [String: Int]
        /// The line of the first row measured on other hardware.
        public var firstOtherLine: Int?
    }

    /// Evaluates every row of the file that belongs to this hardware.
    public func evaluate(_ file: MeasurementFile) -> Evaluated {
        var otherHardware: [String: Int] = [:]
        var firstOtherLine: Int?
        var mine: [MeasuredRun] = []
        for measurement in file.measurements {
            if hardwareNames.contains(measurement.hardware.lowercased()) {
                mine.append(measurement)
            } else {
                otherHardware[measurement.hardware, default: 0] += 1
                firstOtherLine = firstOtherLine ?? measurement.line
            }
        }
        // A row's activity depends only on its workload and precision: repeated runs of one
        // workload (a file of repetitions) are evaluated once.
        struct Workload: Hashable {
            var workload: MeasuredRun.Workload
            var precision: PrecisionConfig?
        }
        var distinct: [Workload] = []
        var index: [Workload: Int] = [:]
        for measurement in mine {
            let key = Workload(workload: measurement.workload, precision: measurement.precision)
            if index[key] == nil {
                index[key] = distinct.count
                distinct.append(key)
            }
        }
        let counter = self.counter
        let outcomes = distinct.parallelMap { key in
            Result { () throws(CalibrationError) in
                try counter.activity(for: key.workload, precision: key.precision)
            }
        }
        var evaluated: [(MeasuredRun, Activity)] = []
        var errors: [Diagnostic] = []
        for measurement in mine {
            let key = Workload(workload: measurement.workload, precision: measurement.precision)
            guard let position = index[key] else { continue }
            switch outcomes[position] {
            case .success(let activity): evaluated.append((measurement, activity))
            case .failure(let error):
                errors.append(
                    file.diagnostic(
                        line: measurement.line, column: error.column, message: error.message, hint: error.hint))
            }
        }
        return Evaluated(
            rows: evaluated, errors: errors, otherHardware: otherHardware, firstOtherLine: firstOtherLine)
    }

    /// Evaluates every row of the file that belongs to this hardware, then fits. A fault of the
    /// whole fit carries a line of the file (the header's, or the first row on other hardware).
    public func calibrate(_ file: MeasurementFile) throws(CalibrationError) -> Calibration {
        let evaluated = evaluate(file)
        do {
            return try fit(evaluated.rows, errors: evaluated.errors, otherHardware: evaluated.otherHardware)
        } catch {
            var positioned = error
            if evaluated.rows.isEmpty, let line = evaluated.firstOtherLine {
                positioned.line = line
                positioned.column = "hardware"
            }
            positioned.line = positioned.line ?? file.headerLine
            throw positioned
        }
    }

    /// Fits evaluated rows.
    public func fit(
        _ evaluated: [(MeasuredRun, Activity)], errors: [Diagnostic] = [], otherHardware: [String: Int] = [:]
    ) throws(CalibrationError) -> Calibration {
        let hardware = counter.hardware
        guard !evaluated.isEmpty else {
            let others = otherHardware.sorted { $0.key < $1.key }.map { "\($0.value) on \($0.key)" }
            throw CalibrationError(
                "no usable rows for \(hardware.name)",
                hint: otherHardware.isEmpty
                    ? "every row has an error (listed above)"
                    : "the rows are for other hardware (\(others.joined(separator: ", "))); pass --hardware-name NAME to use them"
            )
        }
        let inFit = evaluated.indices.map { !Calibration.isHeldOut(index: $0, fraction: holdoutFraction) }
        let training = evaluated.indices.filter { inFit[$0] }
        guard !training.isEmpty else {
            throw CalibrationError(
                "the hold-out leaves no rows to fit", hint: "lower --holdout or measure more runs", column: "time_s")
        }

        let coefficients = Self.coefficients(hardware: hardware, activities: training.map { evaluated[$0].1 })
        let termValues = { (index: Int) -> [Double] in
            Self.values(coefficients, activity: evaluated[index].1, measurement: evaluated[index].0, hardware: hardware)
        }
        let allValues = evaluated.indices.map(termValues)
        let priors = coefficients.map { Self.prior($0, hardware: hardware) }
        let terms = coefficients.indices.map { j in
            FitTerm(
                name: coefficients[j].name, values: training.map { allValues[$0][j] }, prior: priors[j],
                holdRank: Self.holdRank(coefficients[j].kind, hardware: hardware))
        }
        let energy: LinearFit
        do {
            energy = try LinearFit.fit(
                terms: terms,
                rhs: training.map {
                    evaluated[$0].0.totalJoules
                        - Self.idleBelowClock(measurement: evaluated[$0].0, hardware: hardware)
                },
                weighting: weighting)
        } catch {
            throw CalibrationError("the energy fit failed: \(error.message)", hint: error.hint, column: "energy_j")
        }
        try Self.checkIdentifiable(energy, coefficients: coefficients)

        // Time: predicted seconds per class, at the measured clock where the row gives one.
        let classes = Set(training.flatMap { evaluated[$0].1.boundSeconds.filter { $0.value > 0 }.keys }).sorted()
        let timeValues = evaluated.indices.map { i in
            classes.map { Self.boundSeconds($0, activity: evaluated[i].1, measurement: evaluated[i].0, hardware) }
        }
        var time: LinearFit?
        var efficiencies: [Calibration.Efficiency] = []
        if !classes.isEmpty {
            let timeTerms = classes.indices.map { c in
                FitTerm(
                    name: Self.name(classes[c], hardware: hardware), values: training.map { timeValues[$0][c] },
                    prior: 1)
            }
            do {
                let fit = try LinearFit.fit(
                    terms: timeTerms, rhs: training.map { evaluated[$0].0.seconds }, weighting: weighting)
                time = fit
                efficiencies = classes.indices.map { c in
                    Calibration.Efficiency(
                        timeClass: classes[c], name: timeTerms[c].name, estimate: fit.estimates[c],
                        rows: training.filter { timeValues[$0][c] > 0 }.count)
                }
            } catch {
                throw CalibrationError("the time fit failed: \(error.message)", hint: error.hint, column: "time_s")
            }
        }

        let offsets = evaluated.map { Self.idleBelowClock(measurement: $0.0, hardware: hardware) }
        let fittedEnergy = zip(energy.predict(allValues), offsets).map { $0 + $1 }
        let fileEnergy = zip(allValues, offsets).map { values, offset in
            zip(values, priors).reduce(offset) { $0 + $1.0 * $1.1 }
        }
        let fittedTime = time?.predict(timeValues) ?? evaluated.map(\.1.seconds)
        let rows = evaluated.indices.map { i in
            Calibration.Row(
                measurement: evaluated[i].0, activity: evaluated[i].1, inFit: inFit[i], fittedJoules: fittedEnergy[i],
                fileJoules: fileEnergy[i], fittedSeconds: fittedTime[i])
        }
        return Calibration(
            hardware: hardware, mode: counter.mode, coefficients: coefficients, energy: energy, time: time,
            efficiencies: efficiencies, rows: rows, errors: errors, otherHardware: otherHardware,
            holdoutFraction: holdoutFraction)
    }

    /// Throws when the energy fit is degenerate, naming what cannot be identified: every row
    /// measured the same energy, no coefficient could be fitted, or no degree of freedom is left
    /// (as many free coefficients as rows: an exact fit with no error bars).
    static func checkIdentifiable(_ fit: LinearFit, coefficients: [EnergyCoefficient]) throws(CalibrationError) {
        let rows = fit.observed.count
        let exercised = fit.estimates.indices.filter { fit.estimates[$0].status != .noData }
        let names = exercised.map { coefficients[$0].name }
        let held = exercised.filter { fit.estimates[$0].status != .fitted }.map { index in
            "\(coefficients[index].name) (\(reason(fit.estimates[index], coefficients: coefficients)))"
        }
        let rowsText = rows == 1 ? "1 row" : "\(QuantityFormat.grouped(rows)) rows"
        let hint =
            "measure more runs of different shapes and sizes, so that every coefficient's count varies on its own"
        if rows > 1, let first = fit.observed.first, fit.observed.allSatisfy({ $0 == first }) {
            throw CalibrationError(
                "every row measured the same energy (\(QuantityFormat.scaled(first, unit: "J"))): the \(rowsText) cannot identify \(list(names)); R² is undefined",
                hint: hint, column: "energy_j")
        }
        let free = fit.estimates.filter { $0.status == .fitted }.count
        if free == 0 {
            throw CalibrationError(
                "no energy coefficient can be identified from the \(rowsText): \(list(held))", hint: hint,
                column: "energy_j")
        }
        if fit.degreesOfFreedom <= 0 {
            let unidentified = held.isEmpty ? "" : "; \(list(held)) cannot be identified"
            throw CalibrationError(
                "too few rows: \(rowsText) for the \(names.count) coefficients they exercise (\(list(names))), so the fit is exact and has no error bars\(unidentified)",
                hint:
                    "measure at least \(free + 1) runs of different shapes and sizes, so that every coefficient's count varies on its own",
                column: "energy_j")
        }
    }

    /// Why a coefficient is not fitted, in a few words.
    static func reason(_ estimate: LinearFit.Estimate, coefficients: [EnergyCoefficient]) -> String {
        switch estimate.status {
        case .fitted: return "fitted"
        case .atBound: return "pushed below zero"
        case .noData: return "no row exercises it"
        case .collinear(let partners, _):
            let names = list(partners.map { coefficients[$0].name })
            return partners.count == 1
                ? "its count is a fixed multiple of \(names)'s in every row"
                : "its count is a fixed combination of \(names)'s in every row"
        }
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ names: [String]) -> String {
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " and " + last
    }

    /// The unknowns: a MAC energy per precision the rows use, an energy per bit per level, the
    /// vector energy and static power (levels and vector even without data, to be flagged).
    static func coefficients(hardware: Accelerator, activities: [Activity]) -> [EnergyCoefficient] {
        var result: [EnergyCoefficient] = []
        for precision in hardware.compute.supportedPrecisions
        where activities.contains(where: { ($0.macs[precision] ?? 0) > 0 }) {
            result.append(.init(kind: .mac(precision), name: "MAC \(precision)", unit: .energy, writeRatio: 1))
        }
        for (i, level) in hardware.memory.enumerated() {
            let read = level.readEnergy.value.si
            let ratio = read > 0 ? level.writeEnergy.value.si / read : 1
            result.append(.init(kind: .level(i), name: level.name, unit: .energyPerBit, writeRatio: ratio))
        }
        result.append(.init(kind: .vector, name: "vector op", unit: .energy, writeRatio: 1))
        result.append(.init(kind: .staticPower, name: "static power", unit: .power, writeRatio: 1))
        return result
    }

    /// The file's value of a coefficient.
    static func prior(_ coefficient: EnergyCoefficient, hardware: Accelerator) -> Double {
        switch coefficient.kind {
        case .mac(let precision): return hardware.compute.precisions[precision]?.macEnergy.value.si ?? 0
        case .level(let i): return hardware.memory[i].readEnergy.value.si
        case .vector: return hardware.compute.vector.energyPerOp.value.si
        case .staticPower: return hardware.staticPower.value.si
        }
    }

    /// The count multiplying each coefficient in a row.
    static func values(
        _ coefficients: [EnergyCoefficient], activity: Activity, measurement: MeasuredRun, hardware: Accelerator
    ) -> [Double] {
        let (dynamic, clocked) = clockFactors(measurement: measurement, hardware: hardware)
        return coefficients.map { coefficient in
            switch coefficient.kind {
            case .mac(let precision): return dynamic * (activity.macs[precision] ?? 0)
            case .level(let i): return dynamic * (activity.readBits[i] + coefficient.writeRatio * activity.writeBits[i])
            case .vector: return dynamic * activity.vectorOps
            case .staticPower: return clocked * measurement.seconds
            }
        }
    }

    /// A row measured below the nominal clock (`clock_mhz`) ran at the alpha-power law's lower
    /// voltage: its per-action energies scale by (V / V0)² (`dynamic`), and with an `idle_power`
    /// in the file the clocked part of static power by (f / f0)(V / V0)² (`clocked`; else 1), as
    /// `Accelerator.staticPower(at:)` charges them. Rows at or above the nominal clock: (1, 1).
    static func clockFactors(measurement: MeasuredRun, hardware: Accelerator) -> (dynamic: Double, clocked: Double) {
        guard let clock = measurement.clock, clock > 0, clock < hardware.clock.si * (1 - 1e-3) else { return (1, 1) }
        let share = clock / hardware.clock.si
        let nominal = hardware.operatingPoints[0]
        guard let point = OperatingPoint.alphaPowerLaw(nominal: nominal, count: 2, lowest: share).last else {
            return (1, 1)
        }
        let dynamic = EnergyModel.voltageFactor(point, hardware: hardware)
        return (dynamic, hardware.idlePower.provenance.isEstimated ? 1 : share * dynamic)
    }

    /// The idle power's share of a row below the nominal clock that the static coefficient does
    /// not carry: idle x time x (1 − (f / f0)(V / V0)²), with the file's idle power; 0 otherwise.
    static func idleBelowClock(measurement: MeasuredRun, hardware: Accelerator) -> Double {
        guard !hardware.idlePower.provenance.isEstimated else { return 0 }
        let (_, clocked) = clockFactors(measurement: measurement, hardware: hardware)
        return hardware.idlePower.value.si * measurement.seconds * (1 - clocked)
    }

    /// Which coefficient gives way when the data cannot separate several: register and SRAM
    /// levels (innermost first), then vector, DRAM and MAC energies; static power last.
    static func holdRank(_ kind: EnergyCoefficient.Kind, hardware: Accelerator) -> Int {
        switch kind {
        case .staticPower: return 0
        case .mac: return 1
        case .level(let i):
            switch hardware.memory[i].kind {
            case .dram: return 2
            case .sram: return 10 + i
            case .register: return 100 + i
            }
        case .vector: return 3
        }
    }

    /// Predicted seconds of a class in a row, compute and on-chip terms scaled to the row's clock.
    static func boundSeconds(
        _ timeClass: TimeClass, activity: Activity, measurement: MeasuredRun, _ hardware: Accelerator
    ) -> Double {
        let seconds = activity.boundSeconds[timeClass] ?? 0
        guard let clock = measurement.clock, clock > 0 else { return seconds }
        switch timeClass {
        case .level(let i) where hardware.memory[i].isOffChip: return seconds
        default: return seconds * hardware.clock.si / clock
        }
    }

    /// A time class's name for reports.
    static func name(_ timeClass: TimeClass, hardware: Accelerator) -> String {
        switch timeClass {
        case .gemmCompute: return "GEMM compute"
        case .vectorCompute: return "vector compute"
        case .level(let i): return "\(hardware.memory[i].name) streaming"
        }
    }
}
