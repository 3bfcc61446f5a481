import JouleSpec

/// Limits on the mapspace the mapper searches (Timeloop's mapspace constraints), per memory
/// level: fixed temporal factors, the dimensions that may run innermost or a whole or partial
/// loop order, the dimensions allowed
/// across the fanout's X and Y, and operands the level must keep or must bypass; and one
/// widening, every tile extent instead of the ladder. Read from a
/// constraints file (`ConstraintsFile`); empty by default.
public struct MapspaceConstraints: Sendable, Hashable {
    /// One level's constraints; nil or empty sets leave that choice free.
    public struct Level: Sendable, Hashable {
        /// Dimension -> the level's temporal loop bound over it.
        public var factors: [Int: Int] = [:]
        /// The dimensions that may run innermost at the level (nil: any).
        public var innermost: Set<Int>?
        /// The level's loop order as Timeloop writes a permutation, innermost first: these
        /// dimensions run innermost in this order, the others outside them in the problem's
        /// order (a partial permutation fixes only the innermost loops). Nil: the search chooses.
        public var permutation: [Int]?
        /// The dimensions that may be spread across the fanout's X (rows) (nil: any).
        public var spatialX: Set<Int>?
        /// The dimensions that may be spread across the fanout's Y (columns) (nil: any).
        public var spatialY: Set<Int>?
        /// Operands the level must keep (as if the hardware said `must_hold`).
        public var keep: Set<Operand> = []
        /// Operands the level must not keep.
        public var bypass: Set<Operand> = []
        /// Whether the level's tiles take every extent a dimension can be split into
        /// (`Mapper.everyTileExtent`: every tile count) rather than the ladder of divisors and
        /// even splits (`Mapper.tileExtents`). This widens the mapspace: a finer tiling that the
        /// ladder misses, at several times the search time.
        public var everyExtent = false

        /// No constraint.
        public init() {}
    }

    /// Constraints by memory level index.
    public var levels: [Int: Level]

    /// Constraints by memory level index.
    public init(levels: [Int: Level] = [:]) { self.levels = levels }

    /// No constraints: the whole mapspace.
    public static let none = MapspaceConstraints()

    /// Whether a spatial choice puts only allowed dimensions on each level's X and Y.
    func allows(_ spatial: [(x: [Loop], y: [Loop])]) -> Bool {
        for (i, level) in levels {
            guard i < spatial.count else { continue }
            if let allowed = level.spatialX, spatial[i].x.contains(where: { !allowed.contains($0.dimension) }) {
                return false
            }
            if let allowed = level.spatialY, spatial[i].y.contains(where: { !allowed.contains($0.dimension) }) {
                return false
            }
        }
        return true
    }

    /// The fixed loop bounds, flat: `fixed[i * dims + d]` is level i's bound over d, 0 when free.
    func fixedFactors(levels count: Int, dims: Int) -> [Int] {
        var fixed = [Int](repeating: 0, count: count * dims)
        for (i, level) in levels where i < count {
            for (d, bound) in level.factors where d < dims { fixed[i * dims + d] = bound }
        }
        return fixed
    }

    /// Whether each level's tiles take every extent (`Level.everyExtent`).
    func everyExtent(levels count: Int) -> [Bool] { (0..<count).map { levels[$0]?.everyExtent ?? false } }

    /// Each level's constrained loop order (`Level.permutation`), nil where the search chooses.
    func permutations(levels count: Int) -> [[Int]?] {
        (0..<count).map { levels[$0]?.permutation.flatMap { $0.isEmpty ? nil : $0 } }
    }
}
