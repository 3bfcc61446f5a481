import Foundation
import JouleSpec
import YAML

/// A heterogeneous serving fleet: pools of different clusters or accelerators, each with its
/// plan, and the rule that routes each request to one of them by its prompt length.
///
/// ```yaml
/// name: h100-and-a100
/// pools:
///   - cluster: dgx-h100
///     tp: 8
///     route: auto                # or {input_tokens: {max: 512}}
///   - cluster: dgx-a100
///     tp: 8                      # no route: every request no earlier pool took
/// ```
public struct Fleet: Sendable {
    /// One pool, loaded.
    public struct Pool: Sendable {
        /// The pool's name in reports.
        public var name: String
        /// Its devices and interconnect (one accelerator alone for `hardware:`).
        public var cluster: Cluster
        /// The plan of its replicas.
        public var plan: ParallelPlan
        /// Which requests it takes (nil: every request no earlier pool took).
        public var route: FleetPool.Route?
        /// Where the pool's `cluster:` or `hardware:` was written.
        public var mark: SourceMark?
        /// The text of the line at `mark`.
        public var sourceLine: String?
    }

    /// The fleet's name.
    public var name: String
    /// The pools, in routing order.
    public var pools: [Pool]

    /// A fleet from its parts.
    public init(name: String, pools: [Pool]) {
        self.name = name
        self.pools = pools
    }

    /// What a fleet file holds before its clusters are loaded.
    struct Description: Decodable {
        var name: String
        var pools: [FleetPool]

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, pools
        }

        init(from decoder: any Decoder) throws {
            var reader = try MappingReader(decoder, keys: CodingKeys.self)
            name = reader.optional(.name, String.self) ?? "fleet"
            let pools = reader.required(
                .pools, [FleetPool].self, example: "pools: [{cluster: dgx-h100, tp: 8}, {cluster: dgx-a100, tp: 8}]")
            // Checked on the file's nodes, so they are reported along with a bad pool's errors.
            let items = decoder.yamlNode?["pools"]?.items ?? []
            if reader.has(.pools), items.count < 2 {
                reader.error("a fleet has at least two pools, found \(items.count)", at: .pools)
            }
            for (index, item) in items.enumerated() {
                guard let route = item["route"], route.scalar == "auto" else { continue }
                if index != 0 || items.count != 2 || items[1]["route"] != nil {
                    reader.error(
                        "route: auto goes on the first of exactly two pools, the second without a route",
                        atMark: route.mark, hint: "route: auto")
                }
            }
            try reader.finish()
            self.pools = try reader.unwrap(pools)
        }
    }

    /// Loads a fleet file and the cluster or hardware of each pool (a pool that does not load is
    /// reported at its `cluster:` or `hardware:` line, then with the file's own errors). A name
    /// relative to the fleet file is found beside it as well.
    public static func load(_ path: String, catalog: Catalog = .standard()) throws(Diagnostics) -> Fleet {
        let text = try Catalog.readText(path)
        let description = try YAMLDecoder().decode(Description.self, from: text, path: path)
        let lines = SourceLines(text)
        var pools: [Pool] = []
        var problems: [Diagnostic] = []
        for pool in description.pools {
            guard let named = pool.cluster ?? pool.hardware else { continue }
            let beside = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(named.value)
            let name = FileManager.default.fileExists(atPath: beside) ? beside : named.value
            do {
                let cluster =
                    pool.cluster != nil
                    ? try Cluster.load(name, catalog: catalog)
                    : Cluster.single(try Accelerator.load(name, catalog: catalog))
                pools.append(
                    Pool(
                        name: pool.name ?? cluster.name, cluster: cluster, plan: pool.plan, route: pool.route,
                        mark: named.mark, sourceLine: named.mark.flatMap { lines.line($0.line) }))
            } catch {
                problems.append(
                    Diagnostic(
                        path: path, mark: named.mark,
                        message: "\(pool.cluster != nil ? "cluster" : "hardware") '\(named.value)' could not be loaded",
                        sourceLine: named.mark.flatMap { lines.line($0.line) }))
                problems += error.items
            }
        }
        if !problems.isEmpty { throw Diagnostics(problems) }
        return Fleet(name: description.name, pools: pools)
    }
}
