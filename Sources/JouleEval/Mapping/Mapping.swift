import JouleSpec

/// One loop of a loop nest: a dimension and how many times it iterates.
public struct Loop: Sendable, Hashable {
    /// The dimension's position in the problem.
    public var dimension: Int
    /// Iterations.
    public var bound: Int

    /// A loop over a dimension.
    public init(_ dimension: Int, _ bound: Int) {
        self.dimension = dimension
        self.bound = bound
    }
}

/// The loops attributed to one memory level: temporal loops that walk the level's tiles, and
/// spatial loops that fan a tile out to the next level's instances (X across rows, Y across
/// columns of an array).
public struct LevelMapping: Sendable, Hashable {
    /// Temporal loops, outermost first.
    public var temporal: [Loop]
    /// Spatial loops across the fanout's X (rows).
    public var spatialX: [Loop]
    /// Spatial loops across the fanout's Y (columns).
    public var spatialY: [Loop]
    /// Operands this mapping keeps out of the level even though the hardware could hold them.
    public var bypass: Set<Operand>

    /// A level's loops.
    public init(temporal: [Loop] = [], spatialX: [Loop] = [], spatialY: [Loop] = [], bypass: Set<Operand> = []) {
        self.temporal = temporal
        self.spatialX = spatialX
        self.spatialY = spatialY
        self.bypass = bypass
    }

    /// Product of the spatial bounds.
    public var spatialFanout: Int {
        // Saturating: a hand-written mapping may multiply past Int, and the fanout check rejects it.
        (spatialX + spatialY).reduce(1) { product, loop in
            let (next, overflow) = product.multipliedReportingOverflow(by: loop.bound)
            return overflow ? Int.max : next
        }
    }
}

/// A mapping of a problem onto an accelerator: one `LevelMapping` per memory level,
/// outermost first (the last level's spatial loops fan out to the MAC units).
public struct Mapping: Sendable, Hashable {
    /// Per-level loops, outermost first.
    public var levels: [LevelMapping]
    /// The dataflow the spatial loops implement, when they implement one (a systolic array's
    /// timing depends on it).
    public var dataflow: Dataflow?

    /// A mapping from its levels.
    public init(levels: [LevelMapping], dataflow: Dataflow? = nil) {
        self.levels = levels
        self.dataflow = dataflow
    }

    /// Product of every temporal bound: compute cycles of a parallel array.
    public var temporalIterations: Double {
        levels.reduce(1.0) { total, level in level.temporal.reduce(total) { $0 * Double($1.bound) } }
    }

    /// Product of every bound (temporal and spatial): MAC slots, padding included.
    public var iterationSpace: Double {
        levels.reduce(1.0) { total, level in
            (level.temporal + level.spatialX + level.spatialY).reduce(total) { $0 * Double($1.bound) }
        }
    }

    /// The loop nest as text, one level per line, Timeloop style: `DRAM: for M in 0..4 ...`.
    public func description(problem: Problem, levelNames: [String]) -> String {
        var lines: [String] = []
        for (index, level) in levels.enumerated() {
            let name = index < levelNames.count ? levelNames[index] : "level\(index)"
            var parts = level.temporal.filter { $0.bound > 1 }.map { "\(problem.dimensions[$0.dimension])\($0.bound)" }
            parts += level.spatialX.filter { $0.bound > 1 }.map { "\(problem.dimensions[$0.dimension])\($0.bound)x" }
            parts += level.spatialY.filter { $0.bound > 1 }.map { "\(problem.dimensions[$0.dimension])\($0.bound)y" }
            let bypass =
                level.bypass.isEmpty
                ? "" : "  (bypass " + level.bypass.map(\.rawValue).sorted().joined(separator: ", ") + ")"
            lines.append("\(name): " + (parts.isEmpty ? "-" : parts.joined(separator: " ")) + bypass)
        }
        return lines.joined(separator: "\n")
    }
}
