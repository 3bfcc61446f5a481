/// What the tiling walks of one search (one problem on one hardware under one set of
/// constraints, every spatial and keep/bypass choice) find again and again: each parent
/// extent's `Mapper.tileExtents`, and each level's maximal tiles, which depend only on the
/// level, what it holds, the spatial loops at and below it and its parent's tile. Used by one
/// thread.
final class TilingMemo {
    private var extents: [Int: [Int]] = [:]
    private var everyExtent: [Int: [Int]] = [:]
    private var frontiers: [[Int]: [Int]] = [:]

    /// An empty memo.
    init() {}

    /// `Mapper.tileExtents(inside:)`, once per parent extent.
    func extents(inside parent: Int) -> [Int] {
        if let values = extents[parent] { return values }
        let values = Mapper.tileExtents(inside: parent)
        extents[parent] = values
        return values
    }

    /// `Mapper.everyTileExtent(inside:)`, once per parent extent.
    func everyExtent(inside parent: Int) -> [Int] {
        if let values = everyExtent[parent] { return values }
        let values = Mapper.everyTileExtent(inside: parent)
        everyExtent[parent] = values
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
