import JouleSpec

/// `joule show hardware NAME|PATH`: a description as tables or JSON.
enum ShowCommand {
    static let usage = "usage: joule show hardware|model NAME|PATH [--format table|json]"

    static let help = """
        \(usage)

        Prints an accelerator description: clock, operating points, area; the MAC array with
        each precision's MAC energy and peak rate; every memory level with size, instances,
        fanout, operands held, total bandwidth, read/write energy and the ridge point. Numbers
        the file left out are estimated from the technology node and marked (est.); the rule
        behind each estimate is listed below the tables. A bare NAME is looked up in Hardware/.

        `show model` prints a transformer's configuration and its parameters by component
        (a name from Models/, a model .yaml, or a Hugging Face config.json).

        examples:
          joule show hardware tpu-v1
          joule show hardware Hardware/h100-sxm.yaml --format json
          joule show model llama-2-7b
        """

    static func run(_ words: [String]) throws(CommandLineError) -> String {
        let arguments = try Arguments(words, valued: ["format"], flags: [], usage: usage)
        let format = try arguments.format(usage: usage)
        guard arguments.positionals.count == 2 else {
            throw .usage("show takes a kind and a name, e.g. joule show hardware tpu-v1", usage: usage)
        }
        let what = arguments.positionals[0]
        let name = arguments.positionals[1]
        switch what {
        case "hardware":
            let accelerator: Accelerator
            do {
                accelerator = try Accelerator.load(name)
            } catch {
                throw .data(error)
            }
            let report = HardwareReport(accelerator: accelerator)
            return format == "json" ? report.json() : report.table()
        case "model":
            let model: ModelConfig
            do {
                model = try ModelConfig.load(name)
            } catch {
                throw .data(error)
            }
            let report = ModelReport(model: model)
            return format == "json" ? report.json() : report.table()
        default:
            throw .usage("cannot show '\(what)'; expected: hardware or model", usage: usage)
        }
    }
}
