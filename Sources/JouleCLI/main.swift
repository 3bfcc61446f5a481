import Foundation
import JouleSpec
import YAML

/// Joule's version, printed by `joule --version`.
let jouleVersion = JouleVersion.current

let topUsage = "usage: joule <command> [arguments] [--format table|json]"

let topHelp = """
    Joule — an analytical energy and performance model for ML accelerators.

    \(topUsage)

    commands:
      show hardware NAME|PATH   print an accelerator description, estimates marked
      show model NAME|PATH      print a transformer's configuration and parameter count
      graph MODEL [options]     a model's operators for prefill, decode or training
      eval MODEL HARDWARE       latency, energy and where it goes, per operator and in total
      eval MODEL CLUSTER --tp N a model over many devices: parallel plan, collectives, memory
      fit MODEL HARDWARE|CLUSTER  the largest batch (or context) that fits in device memory
      serve MODEL CLUSTER --workload FILE  continuous batching: TTFT, TPOT, energy per request
      eval op HARDWARE --dims   one GEMM: its best mapping, accesses per level, energy
      dvfs MODEL HARDWARE       energy and time over operating points, and the best by each rule
      traffic MODEL HARDWARE --level L  least DRAM traffic, one by one and fused, as L grows
      sweep FILE                co-design sweep: points.csv, Pareto front, summary (merge shards)
      plot KIND ... --out FILE  an SVG figure: roofline, breakdown, dvfs, traffic, or a sweep's pareto
      report eval|sweep ...     one self-contained HTML page: an evaluation, or a sweep folder
      repl [--hardware H]       interactive session: edit a design, evaluate, compare, export
      run SCRIPT                run a file of REPL commands (exit 65 at a failed line)
      calibrate HARDWARE CSV    fit per-action energies and efficiencies to measured runs
      check FILE...             validate input files; every error with file:line:column
      import timeloop ARCH ...  convert Timeloop/Accelergy specs into Joule files (--out DIR)
      help [COMMAND]            this text, or a command's own help

    options:
      --help, -h                this text
      --version                 print the version

    A bare NAME is looked up in the Hardware/ or Models/ library; library folders under
    $JOULE_PATH are searched first. Exit codes: 0 ok, 64 usage error, 65 bad input data.
    """

/// Runs one command and returns its exit status.
func runJoule(_ words: [String]) -> Int32 {
    guard let command = words.first else {
        FileHandle.standardError.write(Data((topUsage + "\nrun `joule --help` for the commands\n").utf8))
        return 64
    }
    let rest = Array(words.dropFirst())
    if command != "help", rest.contains("--help") || rest.contains("-h") {
        do {
            print(try helpText(for: command))
            return 0
        } catch {
            return runJoule(["help", command])
        }
    }
    do {
        let output: String
        switch command {
        case "--help", "-h", "help":
            output = try helpText(for: rest.first)
        case "--version", "version":
            output = "joule \(jouleVersion)"
        case "show":
            output = try ShowCommand.run(rest)
        case "check":
            output = try CheckCommand.run(rest)
        case "graph":
            output = try GraphCommand.run(rest)
        case "eval":
            // Clusters and parallel plans (JouleSystem) are evaluated by their own command.
            output = try SystemArguments.applies(rest) ? ClusterEvalCommand.run(rest) : EvalCommand.run(rest)
        case "fit":
            output = try FitCommand.run(rest)
        case "serve":
            output = try ServeCommand.run(rest)
        case "dvfs":
            output = try DVFSCommand.run(rest)
        case "sweep":
            output = try SweepCommand.run(rest)
        case "plot":
            output = try PlotCommand.run(rest)
        case "report":
            output = try ReportCommand.run(rest)
        case "repl":
            output = try REPLCommand.run(rest)
        case "run":
            output = try RunCommand.run(rest)
        case "calibrate":
            output = try CalibrateCommand.run(rest)
        case "import":
            output = try ImportCommand.run(rest)
        case "traffic":
            output = try TrafficCommand.run(rest)
        default:
            let known = [
                "show", "check", "graph", "eval", "fit", "serve", "dvfs", "sweep", "plot", "report", "repl", "run",
                "calibrate",
                "import", "traffic", "help", "--version",
            ]
            throw CommandLineError.usage(
                "unknown command '\(command)'; \(Suggestion.hint(for: command, among: known))", usage: topUsage)
        }
        if !output.isEmpty { print(output) }
        return 0
    } catch let error as CommandLineError {
        switch error {
        case .usage(let message, let usage):
            FileHandle.standardError.write(Data("joule: error: \(message)\n\(usage)\n".utf8))
            return 64
        case .data(let diagnostics):
            FileHandle.standardError.write(Data((diagnostics.description + "\n").utf8))
            return 65
        case .io(let message):
            FileHandle.standardError.write(Data("joule: error: \(message)\n".utf8))
            return 74
        case .busy(let message):
            FileHandle.standardError.write(Data("joule: error: \(message)\n".utf8))
            return 75
        case .interrupted(let message):
            FileHandle.standardError.write(Data("joule: \(message)\n".utf8))
            return 130
        }
    } catch {
        FileHandle.standardError.write(Data("joule: error: \(error)\n".utf8))
        return 70
    }
}

func helpText(for command: String?) throws(CommandLineError) -> String {
    switch command {
    case nil: return topHelp
    case "show": return ShowCommand.help
    case "check": return CheckCommand.help
    case "graph": return GraphCommand.help
    case "eval": return EvalCommand.help + "\n\n" + ClusterEvalCommand.help
    case "fit": return FitCommand.help
    case "serve": return ServeCommand.help
    case "dvfs": return DVFSCommand.help
    case "sweep": return SweepCommand.help
    case "plot": return PlotCommand.help
    case "report": return ReportCommand.help
    case "repl": return REPLCommand.help
    case "run": return RunCommand.help
    case "calibrate": return CalibrateCommand.help
    case "import": return ImportCommand.help
    case "traffic": return TrafficCommand.help
    case let other?:
        let commands = [
            "show", "check", "graph", "eval", "fit", "serve", "dvfs", "sweep", "plot", "report", "repl", "run",
            "calibrate",
            "import",
        ]
        throw .usage(
            "no help for '\(other)'; \(Suggestion.hint(for: other, among: commands))",
            usage: "usage: joule help [COMMAND]")
    }
}

exit(runJoule(Array(CommandLine.arguments.dropFirst())))
