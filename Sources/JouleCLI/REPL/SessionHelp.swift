/// The REPL's `help` and `help COMMAND` texts: each command with its grammar and an example.
enum SessionHelp {
    struct Entry {
        var name: String
        var usage: String
        var summary: String
        var details: String
        var examples: [String]
    }

    static let entries: [Entry] = [
        Entry(
            name: "load", usage: "load hardware|model NAME|PATH", summary: "load an accelerator or a transformer",
            details: """
                A bare NAME is looked up in the Hardware/ or Models/ library, as on the command line; a
                path is used as given (a model may be a Hugging Face config.json, which the session
                keeps as the YAML model it reads as, so set model.KEY and export model work on it).
                Loading replaces the description and drops its edits; the workload settings stay.
                """,
            examples: ["load hardware tpu-v1", "load model Models/hf/mistral-7b/config.json"]),
        Entry(
            name: "show", usage: "show hardware|model|graph|mapping|settings|saved [OP]",
            summary: "print the current description, graph, mappings or settings",
            details: """
                hardware and model print what `joule show` prints, with every edit applied and every
                left-out number re-estimated. graph prints `joule graph` for the current workload;
                `show graph OP` only the operators whose name or role is OP. mapping evaluates and
                prints the mapping of every GEMM role; `show mapping OP` prints one operator (a name
                such as L0.q_proj, or a role such as ffn_up) as `joule eval op` does. settings lists the
                session's settings and the equivalent command line; saved lists the snapshots.
                """,
            examples: ["show hardware", "show graph attn_score", "show mapping L0.ffn_up"]),
        Entry(
            name: "set", usage: "set KEY VALUE",
            summary: "change a hardware or model key, or a workload setting",
            details: """
                hardware.PATH (or a bare PATH such as memory.GlobalBuffer.size) sets a key of the
                hardware description, in the file's units; memory levels are reached by name. The
                description is decoded again, so every number the file leaves out is re-estimated,
                exactly as a sweep does. model.PATH does the same for the model (a YAML file, or the
                YAML form of a Hugging Face config.json).
                Workload settings: phase prefill|decode|training [batch=B] [sequence=S] [context=C],
                batch, sequence, context, precision (bf16, w8a8, ... or a mix), dataflow (or any),
                fusion off|auto|on|attention,ffn,epilogues, attention causal|full, logits last|all,
                roofline mapped|ideal, objective energy|latency|edp, operating_point N or 80%.
                Serving settings (for serve): workload FILE, cluster NAME, device HW, tp, pp, dp, ep,
                concurrency (the batch cap), power_limit W (per device).
                """,
            examples: [
                "set hardware.memory.GlobalBuffer.size 1 MiB", "set phase decode batch=16 context=4096",
                "set precision w8a8", "set dataflow output_stationary",
            ]),
        Entry(
            name: "unset", usage: "unset KEY",
            summary: "remove a hardware or model key, or return a setting to its default",
            details: """
                Removing a hardware key leaves the number to its default or its estimate (unset
                hardware.memory.DRAM.read_energy estimates it from the DRAM technology). A workload
                setting returns to the command line's default.
                """,
            examples: ["unset hardware.memory.UnifiedBuffer.read_energy", "unset precision"]),
        Entry(
            name: "diff", usage: "diff", summary: "what differs from the loaded files",
            details: """
                Lists every key changed, added or removed since the hardware and model were loaded,
                then the figures re-estimated because of them (energies, areas, TDP).
                """,
            examples: ["diff"]),
        Entry(
            name: "eval", usage: "eval [--per-op]", summary: "latency, energy and where it goes",
            details: """
                Evaluates the model on the hardware for the current workload and prints what
                `joule eval` prints for the same settings (in the current format); --per-op lists
                every operator with its mapping.
                """,
            examples: ["eval", "eval --per-op"]),
        Entry(
            name: "breakdown", usage: "breakdown by level|operand|kind|role|layer",
            summary: "the energy cut one way",
            details: """
                Energy (and its share) by memory level, operand class, kind (MAC, memory, static),
                operator role, or transformer layer (layer 0, layer 1, ..., then the operators
                outside every layer: embedding, final norm, head).
                """,
            examples: ["breakdown by level", "breakdown by role", "breakdown by layer"]),
        Entry(
            name: "roofline", usage: "roofline", summary: "every distinct operator against the roofline",
            details: """
                Operations per DRAM byte, attained operations per second, its share of the peak and the
                bound of every distinct operator, under the MAC peak and the DRAM bandwidth.
                """,
            examples: ["roofline"]),
        Entry(
            name: "dvfs", usage: "dvfs", summary: "energy and time over the operating points",
            details: """
                What `joule dvfs` prints: every operating point of the hardware (or six alpha-power-law
                points when it lists one) with time, energy, power and bound, and the point each rule picks.
                """,
            examples: ["dvfs"]),
        Entry(
            name: "serve", usage: "serve", summary: "the serving steady state for the serving settings",
            details: """
                What `joule serve` prints for the model, the cluster (set cluster NAME, else the
                hardware on its own) and the serving settings: workload FILE, device HW, tp, pp, dp,
                ep, concurrency (the batch cap) and power_limit (per device), with the precision,
                fusion, roofline and operating point set. It reads the files as loaded.
                """,
            examples: ["set workload Workloads/chat.yaml", "set cluster dgx-h100", "set tp 8", "serve"]),
        Entry(
            name: "top", usage: "top [N] energy|time", summary: "the operator roles that cost most",
            details: "The N (default 10) operator roles with the most energy or time, with their shares.",
            examples: ["top 10 energy", "top 5 time"]),
        Entry(
            name: "compare", usage: "compare NAME",
            summary: "the current design against a saved one or a named hardware",
            details: """
                Evaluates both and prints them side by side with the ratio current / other: latency,
                energy, energy per token, power, area, bound, and energy by kind and level. NAME is a
                snapshot from `save`, or a hardware name or path evaluated with the current workload.
                """,
            examples: ["compare baseline", "compare tpu-v4i"]),
        Entry(
            name: "save", usage: "save NAME", summary: "keep a snapshot of the session under a name",
            details: "A snapshot holds the hardware (with its edits), the model and the workload settings.",
            examples: ["save baseline"]),
        Entry(
            name: "restore", usage: "restore NAME", summary: "go back to a saved snapshot",
            details: "Replaces the hardware, model and workload settings by the snapshot's.",
            examples: ["restore baseline"]),
        Entry(
            name: "export", usage: "export hardware|model FILE",
            summary: "write the edited description as YAML",
            details: """
                Writes the description with every edit as a YAML file that `joule check` accepts and
                `load` reads back (the source comments of the original file are not kept; the edits
                are listed in a comment at the top). A Hugging Face model exports as its YAML form.
                Leaving the session with Ctrl-D asks first when an edit has not been exported.
                """,
            examples: ["export hardware out/tpu-v1-48mib.yaml"]),
        Entry(
            name: "sweep", usage: "sweep KEY in [v1, v2, ...] | sweep FILE [--out DIR] [--resume] [--shard I/N]",
            summary: "a quick one-axis sweep, or a sweep file",
            details: """
                KEY takes any key `set` takes (and hardware or model, to load each); every value is set
                on a copy of the session and evaluated, and the results print as a table. Where the
                values change the tokens of a step (batch, sequence, phase), the best values are those
                with the least energy and time per token. `sweep FILE` runs a sweep file as `joule
                sweep` does (its own base design, not the session's). Ctrl-C stops either after the
                points in flight and returns to the prompt; a sweep file's finished points stay in
                its folder for --resume.
                """,
            examples: [
                "sweep hardware.memory.UnifiedBuffer.size in [8 MiB, 24 MiB, 96 MiB]", "sweep batch in [1, 8, 64]",
            ]
        ),
        Entry(
            name: "plot", usage: "plot roofline|breakdown|dvfs FILE.svg", summary: "draw a figure as SVG",
            details: """
                The figures of `joule plot`, for the current design and workload; the roofline has
                one panel per memory level, as `joule plot roofline` draws it.
                """,
            examples: ["plot roofline out/roofline.svg"]),
        Entry(
            name: "format", usage: "format table|json|csv", summary: "how results print",
            details: "json prints what `--format json` prints; csv prints tables as comma-separated values.",
            examples: ["format json"]),
        Entry(
            name: "help", usage: "help [COMMAND]", summary: "this list, or one command's help",
            details: "", examples: ["help set"]),
        Entry(
            name: "quit", usage: "quit", summary: "leave (also exit, or Ctrl-D)",
            details: "History is kept in ~/.joule_history.", examples: ["quit"]),
    ]

