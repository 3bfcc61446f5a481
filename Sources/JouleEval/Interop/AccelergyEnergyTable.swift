import JouleSpec
import YAML

/// An Accelergy energy reference table (ERT): the energy of each action of each component, in
/// picojoules (Accelergy's unit for `energy` in `ERT.yaml` and `ERT_summary.yaml`).
///
/// Reads `ERT: { tables: [ {name, actions: [ {name, arguments, energy} ]} ] }` and
/// `ERT_summary: { table_summary: [ {name, actions: [ {name, energy} ]} ] }`. A table's name is
/// the component's path (`System_top_level.MainMemory[1..1]`); it is matched on its last part
/// without the instance range.
struct AccelergyEnergyTable {
    /// One action's energy and where it was written.
    struct Action {
        var name: String
        var picojoules: Double
        var mark: SourceMark
    }

    /// The file it came from, for the written file's comments.
    var path: String
    /// Actions by component name.
    var components: [String: [Action]] = [:]

    /// Reads an ERT or ERT summary; every fault is recorded in `source`.
    static func read(_ source: inout TimeloopSource) -> AccelergyEnergyTable {
        var table = AccelergyEnergyTable(path: source.path)
        let list: YAMLNode?
        if let ert = source.root["ERT"] {
            list = ert["tables"]
        } else if let summary = source.root["ERT_summary"] {
            list = summary["table_summary"]
        } else {
            list = nil
        }
        guard let items = list?.items else {
            source.error(
                "an Accelergy energy table has 'ERT: { tables: [...] }' or 'ERT_summary: { table_summary: [...] }'",
                at: source.root.mark, hint: "pass the timeloop-model.ERT.yaml that Accelergy wrote")
            return table
        }
        for item in items {
            guard let name = item["name"]?.scalar, let actions = item["actions"]?.items else {
                source.error("an energy table entry needs a name and a list of actions", at: item.mark)
                continue
            }
            let path = TimeloopArchitecture.range(name).base
            let component = path.split(separator: ".").last.map(String.init) ?? path
            for action in actions {
                guard let actionName = action["name"]?.scalar, let energy = action["energy"] else {
                    source.error("an action needs a name and an energy", at: action.mark)
                    continue
                }
                guard
                    let picojoules = source.positive(
                        energy, "the energy of \(component).\(actionName)", allowZero: true)
                else { continue }
                table.components[component, default: []].append(
                    Action(name: actionName, picojoules: picojoules, mark: energy.mark))
            }
        }
        return table
    }

    /// The energy of the first of `actions` the component has. Where an action is listed
    /// several times (older tables list one per argument set), the largest is taken: the
    /// random-data case Timeloop charges by default.
    func action(_ component: String, _ actions: [String]) -> Action? {
        guard let listed = components[component] else { return nil }
        for name in actions {
            let matches = listed.filter { $0.name == name }
            if let largest = matches.max(by: { $0.picojoules < $1.picojoules }) { return largest }
        }
        return nil
    }
}
