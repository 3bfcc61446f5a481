import Foundation
import JouleEval
import JouleSearch
import JouleSpec

/// Shared pieces of the calibration tests.
enum CalibrationSupport {
    /// The repository root, from this file's path (Tests/JouleSearchTests/Calibration/...).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A catalog over the repository's Hardware/ and Models/.
    static let catalog = Catalog(roots: [root.path])

    /// A repository file's path.
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A hardware file of the repository.
    static func hardware(_ name: String) throws -> Accelerator { try Accelerator.load(name, catalog: catalog) }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "joule-calibration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}

/// Reproducible standard normal draws: SplitMix64 into the Box-Muller transform.
struct NormalNoise {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return (Double(z >> 11) + 0.5) / Double(UInt64(1) << 53)
    }

    /// One draw from N(0, 1).
    mutating func next() -> Double {
        let u = uniform()
        let v = uniform()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}

/// Known coefficients for synthetic measurements, by coefficient kind.
struct TrueCoefficients {
    var mac: [Precision: Double]
    var level: [Int: Double]
    var vector: Double
    var staticPower: Double
    /// Measured time = the sum over time classes of Joule's time bound by the class / its efficiency.
    var efficiencies: [TimeClass: Double]
    /// The efficiency of classes not listed.
    var efficiency: Double = 1

    /// The measured seconds of a run.
    func seconds(_ activity: Activity) -> Double {
        activity.boundSeconds.reduce(0) { $0 + $1.value / (efficiencies[$1.key] ?? efficiency) }
    }

    /// The truth for one coefficient.
    func value(_ kind: EnergyCoefficient.Kind, hardware: Accelerator) -> Double {
        switch kind {
        case .mac(let precision):
            return mac[precision] ?? hardware.compute.precisions[precision]?.macEnergy.value.si ?? 0
        case .level(let i): return level[i] ?? hardware.memory[i].readEnergy.value.si
        case .vector: return vector
        case .staticPower: return staticPower
        }
    }

    /// Joules of a run with these coefficients: writes at the file's write/read ratio.
    func joules(_ activity: Activity, seconds: Double, hardware: Accelerator) -> Double {
        var total = activity.vectorOps * vector + staticPower * seconds
        for (precision, count) in activity.macs { total += count * value(.mac(precision), hardware: hardware) }
        for (i, level) in hardware.memory.enumerated() {
            let read = level.readEnergy.value.si
            let ratio = read > 0 ? level.writeEnergy.value.si / read : 1
            total += (activity.readBits[i] + ratio * activity.writeBits[i]) * value(.level(i), hardware: hardware)
        }
        return total
    }
}

/// Builds a measurement CSV from runs with known coefficients and seeded noise.
struct SyntheticMeasurements {
    /// One run: its CSV cells for the workload columns (model,phase,batch,sequence,context,op,b,m,n,k,precision).
    struct Run {
        var cells: [String]
    }

    static let header = "model,phase,batch,sequence,context,op,b,m,n,k,precision,hardware,time_s,energy_j"

    static func gemm(_ m: Int, _ n: Int, _ k: Int, _ precision: String) -> Run {
        Run(cells: ["", "", "", "", "", "gemm", "1", "\(m)", "\(n)", "\(k)", precision])
    }

    static func vector(_ op: String, _ m: Int, _ n: Int) -> Run {
        Run(cells: ["", "", "", "", "", op, "1", "\(m)", "\(n)", "", "bf16"])
    }

    static func model(_ name: String, _ phase: String, batch: Int, length: Int, _ precision: String) -> Run {
        let sequence = phase == "decode" ? "" : "\(length)"
        let context = phase == "decode" ? "\(length)" : ""
        return Run(cells: [name, phase, "\(batch)", sequence, context, "", "", "", "", "", precision])
    }

    /// The CSV text: each run evaluated by Joule, its energy from the truth, noise on time and energy.
    /// The truth's efficiencies are shares of the datasheet peaks, so times come from the peaks.
    static func csv(
        runs: [Run], hardware: Accelerator, mode: RooflineMode, truth: TrueCoefficients, noise: Double, seed: UInt64
    ) throws -> String {
        let counter = try ActivityCounter(hardware: hardware.atPeak, mode: mode, catalog: CalibrationSupport.catalog)
        var lines = [header]
        var random = NormalNoise(seed: seed)
        for (index, run) in runs.enumerated() {
            let text = header + "\n" + (run.cells + [hardware.name, "1", "1"]).joined(separator: ",")
            let file = try MeasurementFile(text: text, path: "run-\(index).csv")
            guard let measurement = file.measurements.first, file.errors.isEmpty else {
                throw CalibrationError("bad synthetic run \(run.cells): \(file.errors)")
            }
            let activity = try counter.activity(for: measurement)
            let seconds = truth.seconds(activity)
            let joules = truth.joules(activity, seconds: seconds, hardware: hardware)
            let measuredSeconds = seconds * (1 + noise * random.next())
            let measuredJoules = joules * (1 + noise * random.next())
            lines.append(
                (run.cells + [hardware.name, "\(measuredSeconds)", "\(measuredJoules)"]).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
