import JouleSpec
import YAML

/// A cluster file as written, before the device's hardware file is loaded.
public struct ClusterDescription: Decodable, Sendable {
    /// The cluster's name.
    public var name: String
    /// Free-text source.
    public var source: String?
    /// The hardware file name or path of the device, and where it was written.
    public var device: Located<String>
    /// Devices per node.
    public var devicesPerNode: Int
    /// Nodes.
    public var nodes: Int
    /// The interconnect levels as written.
    var interconnect: [InterconnectDescription]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, source, device, nodes, interconnect
        case devicesPerNode = "devices_per_node"
    }

    /// Decodes and validates a cluster file, reporting every error with its position.
    public init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        let name = reader.required(.name, String.self, example: "name: dgx-h100")
        source = reader.optional(.source, String.self)
        let device = reader.required(.device, Located<String>.self, example: "device: h100-sxm")
        let perNode = reader.required(.devicesPerNode, Int.self, example: "devices_per_node: 8")
        let nodes = reader.optional(.nodes, Int.self) ?? 1
        let levels = reader.optional(.interconnect, [InterconnectDescription].self) ?? []
        if let name, name.isEmpty { reader.error("name must not be empty", at: .name) }
        if let perNode, perNode < 1 || perNode > 1 << 16 {
            reader.error("devices_per_node must be from 1 to 65536, found \(perNode)", at: .devicesPerNode)
        }
        if nodes < 1 || nodes > 1 << 20 { reader.error("nodes must be from 1 to 2^20, found \(nodes)", at: .nodes) }
        var scopes: [Interconnect.Scope: InterconnectDescription] = [:]
        for level in levels {
            if scopes[level.scope] != nil {
                reader.error(
                    "two interconnect levels have scope \(level.scope.rawValue)", atMark: level.mark,
                    hint: "give one level with scope: node and at most one with scope: cluster")
            }
            scopes[level.scope] = level
            let members = level.scope == .node ? perNode : nodes
            if case .torus(let dims) = level.topology, let members, dims.reduce(1, *) != members {
                reader.error(
                    "torus \(dims.map(String.init).joined(separator: "x")) has \(dims.reduce(1, *)) positions, but the level connects \(members) \(level.scope == .node ? "devices" : "nodes")",
                    atMark: level.topologyMark, hint: "make the torus dims multiply to \(members)")
            }
        }
        if let perNode, perNode > 1, scopes[.node] == nil {
            reader.error(
                "a node of \(perNode) devices needs an interconnect level with scope: node", at: .interconnect,
                hint:
                    "interconnect: [ { name: NVLink, kind: nvlink, scope: node, topology: switch, bandwidth: 450 GB/s } ]"
            )
        }
        if nodes > 1, scopes[.cluster] == nil {
            reader.error(
                "\(nodes) nodes need an interconnect level with scope: cluster", at: .interconnect,
                hint: "add { name: InfiniBand, kind: infiniband, scope: cluster, topology: switch, bandwidth: 50 GB/s }"
            )
        }
        try reader.finish()
        self.name = try reader.unwrap(name)
        self.device = try reader.unwrap(device)
        self.devicesPerNode = try reader.unwrap(perNode)
        self.nodes = nodes
        self.interconnect = levels
    }

    /// The level of a scope, with estimates filled in.
    func level(_ scope: Interconnect.Scope) -> Interconnect? {
        interconnect.first { $0.scope == scope }?.resolved()
    }
}

