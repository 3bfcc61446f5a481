/// Derived figures of an accelerator: peak rates, bandwidths, fanouts and ridge points.
extension Accelerator {
    /// MACs per second at a precision at the nominal clock (0 if unsupported).
    public func peakMACsPerSecond(_ precision: Precision) -> Double {
        guard let support = compute.precisions[precision] else { return 0 }
        return Double(compute.processingElements) * Double(support.macsPerPEPerCycle) * clock.si
    }

    /// Operations per second at a precision (2 per MAC: a multiply and an add).
    public func peakOpsPerSecond(_ precision: Precision) -> Double { 2 * peakMACsPerSecond(precision) }

    /// How many instances of level `index + 1` sit under each instance of level `index`.
    public func fanout(below index: Int) -> Int {
        guard index >= 0, index + 1 < memory.count else { return 1 }
        return memory[index + 1].instances / max(1, memory[index].instances)
    }

    /// The arithmetic intensity (ops per byte moved through `level`) at which compute at
    /// `precision` and the level's total read bandwidth balance; nil when unbounded.
    public func ridgePoint(level: MemoryLevel, precision: Precision) -> Double? {
        guard let bandwidth = level.totalReadBandwidth, bandwidth.si > 0 else { return nil }
        return peakOpsPerSecond(precision) / bandwidth.si
    }

    /// The off-chip level (the outermost DRAM), if any.
    public var dram: MemoryLevel? { memory.first { $0.kind == .dram } }
}
