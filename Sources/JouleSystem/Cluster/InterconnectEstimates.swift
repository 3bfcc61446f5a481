import JouleSpec

/// Sourced defaults for interconnect figures a cluster file leaves out. Every estimate is
/// marked as such wherever it is shown.
public enum InterconnectEstimates {
    /// One default: the figure and where it comes from.
    public struct Entry: Sendable, Hashable {
        /// Latency of one message step.
        public var latency: Double
        /// Energy per bit moved device to device.
        public var energyPerBit: Double
        /// Where the numbers come from.
        public var source: String
    }

    /// Defaults by link kind.
    public static func entry(_ kind: Interconnect.Kind) -> Entry {
        switch kind {
        case .nvlink:
            // NCCL's tuning model charges a few microseconds per step on NVLink rings
            // (nccl src/graph/tuning.cc base latencies); signalling energy of NVLink-class
            // short-reach SerDes is a few pJ/bit (NVIDIA quotes 1.3 pJ/bit for the on-package
            // NVLink-C2C; board-level links with the NVSwitch hop cost more): 5 pJ/bit assumed.
            return Entry(
                latency: 2e-6, energyPerBit: 5e-12,
                source:
                    "NVLink: ~2 us per step (NCCL tuning model), 5 pJ/bit (NVLink-C2C's 1.3 pJ/bit plus board reach and switch hop)"
            )
        case .pcie:
            // PCIe round trips through a switch take about a microsecond; PCIe Gen4/5 SerDes
            // energy is reported at 5-10 pJ/bit including the retimers: the upper end assumed.
            return Entry(
                latency: 1.5e-6, energyPerBit: 10e-12,
                source: "PCIe: ~1.5 us per step through a switch, 10 pJ/bit (Gen4/5 SerDes with retimers)")
        case .infiniband, .ethernet:
            // Verbs/MPI small-message latency over one InfiniBand switch is 1-2 us (NVIDIA
            // ConnectX-7 / Quantum-2 product briefs: sub-microsecond switch and adapter ports),
            // ~5 us per step with NCCL's network proxy. A ~25 W 400 Gb/s NIC at line rate is
            // 62.5 pJ/bit, mostly static (give it as static_power); the dynamic share of optics
            // and SerDes is taken as a quarter of it.
            return Entry(
                latency: 5e-6, energyPerBit: 15e-12,
                source:
                    "network: ~5 us per step (NIC, switch and software), 15 pJ/bit (dynamic share of a ~25 W 400 Gb/s NIC)"
            )
        case .ici:
            // TPU ICI links are short copper or optical links between neighbouring chips; the
            // same few-pJ/bit SerDes class as NVLink, with a microsecond of per-hop software.
            return Entry(
                latency: 1e-6, energyPerBit: 5e-12, source: "ICI: ~1 us per step, 5 pJ/bit (short-reach SerDes)")
        }
    }
}
