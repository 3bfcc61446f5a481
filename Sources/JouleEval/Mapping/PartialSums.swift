/// Which levels hold partial sums, and so store and move the output at the accumulator's width
/// (`Problem.accumulatorBits`).
///
/// A level's output tile holds unfinished sums when
///
/// - it is read back to be updated again (`reads > 0`: read-modify-write). That happens when
///   the MACs or the level below update each output more than once: a temporal reduction loop
///   (over a dimension that does not index the output, K of a GEMM) lies at the level, or above
///   it outside a loop that moves its tile on, so the tile is written up unfinished and comes
///   back later. The partial sums it serves to the level below and takes back from it, and
///   those its parent sends back down, are then all accumulator-wide; or
/// - a spatial reduction loop at a level above it splits each output among its instances
///   (`replicas > 1`): each instance holds one part, summed with its siblings' on the way up.
///
/// Other levels hold finished outputs only: every output arrives once, already summed (a
/// spatial reduction at or just above the level is summed by the adder tree before the update).
/// The outermost level that holds partial sums finishes them and converts them, so what it
/// writes up is output-wide. As in Timeloop, where each storage level has one word size per
/// data space, a level stores one width: a level that accumulates over a reduction loop above
/// it (DRAM, say, when K is split outside a loop over N) takes every update at the
/// accumulator's width, its last one included.
extension ReuseAnalysis {
    /// Whether a level's output tile holds partial sums (the rule above), from the level's
    /// output reads and the irrelevant spatial fanout above it.
    @inline(__always)
    static func holdsPartialSums(reads: Double, replicas: Double) -> Bool {
        reads > 0 || replicas > 1
    }
}
