import JouleSpec

/// The least DRAM traffic of an operator or a fused chain as one on-chip level's capacity
/// varies: the "ski slope" Orojenesis (Huang et al., ISCA 2024) draws to size a buffer, with
/// the chain run one operator at a time and fused on one chart.
public struct TrafficCurve: Sendable {
    /// Traffic at one capacity.
    public struct Point: Sendable {
        /// The level's size, bytes.
        public var capacity: Double
        /// DRAM bytes run one operator at a time (the mapper's best mapping of each GEMM, the
        /// vector operators' own reads and writes); nil when an operator has no mapping.
        public var unfused: Double?
        /// DRAM bytes fused with the intermediate at the level; nil when no fused tile fits
        /// (or for a lone operator).
        public var fused: Double?
        /// The fused tiling with the least traffic.
        public var tiling: FusedTiling?
    }

    /// The points, smallest capacity first.
    public var points: [Point]

    /// Capacities from `low` to `high` bytes, doubling.
    public static func doubling(from low: Double, to high: Double) -> [Double] {
        var sizes: [Double] = []
        var size = max(1, low)
        while size <= high * (1 + 1e-9) {
            sizes.append(size)
            size *= 2
        }
        return sizes
    }

    /// The hardware with level `level` resized to `capacity` bytes.
    static func resized(_ hardware: Accelerator, level: Int, capacity: Double) -> Accelerator {
        var copy = hardware
        copy.memory[level].size = Bytes(si: capacity)
        return copy
    }

    /// The curve of a fused chain at `level` of the evaluator's hardware over `capacities`.
    public static func chain(_ chain: FusedChain, evaluator: Evaluator, level: Int, capacities: [Double])
        -> TrafficCurve
    {
        let dram = Roofline.dramIndex(evaluator.hardware) ?? 0
        let points = capacities.parallelMap { capacity -> Point in
            guard
                let sized = try? Evaluator(
                    hardware: resized(evaluator.hardware, level: level, capacity: capacity), mode: .mapped,
                    objective: evaluator.objective, dataflow: evaluator.dataflow,
                    cache: evaluator.cache, tilingBudget: evaluator.tilingBudget)
            else { return Point(capacity: capacity) }
            var unfused: Double? = chain.between.reduce(0) { $0 + $1.bytesRead + $1.bytesWritten }
            for gemm in chain.producers + [chain.consumer] {
                guard let counts = (try? sized.evaluate(gemm))?.cost.counts else {
                    unfused = nil
                    break
                }
                unfused = unfused.map { $0 + counts.bytes(level: dram) }
            }
            let fused = sized.leastFusedTraffic(chain, level: level)
            return Point(capacity: capacity, unfused: unfused, fused: fused?.bytes, tiling: fused?.tiling)
        }
        return TrafficCurve(points: points)
    }

    /// The curve of one einsum (no fusion) at `level` over `capacities`.
    public static func problem(
        _ problem: Problem, macPrecision: Precision, evaluator: Evaluator, level: Int, capacities: [Double]
    ) -> TrafficCurve {
        let dram = Roofline.dramIndex(evaluator.hardware) ?? 0
        let points = capacities.parallelMap { capacity -> Point in
            let mapper = Mapper(
                hardware: resized(evaluator.hardware, level: level, capacity: capacity), objective: evaluator.objective,
                tilingBudget: evaluator.tilingBudget, operatingPoint: evaluator.operatingPoint)
            let counts = (try? mapper.best(problem: problem, macPrecision: macPrecision, dataflow: evaluator.dataflow))?
                .cost.counts
            return Point(capacity: capacity, unfused: counts.map { $0.bytes(level: dram) })
        }
        return TrafficCurve(points: points)
    }
}
