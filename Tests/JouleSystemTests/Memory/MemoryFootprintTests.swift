import Testing

@testable import JouleSystem

/// Training state per device against the ZeRO paper's figure 1 (Rajbhandari et al., SC 2020):
/// a 7.5 B-parameter model, 64 data-parallel devices, mixed-precision Adam (2 + 2 + 12 bytes
/// per parameter).
struct MemoryFootprintTests {
    @Test(arguments: [
        (ParallelPlan.ZeRO.none, 120.0), (.optimizer, 31.4), (.gradients, 16.6), (.parameters, 1.9),
    ])
    func zeroStagesMatchThePublishedFigure(_ zero: ParallelPlan.ZeRO, gigabytes: Double) {
        let state = MemoryFootprint.trainingState(
            parameters: 7.5e9, weightBytes: 2, gradientBytes: 2, zero: zero, data: 64)
        let total = (state.weights + state.gradients + state.optimizer) / 1e9
        #expect(abs(total - gigabytes) < 0.05)
    }

    @Test func savedActivationsFollowKorthikantiTableTwo() {
        // s = 2048, b = 1, h = 12288, a = 96 (GPT-3 175B), no parallelism: s b h (34 + 5 a s / h)
        // = 2048 x 12288 x (34 + 80) bytes.
        let none = MemoryFootprint.savedActivationsPerLayer(
            sequence: 2048, batch: 1, hidden: 12288, heads: 96, tensor: 1, sequenceParallel: false,
            fusedAttention: false, activationBytes: 2)
        #expect(none == 2048 * 12288 * 114)
        // TP 8 with sequence parallelism: everything divides by 8.
        let sp = MemoryFootprint.savedActivationsPerLayer(
            sequence: 2048, batch: 1, hidden: 12288, heads: 96, tensor: 8, sequenceParallel: true,
            fusedAttention: false, activationBytes: 2)
        #expect(sp == 2048 * 12288 * 114 / 8)
        // TP 8 alone: 10 + 24/8 + 80/8 = 23 per element.
        let tp = MemoryFootprint.savedActivationsPerLayer(
            sequence: 2048, batch: 1, hidden: 12288, heads: 96, tensor: 8, sequenceParallel: false,
            fusedAttention: false, activationBytes: 2)
        #expect(tp == 2048 * 12288 * 23)
    }

    @Test func overflowNamesThePartsAndTheExcess() {
        let footprint = MemoryFootprint(
            weights: 60e9, kvCache: 30e9, activations: 0, gradients: 0, optimizer: 0, capacity: 80e9,
            memoryName: "h100-sxm's HBM")
        #expect(!footprint.fits)
        #expect(footprint.overflow == 10e9)
        let message = footprint.overflowMessage ?? ""
        #expect(message.contains("weights 60 GB") && message.contains("KV cache 30 GB") && message.contains("by 10 GB"))
    }
}
