import JouleEval
import JouleSpec

extension Calibration {
    /// The file's value of a coefficient with how it got there: given, or estimated.
    public func provenance(_ coefficient: EnergyCoefficient) -> Provenance {
        switch coefficient.kind {
        case .mac(let precision): return hardware.compute.precisions[precision]?.macEnergy.provenance ?? .given
        case .level(let i): return hardware.memory[i].readEnergy.provenance
        case .vector: return hardware.compute.vector.energyPerOp.provenance
        case .staticPower: return hardware.staticPower.provenance
        }
    }

    /// A coefficient's value in its unit (`0.3812 pJ`, `4.01 pJ/bit`, `95.3 W`).
    public func format(_ value: Double, _ coefficient: EnergyCoefficient) -> String {
        value == 0 ? "0" : QuantityFormat.format(value, kind: coefficient.unit)
    }

    /// Sentences for what the data could not settle, one per flagged coefficient or efficiency.
    public var notes: [String] {
        var notes: [String] = []
        let estimates = energy.estimates
        let exercised = estimates.filter { $0.status != .noData }.count
        if energy.observed.count < exercised {
            notes.append(
                "only \(energy.observed.count) rows for \(exercised) coefficients the rows exercise: some must keep the file's values (below); measure more runs"
            )
        }
        for (j, (coefficient, estimate)) in zip(coefficients, estimates).enumerated() {
            switch estimate.status {
            case .fitted:
                if estimate.isPoorlyDetermined, let error = estimate.standardError {
                    notes.append(
                        "\(coefficient.name) is poorly determined: its standard error \(format(error, coefficient)) is more than half its value"
                    )
                }
            case .atBound:
                var sentence = "\(coefficient.name) is held at zero by the non-negativity bound"
                if let free = estimate.unconstrained {
                    let range = "\(format(free.value, coefficient)) ± \(format(free.standardError, coefficient))"
                    sentence +=
                        free.value + 2 * free.standardError < 0
                        ? "; without the bound the fit gives \(range), well below zero: the model does not describe these rows well"
                        : "; without the bound the fit gives \(range): the data cannot tell it from zero"
                }
                let dependents = estimates.indices.filter { estimates[$0].assumesZero.contains(j) }
                if !dependents.isEmpty {
                    let names = dependents.map { coefficients[$0].name }.joined(separator: ", ")
                    sentence +=
                        "; \(names) \(dependents.count == 1 ? "trades" : "trade") off against it (correlation beyond 0.9), so \(dependents.count == 1 ? "its value and error assume" : "their values and errors assume") it is zero"
                }
                if coefficient.kind != .staticPower { sentence += " (not written by --output)" }
                notes.append(sentence)
            case .noData:
                switch coefficient.kind {
                case .level(let i):
                    let ideal = mode == .ideal && !hardware.memory[i].isOffChip
                    notes.append(
                        "\(coefficient.name): no row moves data at this level\(ideal ? " (the ideal roofline counts DRAM traffic only)" : ""); kept at the file's value"
                    )
                case .vector: notes.append("vector op: no row runs vector operations; kept at the file's value")
                default: notes.append("\(coefficient.name): no row exercises it; kept at the file's value")
                }
            case .collinear(let partners, let factors):
                let names = partners.map { coefficients[$0].name }
                let combination = zip(partners, factors).map { k, factor in
                    "\(QuantityFormat.number(factor)) x \(coefficients[k].name)"
                }.joined(separator: " + ")
                var sentence =
                    "\(coefficient.name) cannot be told apart from \(names.joined(separator: ", ")): in every row its count is \(combination); kept at the file's value \(format(estimate.prior, coefficient)), and \(names.joined(separator: ", ")) \(names.count == 1 ? "is" : "are") fitted assuming it"
                if partners.count == 1, let k = partners.first, let factor = factors.first, factor != 0 {
                    // count_j = f count_k, so the data fix e_k + f e_j (in e_k's unit).
                    let determined = estimates[k].value + factor * estimates[j].value
                    sentence +=
                        " (only \(coefficients[k].name) + \(QuantityFormat.number(factor)) x \(coefficient.name) = \(format(determined, coefficients[k])) is determined)"
                }
                notes.append(sentence)
            }
        }
        for efficiency in efficiencies {
            switch efficiency.estimate.status {
            case .fitted:
                if let value = efficiency.efficiency, value > 1 {
                    notes.append(
                        "\(efficiency.name): \(QuantityFormat.number(value * 100))% of the file's peak: the runs went faster than Joule's peak for this class"
                    )
                }
                if efficiency.estimate.isPoorlyDetermined {
                    notes.append("\(efficiency.name) efficiency is poorly determined by these rows")
                }
            case .atBound:
                notes.append(
                    "\(efficiency.name): the time fit gives this class no time; its efficiency is not determined")
            case .noData: break
            case .collinear(let partners, _):
                let names = partners.map { efficiencies[$0].name }.joined(separator: ", ")
                notes.append(
                    "\(efficiency.name) cannot be told apart from \(names) in time: assumed at 100% of peak, and \(names) fitted assuming it"
                )
            }
        }
        return notes
    }
}