/// An `interconnect:` entry as written.
struct InterconnectDescription: Decodable, Sendable {
    var name: String
    var kind: Interconnect.Kind
    var scope: Interconnect.Scope
    var topology: Topology
    var topologyMark: SourceMark?
    var bandwidth: Bandwidth
    var latency: Time?
    var energyPerBit: EnergyPerBit?
    var staticPower: Power?
    var mark: SourceMark?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, kind, scope, topology, dims, bandwidth, latency
        case energyPerBit = "energy_per_bit"
        case staticPower = "static_power"
    }

    init(from decoder: any Decoder) throws {
        var reader = try MappingReader(decoder, keys: CodingKeys.self)
        mark = reader.mark
        let name = reader.required(.name, String.self, example: "name: NVLink")
        let kindText = reader.required(.kind, String.self, example: "kind: nvlink")
        let scopeText = reader.required(.scope, String.self, example: "scope: node")
        let topologyText = reader.required(.topology, String.self, example: "topology: switch")
        let dims = reader.optional(.dims, [Int].self)
        let bandwidth = reader.required(.bandwidth, Bandwidth.self, example: "bandwidth: 450 GB/s")
        latency = reader.optional(.latency, Time.self)
        energyPerBit = reader.optional(.energyPerBit, EnergyPerBit.self)
        staticPower = reader.optional(.staticPower, Power.self)
        topologyMark = reader.mark(of: .topology)
        var kind: Interconnect.Kind?
        if let kindText {
            kind = Interconnect.Kind(rawValue: kindText)
            if kind == nil {
                reader.error(
                    "unknown interconnect kind '\(kindText)'", at: .kind,
                    hint: Suggestion.hint(for: kindText, among: Interconnect.Kind.allCases.map(\.rawValue)))
            }
        }
        var scope: Interconnect.Scope?
        if let scopeText {
            scope = Interconnect.Scope(rawValue: scopeText)
            if scope == nil {
                reader.error(
                    "unknown scope '\(scopeText)'", at: .scope,
                    hint: Suggestion.hint(for: scopeText, among: Interconnect.Scope.allCases.map(\.rawValue)))
            }
        }
        var topology: Topology?
        switch topologyText {
        case "switch"?: topology = .switch
        case "ring"?: topology = .ring
        case "torus"?:
            if let dims, !dims.isEmpty, dims.allSatisfy({ $0 >= 2 && $0 <= 1 << 12 }) {
                topology = .torus(dims)
            } else {
                reader.error(
                    "a torus needs dims: a list of extents of at least 2", at: dims == nil ? .topology : .dims,
                    hint: "dims: [4, 4]")
            }
        case let other?:
            reader.error(
                "unknown topology '\(other)'", at: .topology,
                hint: Suggestion.hint(for: other, among: ["switch", "ring", "torus"]))
        case nil: break
        }
        if dims != nil, topologyText != nil, topologyText != "torus" {
            reader.error("dims applies to topology: torus", at: .dims)
        }
        if let bandwidth, bandwidth.si <= 0 { reader.error("bandwidth must be positive", at: .bandwidth) }
        if let latency, latency.si < 0 { reader.error("latency cannot be negative", at: .latency) }
        if let energyPerBit, energyPerBit.si < 0 {
            reader.error("energy_per_bit cannot be negative", at: .energyPerBit)
        }
        if let staticPower, staticPower.si < 0 { reader.error("static_power cannot be negative", at: .staticPower) }
        try reader.finish()
        self.name = try reader.unwrap(name)
        self.kind = try reader.unwrap(kind)
        self.scope = try reader.unwrap(scope)
        self.topology = try reader.unwrap(topology)
        self.bandwidth = try reader.unwrap(bandwidth)
    }

    /// The level with left-out figures estimated from its kind.
    func resolved() -> Interconnect {
        let estimate = InterconnectEstimates.entry(kind)
        return Interconnect(
            name: name, kind: kind, scope: scope, topology: topology, bandwidth: bandwidth,
            latency: latency.map { .given($0) }
                ?? Figure(Time(si: estimate.latency), .estimated(rule: estimate.source)),
            energyPerBit: energyPerBit.map { .given($0) }
                ?? Figure(EnergyPerBit(si: estimate.energyPerBit), .estimated(rule: estimate.source)),
            staticPower: staticPower.map { .given($0) }
                ?? Figure(.zero, .estimated(rule: "none given; switch and NIC static power not counted")))
    }
}
