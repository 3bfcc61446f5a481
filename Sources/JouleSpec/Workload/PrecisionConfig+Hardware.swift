extension PrecisionConfig {
    /// The precision to use on a hardware when none is asked for: bf16 if the array has it,
    /// else fp16, else int8, else its widest format for everything.
    public static func `default`(for hardware: Accelerator) -> PrecisionConfig {
        for name in ["bf16", "fp16", "int8"] {
            if let preset = presets[name], hardware.compute.precisions[preset.weights] != nil { return preset }
        }
        return .uniform(hardware.compute.supportedPrecisions.last ?? .fp32)
    }
}
