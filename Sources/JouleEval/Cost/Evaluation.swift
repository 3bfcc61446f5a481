import Foundation
import JouleSpec

/// A graph evaluated on an accelerator: every operator's cost and the totals.
public struct GraphEvaluation: Sendable {
    /// The graph.
    public var graph: Graph
    /// The hardware.
    public var hardware: Accelerator
    /// The operating point used.
    public var operatingPoint: OperatingPoint
    /// Ideal or mapped.
    public var mode: RooflineMode
    /// One cost per graph operator, in graph order.
    public var costs: [OperatorCost]
    /// Distinct GEMM shapes mapped, and the mapper's effort over them.
    public var mappedShapes: Int
    /// Mappings evaluated by the mapper for this graph (0 when cached or ideal).
    public var mappingsEvaluated: Int
    /// What a mapped evaluation did with each fusable chain the options name (empty otherwise).
    public var fusion: [FusionDecision] = []
    /// The operators as evaluated: the graph's, except that the vector operators of a chain
    /// run one by one move their operands (their `fused` flag cleared).
    public var operators: [Operator] = []

    /// Latency: the operators run one after another.
    public var seconds: Double { costs.reduce(0) { $0 + $1.seconds } }
    /// Energy over every operator.
    public var energy: Breakdown {
        var total = Breakdown(levels: hardware.memory)
        for cost in costs { total.add(cost.energy) }
        return total
    }
    /// Joules per token produced (decode) or processed (prefill, training).
    public var energyPerToken: Double { energy.total / Double(max(1, graph.tokens)) }
    /// Seconds per token produced or processed: the latency shared out over the step's tokens
    /// (1 / throughput), so a batch's tokens each count once.
    public var timePerToken: Double { seconds / Double(max(1, graph.tokens)) }
    /// Average power over the latency.
    public var averagePower: Double { seconds > 0 ? energy.total / seconds : 0 }
    /// The bound of the operators that take most of the time.
    public var bound: Bound {
        var time: [Bound: Double] = [:]
        for cost in costs { time[cost.bound, default: 0] += cost.seconds }
        return time.max { $0.value < $1.value }?.key ?? .compute
    }
}

/// Evaluates graphs and operators on one accelerator.
public struct Evaluator: Sendable {
    /// The accelerator.
    public var hardware: Accelerator
    /// Ideal or mapped traffic.
    public var mode: RooflineMode
    /// What the mapper minimises.
    public var objective: Objective
    /// A dataflow to force (nil: the best of those the array supports).
    public var dataflow: Dataflow?
    /// The DVFS point.
    public var operatingPoint: OperatingPoint
    /// Mapping results shared across evaluations.
    public var cache: MapperCache
    /// Tilings the mapper walks per spatial and keep/bypass pair (`Mapper.wholeSpace`, the
    /// default: all of them, so each shape gets the optimum of its mapspace).
    public var tilingBudget: Int
    /// Limits on every GEMM's mapspace (`--constraints`; none by default).
    public var constraints: MapspaceConstraints = .none
    /// An empty breakdown over the hardware's levels, copied for every operator.
    let template: Breakdown
    /// The hardware's mapping-cache identity, hashed once.
    let identity: MapperCache.HardwareIdentity

    /// Why an evaluation failed.
    public struct EvaluationError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        /// The hardware's memory level at fault (its index), when the error is about one.
        public var level: Int?
        public var description: String { message }

