import Foundation
import JouleEval
import JouleSpec
import YAML

/// `joule traffic MODEL HARDWARE --level L` and `joule traffic --problem FILE HARDWARE --level L`:
/// the least DRAM traffic of a fused chain (one by one and fused) or of one einsum as one
/// level's capacity varies.
enum TrafficCommand {
    static let usage =
        "usage: joule traffic MODEL HARDWARE --level NAME [--group attention|ffn] [graph options] [--from SIZE] [--to SIZE] [--format table|csv|json]\n       joule traffic --problem FILE HARDWARE --level NAME [--from SIZE] [--to SIZE] [--format table|csv|json]"

    static let help = """
        \(usage)

        The "ski slope" an architect sizes a buffer with (Orojenesis, ISCA 2024): the least DRAM
        traffic as the capacity of one memory level varies, doubling from --from to --to (default
        16 KiB to four times the level's size). For a model, the first chain of --group (attention,
        the default, or ffn) of the graph the options ask for: run one operator at a time (the
        mapper's best mapping of each GEMM plus the vector operators' own reads and writes) and
        fused with its intermediate held at the level (README "Fusion"). For --problem, one einsum
        mapped (no fusion). A dash: nothing fits at that capacity.

          --level NAME   the memory level whose capacity varies (required)
          --group G      attention (default) or ffn
          --from, --to   the smallest and largest capacity, e.g. 16KiB, 64MiB
          --format F     table (default), csv or json

        Graph and evaluation options are those of `joule eval` (see `joule help eval`); the
        mapper minimises --objective (energy by default), fused tilings minimise DRAM bytes.
        `joule plot traffic` draws the same curves.

        examples:
          joule traffic llama-2-7b h100-sxm --level SharedL1 --sequence 4096
          joule traffic llama-2-7b toy-3level --level GlobalBuffer --group ffn --sequence 256
          joule traffic --problem Examples/problems/resnet50-conv3x3.yaml eyeriss-v1 --level GlobalBuffer
        """

    static let valued = EvalCommand.valued.union(["level", "group", "from", "to"])

    /// The curve the arguments ask for, with a title naming what it is of.
    static func curve(_ arguments: Arguments, usage: String) throws(CommandLineError) -> (
        curve: TrafficCurve, title: String, level: String
    ) {
        let problemPath = arguments.options["problem"]
        let expected = problemPath == nil ? 2 : 1
        guard arguments.positionals.count == expected else {
            throw .usage(
                problemPath == nil
                    ? "name a model and a hardware, e.g. joule traffic llama-2-7b h100-sxm --level SharedL1"
                    : "name one hardware after --problem FILE", usage: usage)
        }
        let hardwareArgument = arguments.positionals[expected - 1]
        let hardware: Accelerator
        do {
            hardware = try Accelerator.load(hardwareArgument)
        } catch {
            throw .data(error)
        }
        guard let levelName = arguments.options["level"] else {
            throw .usage(
                "say which level's capacity varies, e.g. --level \(hardware.memory.last?.name ?? "Buffer")",
                usage: usage)
        }
        let names = hardware.memory.map(\.name)
        guard let level = names.firstIndex(where: { $0.lowercased() == levelName.lowercased() }) else {
            throw .usage(
                "--level: \(hardware.name) has no memory level '\(levelName)'; \(Suggestion.hint(for: levelName, among: names))",
                usage: usage)
        }
        guard !hardware.memory[level].isOffChip else {
            throw .usage("--level: \(names[level]) is the DRAM; name an on-chip level", usage: usage)
        }
        let low = try size("from", arguments, usage: usage) ?? 16 * 1024
        let high = try size("to", arguments, usage: usage) ?? max(low, 4 * hardware.memory[level].size.si)
        guard high >= low else { throw .usage("--to must be at least --from", usage: usage) }
        let capacities = TrafficCurve.doubling(from: low, to: high)
        guard capacities.count <= 40 else {
            throw .usage("--from to --to spans \(capacities.count) doublings; at most 40", usage: usage)
        }
        var evaluatorArguments = arguments
        evaluatorArguments.options["roofline"] = "mapped"
        let evaluator = try EvalCommand.evaluator(evaluatorArguments, hardware: hardware)
        if let problemPath {
            if arguments.options["group"] != nil {
                throw .usage("--group applies to a model, not --problem", usage: usage)
            }
            let file: ProblemFile
            do {
                file = try ProblemFile.load(problemPath)
            } catch {
                throw .data(error)
            }
            let curve = TrafficCurve.problem(
                file.problem, macPrecision: file.macPrecision, evaluator: evaluator, level: level,
                capacities: capacities)
            return (curve, "\(file.name) on \(hardware.name)", names[level])
        }
        let groupName = arguments.options["group"] ?? "attention"
        guard let kind = FusedChain.Kind(rawValue: groupName) else {
            throw .usage("unknown group '\(groupName)'; expected attention or ffn", usage: usage)
        }
        let (model, _) = try WorkloadArguments.load(arguments, usage: usage)
        let graph = try WorkloadArguments.graph(model: model, hardware: hardware, arguments, usage: usage)
        guard let site = graph.fusionSites(kinds: [kind]).first else {
            throw .usage("\(model.name) has no \(groupName) chain in this phase", usage: usage)
        }
        let curve = TrafficCurve.chain(site.chain, evaluator: evaluator, level: level, capacities: capacities)
        return (curve, "\(site.name) of \(model.name) (\(graph.phase)) on \(hardware.name)", names[level])
    }

