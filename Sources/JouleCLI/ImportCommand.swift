import Foundation
import Joule
import YAML

/// `joule import timeloop ARCH [PROBLEM [MAPPING [ERT]]] --out DIR`: converts Timeloop and
/// Accelergy specifications into Joule's hardware, problem and mapping files.
enum ImportCommand {
    static let usage =
        "usage: joule import timeloop ARCH.yaml [PROBLEM.yaml [MAPPING.yaml [ERT.yaml]]] --out DIR [--ert ERT.yaml] [--force]"

    static let help = """
        \(usage)

        Converts a Timeloop architecture (v0.4 `nodes:` with !Container/!Component, or the older
        `subtree:`/`local:` tree), and optionally its problem, its mapping and the energy
        reference table Accelergy wrote for it (ERT.yaml or ERT_summary.yaml), into DIR/
        hardware.yaml, DIR/problem.yaml and DIR/mapping.yaml. Each written file starts with a
        comment naming where it came from, and every number carries its origin. Energies the
        table does not give are left out, so Joule estimates them from the technology.

        What Joule cannot express is an error at its place in the Timeloop file (exit 65): an
        unknown class, a storage level without a depth (DRAM excepted), a factor over an unknown
        dimension or not a whole number, residual factors, densities, shapes other than two read
        data spaces and one read_write output. Existing files in DIR
        are kept unless --force.

        example:
          joule import timeloop arch.yaml prob.yaml map.yaml --ert timeloop-model.ERT.yaml --out imported
          joule eval op imported/hardware.yaml --problem imported/problem.yaml --mapping imported/mapping.yaml
        """

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: ["out", "ert"], flags: ["force"], usage: usage)
        guard let kind = arguments.positionals.first else {
            throw .usage("name the format to import: timeloop", usage: usage)
        }
        guard kind == "timeloop" else {
            throw .usage("unknown format '\(kind)'; \(Suggestion.hint(for: kind, among: ["timeloop"]))", usage: usage)
        }
        let files = Array(arguments.positionals.dropFirst())
        guard (1...4).contains(files.count) else {
            throw .usage(
                files.isEmpty ? "name the architecture file" : "at most four files: ARCH, PROBLEM, MAPPING, ERT",
                usage: usage)
        }
        if files.count == 4 && arguments.options["ert"] != nil {
            throw .usage("give the energy table once: as the fourth file or with --ert", usage: usage)
        }
        guard let folder = arguments.options["out"] else { throw .usage("--out DIR is required", usage: usage) }
        let ertPath = files.count == 4 ? files[3] : arguments.options["ert"]
        let imported: TimeloopImport
        do {
            imported = try TimeloopImport.convert(
                architecture: .load(files[0]), problem: files.count > 1 ? .load(files[1]) : nil,
                mapping: files.count > 2 ? .load(files[2]) : nil,
                energyTable: ertPath.map { path throws(Diagnostics) in try .load(path) },
                folder: folder)
        } catch {
            throw .data(error)
        }
        let names = [TimeloopImport.hardwareFile, TimeloopImport.problemFile, TimeloopImport.mappingFile]
        let existing = names.map { folder + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        if !existing.isEmpty && !arguments.flags.contains("force") {
            throw .data(
                Diagnostics(
                    existing.map {
                        Diagnostic(path: $0, mark: nil, message: "the file exists; pass --force to replace it")
                    }))
        }
        let written: [String]
        do {
            written = try imported.write(to: folder)
        } catch {
            throw .io("cannot write into \(folder): \(error.localizedDescription)")
        }
        for note in imported.notes { FileHandle.standardError.write(Data("joule: note: \(note)\n".utf8)) }
        var lines = ["imported into \(folder):"] + written.map { "  " + $0 }
        if imported.mapping != nil {
            lines.append(
                "evaluate: joule eval op \(folder)/\(names[0]) --problem \(folder)/\(names[1]) --mapping \(folder)/\(names[2])"
            )
        } else if imported.problem != nil {
            lines.append("map it: joule eval op \(folder)/\(names[0]) --problem \(folder)/\(names[1])")
        }
        return lines.joined(separator: "\n")
    }
}