    /// The words `help` takes.
    static let topics = entries.map(\.name) + ["exit"]

    static var overview: String {
        let width = (entries.map(\.usage.count).max() ?? 0) + 2
        let body = entries.map { entry -> String in
            let usage =
                entry.usage.count > 44
                ? entry.name + " ..." : entry.usage
            return "  " + usage + String(repeating: " ", count: max(2, min(width, 46) - usage.count)) + entry.summary
        }
        return
            (["commands (help COMMAND for details and examples):"] + body + [
                "",
                "Tab completes commands, names, files and key paths (hardware.memory.<TAB>); errors never end the session.",
                "Ctrl-C cancels the line or stops a sweep; Ctrl-D on an empty line leaves (asking first about unexported edits).",
            ]).joined(separator: "\n")
    }

    static func text(for topic: String) -> String {
        guard let entry = entries.first(where: { $0.name == topic || (topic == "exit" && $0.name == "quit") }) else {
            return overview
        }
        var lines = ["usage: " + entry.usage, "", entry.summary + "."]
        if !entry.details.isEmpty { lines += ["", entry.details] }
        lines += ["", entry.examples.count == 1 ? "example:" : "examples:"] + entry.examples.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// An example value for a `set` key, for error messages.
    static func setExample(for key: String) -> String {
        switch key {
        case "phase": return "set phase decode batch=16 context=4096"
        case "batch", "sequence", "context": return "set \(key) 8"
        case "precision": return "set precision w8a8"
        case "dataflow": return "set dataflow output_stationary"
        case "fusion": return "set fusion attention"
        case "attention": return "set attention full"
        case "logits": return "set logits all"
        case "roofline": return "set roofline ideal"
        case "objective": return "set objective latency"
        case "operating_point": return "set operating_point 1"
        default:
            return key.hasSuffix("size") ? "set \(key) 1 MiB" : "set \(key) VALUE"
        }
    }
}