    /// A size option in bytes (16KiB, 1 MiB).
    static func size(_ name: String, _ arguments: Arguments, usage: String) throws(CommandLineError) -> Double? {
        guard let text = arguments.options[name] else { return nil }
        guard let value = try? Bytes(parsing: text), value.si >= 1 else {
            throw .usage("--\(name) takes a size such as 16KiB or 64 MiB, found '\(text)'", usage: usage)
        }
        return value.si
    }

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: valued, flags: [], usage: usage)
        let format = arguments.options["format"] ?? "table"
        guard ["table", "csv", "json"].contains(format) else {
            throw .usage("unknown format '\(format)'; expected table, csv or json", usage: usage)
        }
        let (curve, title, level) = try curve(arguments, usage: usage)
        var table = TextTable(
            ["\(level) size", "one by one", "fused", "fused tile"], alignments: [.right, .right, .right, .left])
        var csv = TextTable([
            "capacity_bytes", "unfused_dram_bytes", "fused_dram_bytes", "tile_rows", "tile_shared", "order",
        ])
        var rows: [[String: Any]] = []
        for point in curve.points {
            table.add([
                Bytes(si: point.capacity).description, point.unfused.map { Bytes(si: $0).description } ?? "-",
                point.fused.map { Bytes(si: $0).description } ?? "-", point.tiling?.description ?? "-",
            ])
            csv.add([
                "\(point.capacity)", point.unfused.map { "\($0)" } ?? "", point.fused.map { "\($0)" } ?? "",
                point.tiling.map { "\($0.rows)" } ?? "", point.tiling.map { "\($0.shared)" } ?? "",
                point.tiling?.order.rawValue ?? "",
            ])
            var row: [String: Any] = ["capacity_bytes": point.capacity]
            if let unfused = point.unfused { row["unfused_dram_bytes"] = unfused }
            if let fused = point.fused { row["fused_dram_bytes"] = fused }
            if let tiling = point.tiling {
                row["tile"] = ["rows": tiling.rows, "shared": tiling.shared, "order": tiling.order.rawValue]
            }
            rows.append(row)
        }
        switch format {
        case "csv": return csv.csv()
        case "json": return JSONOutput.render(["title": title, "level": level, "points": rows])
        default:
            return
                "DRAM traffic of \(title) as \(level) grows (fused: the least; one by one: the mapper's best mappings)\n\n"
                + table.render()
        }
    }
}
