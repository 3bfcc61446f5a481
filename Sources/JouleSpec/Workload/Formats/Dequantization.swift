/// Where and how much a GEMM pays to turn an operand's stored format into its MAC format.
///
/// Choice: dequantization is charged on the **vector unit**, once per element of the operand
/// as it is loaded (a fused vector operator `<gemm>.dequant` after the GEMM, moving no bytes
/// of its own), as weight-only kernels do it: Marlin and the AWQ/GPTQ CUDA kernels load the
/// packed int4 tile, dequantize it in registers with ALU instructions, then feed fp16 tensor
/// cores (Frantar et al., "MARLIN", 2024, §3). The MAC array itself stays at the MAC format's
/// energy. Nothing is charged when the MAC takes the operand as stored, for an integer widened
/// to a wider integer (sign extension), or between the two FP8 encodings (H100's FP8 tensor
/// cores take E4M3 and E5M2 operands in any mix).
public enum Dequantization {
    /// Vector operations per element to bring an operand of `format` (with its `groups`, if
    /// any) to a MAC running in `mac`; 0 when nothing is done.
    public static func opsPerElement(_ format: Precision, groups: GroupQuantization? = nil, mac: Precision) -> Double {
        if format == mac { return 0 }
        let fp8: Set<Precision> = [.fp8, .fp8E4M3, .fp8E5M2]
        if fp8.contains(format) && fp8.contains(mac) { return 0 }
        let plainInteger = !format.isFloatingPoint && !format.isMicroscaling
        if plainInteger && !mac.isFloatingPoint && !mac.isMicroscaling && groups == nil { return 0 }
        return format.dequantizeOps + (groups?.dequantizeOps ?? 0)
    }
}
