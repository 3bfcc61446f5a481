import JouleSpec

/// One way to run a fused chain: the on-chip level that holds the intermediate (and every
/// operand's tile), the tile of the loops the chain shares, and their order above that level.
///
/// Inside a tile the producers' reduction (K1) and the consumer's columns (N2) are whole: the
/// vector operators need finished intermediate values, and the consumer's output tile stays
/// at the level while the shared loop runs past it.
public struct FusedTiling: Sendable, Hashable, CustomStringConvertible {
    /// The order of the two loops the chain shares, above the holding level.
    public enum Order: String, Sendable, Hashable, CaseIterable {
        /// Row tiles outside, shared tiles inside (FlashAttention-2): the input and output tiles
        /// stay while the second operands stream past, once per row tile.
        case rowsOuter = "rows-outer"
        /// Shared tiles outside, row tiles inside (FlashAttention-1): the second operands are
        /// read once; inputs are re-read and partial outputs written and read back per shared tile.
        case sharedOuter = "shared-outer"
    }

    /// The memory level holding the intermediate (index into the hardware's levels).
    public var level: Int
    /// Rows per tile before GQA folding (queries; tokens).
    public var rows: Int
    /// Shared columns per tile (keys; intermediate columns).
    public var shared: Int
    /// The loop order above the level.
    public var order: Order

    /// A tiling from its parts.
    public init(level: Int, rows: Int, shared: Int, order: Order) {
        self.level = level
        self.rows = rows
        self.shared = shared
        self.order = order
    }

    public var description: String { "rows \(rows) x shared \(shared), \(order.rawValue)" }
}

/// What a fused tiling moves across the holding level's upper boundary, counted in elements
/// over every instance, and how many tiles it computes: FlashAttention's I/O analysis (Dao et
/// al. 2022, section 3.2) made exact for a given tile, mask and loop order.
public struct FusedTraffic: Sendable, Hashable {
    /// Producer input elements read from above (shared by the producers).
    public var input: Double = 0
    /// Each producer's second-operand elements read from above.
    public var producerSecond: Double = 0
    /// Consumer second-operand elements read from above.
    public var consumerSecond: Double = 0
    /// Output elements written above (partial outputs included), running statistics included.
    public var outputWrites: Double = 0
    /// Partial output elements read back from above (shared-outer order).
    public var outputReads: Double = 0
    /// Partial outputs read at the holding level to accumulate the next shared tile into.
    public var accumulateReads: Double = 0
    /// (row tile, shared tile) pairs computed, over every instance.
    public var pairs: Double = 0
    /// Row tiles, over every instance.
    public var rowTiles: Double = 0
    /// The most pairs one row tile computes (one unit runs them one after another).
    public var longestRowTile: Double = 0
    /// Row-statistics elements (running max and sum) kept per row by an online softmax.
    public var statistics: Double = 0
}

extension FusedChain {
    /// Bits per element: producer input, producer second operand (per producer), intermediate,
    /// consumer second operand, output.
    var inputBits: Double { producers[0].inputPrecision.storageBits }
    var intermediateBits: Double { producers[0].outputPrecision.storageBits }
    var outputBits: Double { consumer.outputPrecision.storageBits }

    /// Bytes a tiling keeps at its level at once: the input tile, each producer's second-operand
    /// tile and intermediate tile, the consumer's second-operand tile, the output tile (partial
    /// sums at the accumulator's width while the shared dimension is split, `PartialSums`), and
    /// an online softmax's two fp32 statistics per row.
    public func footprint(_ t: FusedTiling) -> Double {
        let rows = Double(t.rows * group)
        let s = Double(t.shared)
        var bits = rows * Double(reduction) * inputBits
        for p in producers { bits += s * Double(reduction) * p.secondBits + rows * s * intermediateBits }
        let outputTileBits = t.shared < shared ? consumer.accumulatorBits : outputBits
        bits += s * Double(columns) * consumer.secondBits + rows * Double(columns) * outputTileBits
        if kind == .attention { bits += 2 * rows * 32 }
        return bits / 8
    }

    /// The traffic of a tiling above its level (see `FusedTraffic`).
    public func traffic(_ t: FusedTiling) -> FusedTraffic {
        var traffic = FusedTraffic()
        let k1 = Double(reduction)
        let n2 = Double(columns)
        let statsPerRow = kind == .attention ? 2 * 32 / outputBits : 0
        var seen = 0
        // `times` row tiles of `count` rows from `start` (dense rows all see the same keys).
        func add(start: Int, count: Int, times: Double) {
            let tileRows = Double(count * group)
            let keys = mask.keys(queries: start, count: count, of: shared)
            let pairs = Double((keys + t.shared - 1) / t.shared)
            seen = max(seen, keys)
            traffic.pairs += pairs * times
            traffic.rowTiles += times
            traffic.longestRowTile = max(traffic.longestRowTile, pairs)
            traffic.accumulateReads += max(0, pairs - 1) * tileRows * n2 * times
            traffic.statistics += pairs * tileRows * statsPerRow * times
            switch t.order {
            case .rowsOuter:
                traffic.input += tileRows * k1 * times
                traffic.producerSecond += Double(keys) * k1 * times
                traffic.consumerSecond += Double(keys) * n2 * times
                traffic.outputWrites += tileRows * n2 * times
            case .sharedOuter:
                traffic.input += pairs * tileRows * k1 * times
                traffic.outputWrites += pairs * tileRows * (n2 + statsPerRow) * times
                traffic.outputReads += max(0, pairs - 1) * tileRows * (n2 + statsPerRow) * times
            }
        }
        if mask.causal {
            var start = 0
            while start < rows {
                let count = min(t.rows, rows - start)
                add(start: start, count: count, times: 1)
                start += count
            }
        } else {
            let full = rows / t.rows
            if full > 0 { add(start: 0, count: t.rows, times: Double(full)) }
            if rows > full * t.rows { add(start: full * t.rows, count: rows - full * t.rows, times: 1) }
        }
        if t.order == .sharedOuter {
            // Each shared tile's second operands are read once, for every row tile they serve.
            traffic.producerSecond = Double(seen) * k1
            traffic.consumerSecond = Double(seen) * n2
        }
        let instances = Double(self.instances)
        traffic.input *= instances
        traffic.producerSecond *= instances
        traffic.consumerSecond *= instances
        traffic.outputWrites *= instances
        traffic.outputReads *= instances
        traffic.accumulateReads *= instances
        traffic.pairs *= instances
        traffic.rowTiles *= instances
        traffic.statistics *= instances
        return traffic
    }
}
