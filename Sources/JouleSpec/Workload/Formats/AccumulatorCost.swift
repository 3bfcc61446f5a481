/// How the accumulator's width changes a MAC's energy.
///
/// A MAC is one multiplier at the operand width and one adder at the accumulator width
/// (the model of `EstimateTables.mac45nm`). MAC energies in hardware files and estimate tables
/// are taken to be at the usual accumulator: fp32 for floating-point formats, int32 for
/// integers (data sheets quote tensor-core rates with FP32 accumulate; NVIDIA's Ada whitepaper,
/// 2022, Appendix Table 2, lists the RTX 4090 at 165.2 FP16 TFLOPS with FP32 accumulate and
/// 330.3 with FP16 accumulate, i.e. the accumulator width is a documented cost). Another
/// accumulator swaps that adder for one at the wider of the operand and accumulator widths:
///
///     factor = (E_MAC(mac) - E_add(default) + E_add(wider of mac, acc)) / E_MAC(mac)
///
/// Adder energies at 45 nm, Horowitz, ISSCC 2014 (as in `EstimateTables`): int8 add 0.03 pJ,
/// int32 add 0.1 pJ, fp16 add 0.4 pJ, fp32 add 0.9 pJ. int16 add is not in the table: taken
/// linear in width between int8 and int32 (0.03 + 0.07 x 8/24 = 0.0533 pJ, an estimate).
/// Only the ratio is used, so the node and the file's own MAC energy carry over.
public enum AccumulatorCost {
    /// Adder energy at 45 nm in pJ for a width and kind (Horowitz ISSCC 2014; int16 interpolated).
    public static func adderEnergy45nm(bits: Int, floatingPoint: Bool) -> Double {
        if floatingPoint { return bits <= 16 ? 0.4 : 0.9 }
        if bits <= 8 { return 0.03 }
        if bits <= 16 { return 0.03 + 0.07 * 8 / 24 }
        return 0.1
    }

    /// The factor on a MAC's energy at `mac` precision when it accumulates in `accumulator`
    /// instead of fp32 (floats) or int32 (integers); 1 where the estimate tables lack the format.
    public static func macEnergyFactor(mac: Precision, accumulator: Precision) -> Double {
        guard let base = EstimateTables.mac45nm[mac.estimateKey]?.energy, base > 0 else { return 1 }
        let floating = mac.isFloatingPoint
        let standard = adderEnergy45nm(bits: 32, floatingPoint: floating)
        let actual = adderEnergy45nm(bits: max(mac.bits, accumulator.bits), floatingPoint: floating)
        return (base - standard + actual) / base
    }
}