        /// An error, about a memory level when one is given.
        public init(message: String, level: Int? = nil) {
            self.message = message
            self.level = level
        }
    }

    /// An evaluator at an operating point (index into the hardware's table; 0 is nominal).
    public init(
        hardware: Accelerator, mode: RooflineMode = .mapped, objective: Objective = .energy, dataflow: Dataflow? = nil,
        operatingPoint: Int = 0, cache: MapperCache = MapperCache(), tilingBudget: Int = Mapper.wholeSpace
    ) throws(EvaluationError) {
        guard operatingPoint >= 0 && operatingPoint < hardware.operatingPoints.count else {
            throw EvaluationError(
                message:
                    "operating point \(operatingPoint) does not exist; \(hardware.name) has \(hardware.operatingPoints.count) (0 to \(hardware.operatingPoints.count - 1))"
            )
        }
        if let dataflow, !hardware.compute.dataflows.contains(dataflow) {
            throw EvaluationError(
                message:
                    "\(hardware.name) does not support \(dataflow) (it supports \(hardware.compute.dataflows.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        self.hardware = hardware
        self.mode = mode
        self.objective = objective
        self.dataflow = dataflow
        self.operatingPoint = hardware.operatingPoints[operatingPoint]
        self.cache = cache
        self.tilingBudget = tilingBudget
        template = Breakdown(levels: hardware.memory)
        identity = MapperCache.HardwareIdentity(hardware)
    }

    /// The cost of one GEMM-family operator, its sparse weight applied as the hardware runs it
    /// (`GEMM.resolvingSparsity(on:)`) and its MAC energy scaled for a non-default accumulator
    /// width (`GEMM.accumulatorEnergyFactor`, `AccumulatorCost`).
    public func evaluate(_ gemm: GEMM) throws(EvaluationError) -> (cost: OperatorCost, evaluated: Int) {
        let gemm = gemm.resolvingSparsity(on: hardware.compute)
        var result = try evaluateAtDefaultAccumulator(gemm)
        let factor = gemm.accumulatorEnergyFactor
        if factor != 1 { result.cost.energy.mac *= factor }
        return result
    }

    private func evaluateAtDefaultAccumulator(_ gemm: GEMM) throws(EvaluationError) -> (
        cost: OperatorCost, evaluated: Int
    ) {
        switch mode {
        case .ideal:
            do {
                return (try Roofline.ideal(gemm, hardware: hardware, at: operatingPoint, template: template), 0)
            } catch {
                throw EvaluationError(message: error.message)
            }
        case .mapped:
            let mapper = Mapper(
                hardware: hardware, objective: objective, tilingBudget: tilingBudget, operatingPoint: operatingPoint,
                constraints: constraints)
            do {
                let result = try cache.best(
                    mapper, identity: identity, problem: Problem.gemm(gemm), macPrecision: gemm.macPrecision,
                    dataflow: dataflow)
                let cost = result.cost
                return (cost, result.evaluated)
            } catch {
                throw EvaluationError(
                    message: "\(gemm.b) x \(gemm.m) x \(gemm.n) x \(gemm.k): \(error.message)", level: error.level)
            }
        }
    }

    /// Evaluates every operator of a graph; identical GEMMs are mapped once, in parallel over the cores.
    public func evaluate(_ graph: Graph) throws(EvaluationError) -> GraphEvaluation {
        let distinct = graph.distinctGEMMs.map(\.gemm)
        let outcomes = distinct.parallelMap { gemm in Result { () throws(EvaluationError) in try evaluate(gemm) } }
        var byGEMM: [GEMM: OperatorCost] = [:]
        var evaluated = 0
        for (gemm, outcome) in zip(distinct, outcomes) {
            switch outcome {
            case .success(let value):
                byGEMM[gemm] = value.cost
                evaluated += value.evaluated
            case .failure(let error): throw Self.naming(error, gemm: gemm, in: graph, hardware: hardware)
            }
        }
        // Mapped: the fusable chains are costed fused by `fuse`; run one by one, their vector
        // operators move their operands (an activation still folds into an epilogue).
        let sites = mode == .mapped ? graph.fusionSites(kinds: graph.options.fusedKinds) : []
        let unfusedVectors = Set(sites.flatMap { $0.members.dropFirst($0.chain.producers.count).dropLast() })
        var costs: [OperatorCost] = []
        costs.reserveCapacity(graph.operators.count)
        var operators = graph.operators
        for (index, op) in graph.operators.enumerated() {
            switch op.kind {
            case .gemm(let gemm):
                guard let cost = byGEMM[gemm] else {
                    throw EvaluationError(message: "internal: no cost for \(op.name)")
                }
                costs.append(cost)
            case .vector(var vector):
                if let gemm = Self.dequantizedGEMM(at: index, in: graph) {
                    vector = dequantization(vector, for: gemm)
                    operators[index].kind = .vector(vector)
                }
                if unfusedVectors.contains(index) {
                    vector.fused = op.role == .act && graph.options.fusedEpilogues
                    operators[index].kind = .vector(vector)
                }
                costs.append(Roofline.vector(vector, hardware: hardware, at: operatingPoint, template: template))
            }
        }
        let decisions = fuse(sites, of: graph, into: &costs, evaluated: &evaluated)
        var evaluation = GraphEvaluation(
            graph: graph, hardware: hardware, operatingPoint: operatingPoint, mode: mode, costs: costs,
            mappedShapes: distinct.count, mappingsEvaluated: evaluated)
        evaluation.fusion = decisions
        evaluation.operators = operators
        return evaluation
    }
}
