/// Time efficiencies: the shares of the datasheet peaks that real kernels sustain.
extension Accelerator {
    /// The same hardware with every time efficiency at 1 (compute precisions, the vector unit and
    /// every memory level's bandwidth): the datasheet peaks, as LLM roofline tools use them and
    /// as `joule calibrate` fits efficiencies against.
    public var atPeak: Accelerator {
        var copy = self
        for i in copy.memory.indices { copy.memory[i].bandwidthEfficiency = 1 }
        for precision in copy.compute.precisions.keys { copy.compute.precisions[precision]?.efficiency = 1 }
        copy.compute.vector.efficiency = 1
        return copy
    }
}
