/// What the tiling walks of one search (one problem on one hardware under one set of
/// constraints, every spatial and keep/bypass choice) find again and again: each parent
/// extent's candidate extents, and each level's maximal tiles, which depend only on the
/// level, what it holds, the spatial loops at and below it and its parent's tile. Used by one
/// thread.
final class TilingMemo {
    /// A parent extent and whether every extent inside it is asked for.
    private struct Extents: Hashable {
        var parent: Int
        var every: Bool
    }

    private var extents: [Extents: [Int]] = [:]
    private var frontiers: [[Int]: [Int]] = [:]

    /// An empty memo.
    init() {}

    /// `Mapper.tileExtents(inside:)`, or `Mapper.everyTileExtent(inside:)` when `every`, once
    /// per parent extent.
    func extents(inside parent: Int, every: Bool) -> [Int] {
        let key = Extents(parent: parent, every: every)
        if let values = extents[key] { return values }
        let values = every ? Mapper.everyTileExtent(inside: parent) : Mapper.tileExtents(inside: parent)
        extents[key] = values
        return values
    }

    /// The frontier under `key` (everything it depends on), found once.
    func frontier(_ key: [Int], find: () -> [Int]) -> [Int] {
        if let known = frontiers[key] { return known }
        let found = find()
        frontiers[key] = found
        return found
    }
}
