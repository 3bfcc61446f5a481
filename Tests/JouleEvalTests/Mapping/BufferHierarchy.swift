import JouleSpec
import YAML

/// The smallest hierarchy with a choice in it, for tests that derive counts by hand: DRAM and
/// one on-chip buffer over a single int8 MAC (a 1 x 1 parallel array), no static power.
enum BufferHierarchy {
    /// The accelerator, with the buffer's `size` as hardware files write it ("64 B"), and each
    /// level's read energy and, where given, write energy in pJ/bit (left out, the write
    /// energy is estimated).
    static func accelerator(
        size: String, macEnergy: Double, dram: (read: Double, write: Double?),
        buffer: (read: Double, write: Double?)
    ) throws -> Accelerator {
        func write(_ energy: Double?) -> String { energy.map { "\n    write_energy: \($0) pJ/bit" } ?? "" }
        let text = """
            name: buffer-\(size.replacingOccurrences(of: " ", with: ""))
            technology: 45 nm
            clock: 1 GHz
            static_power: 0 W
            compute:
              kind: parallel
              array: { rows: 1, cols: 1 }
              precisions:
                int8: \(macEnergy) pJ
              dataflows: [output_stationary]
            memory:
              - name: DRAM
                kind: dram
                size: 1 GiB
                bandwidth: 1 TB/s
                read_energy: \(dram.read) pJ/bit\(write(dram.write))
              - name: Buffer
                kind: sram
                size: \(size)
                bandwidth: 1 TB/s
                read_energy: \(buffer.read) pJ/bit\(write(buffer.write))
            """
        return try YAMLDecoder().decode(Accelerator.self, from: text, path: "buffer.yaml")
    }
}
