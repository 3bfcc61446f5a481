/// A parsed REPL command: the small, regular grammar that `help` documents.
enum SessionCommand: Equatable {
    /// What `load`, `export` and `show` act on.
    enum Subject: String, CaseIterable {
        case hardware, model
    }

    /// What `show` prints.
    enum ShowTarget: String, CaseIterable {
        case hardware, model, graph, mapping, settings, saved
    }

    /// How `breakdown` cuts the energy.
    enum Cut: String, CaseIterable {
        case level, operand, kind, role, layer
    }

    /// What `top` ranks by.
    enum Rank: String, CaseIterable {
        case energy, time
    }

    /// The figures `plot` draws.
    enum PlotKind: String, CaseIterable {
        case roofline, breakdown, dvfs
    }

    /// How results print.
    enum Format: String, CaseIterable {
        case table, json, csv
    }

    case help(String?)
    case load(Subject, String)
    case show(ShowTarget, String?)
    case set(key: String, value: String)
    case unset(String)
    case diff
    case eval(perOperator: Bool)
    case breakdown(Cut)
    case roofline
    case dvfs
    case serve
    case top(count: Int, rank: Rank)
    case compare(String)
    case save(String)
    case restore(String)
    case export(Subject, String)
    case sweepValues(key: String, values: [String])
    case sweepFile([String])
    case plot(PlotKind, String)
    case format(Format)
    case quit

    /// Every command word, in the order `help` lists them.
    static let names = [
        "load", "show", "set", "unset", "diff", "eval", "breakdown", "roofline", "dvfs", "serve", "top", "compare",
        "save",
        "restore", "export", "sweep", "plot", "format", "help", "quit",
    ]
}
