import Foundation
import Testing
import YAML

@testable import JouleSpec

/// Loads `Hardware/NAME.yaml` by path (no catalog search, so the test does not depend on the cwd).
func libraryAccelerator(_ name: String) throws -> Accelerator {
    try Accelerator.load(hardwareFolder.appendingPathComponent(name + ".yaml").path)
}

/// Every `*.yaml` file in `Hardware/`, found at test time.
func hardwareFiles() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: hardwareFolder.path)) ?? []
    return names.filter { $0.hasSuffix(".yaml") }.sorted()
}

@Suite struct AcceleratorLibraryTests {
    @Test func theLibraryIsFound() {
        // tpu-v1, tpu-v4i, eyeriss-v1, gemmini, nvdla-full, simba-chiplet, edge-tpu, a100, h100, two toys.
        #expect(hardwareFiles().count >= 11)
        #expect(hardwareFiles().contains("tpu-v1.yaml"))
    }

    @Test(arguments: hardwareFiles())
    func everyLibraryFileDecodes(_ file: String) throws {
        let accelerator = try Accelerator.load(hardwareFolder.appendingPathComponent(file).path)
        #expect(accelerator.name + ".yaml" == file, "a library file is named after its design")
        #expect(!accelerator.memory.isEmpty)
        #expect(!accelerator.compute.precisions.isEmpty)
    }

    struct PreloadCase: CustomTestStringConvertible, Sendable {
        var design: String
        var preload: ComputeArray.WeightPreload
        var testDescription: String { design }
    }

    /// The TPUs' papers describe double-buffered weights; the other systolic designs keep
    /// SCALE-Sim's serial preload, the default.
    @Test(arguments: [
        PreloadCase(design: "tpu-v1", preload: .overlapped), PreloadCase(design: "tpu-like", preload: .overlapped),
        PreloadCase(design: "tpu-v4i", preload: .overlapped),
        PreloadCase(design: "edge-tpu", preload: .serial), PreloadCase(design: "gemmini", preload: .serial),
        PreloadCase(design: "eyeriss-v1", preload: .serial), PreloadCase(design: "toy-1level", preload: .serial),
        PreloadCase(design: "toy-3level", preload: .serial),
    ])
    func systolicDesignsStateTheirPreload(_ example: PreloadCase) throws {
        let accelerator = try libraryAccelerator(example.design)
        #expect(accelerator.compute.kind == .systolic)
        #expect(accelerator.compute.weightPreload == example.preload)
    }

    @Test func weightPreloadDecodesBothWords() throws {
        let base = """
            name: t
            technology: 45 nm
            clock: 1 GHz
            compute:
              kind: systolic
              array: { rows: 4, cols: 4 }
              precisions: { int8: 0.3 pJ }
            memory:
              - { name: DRAM, technology: DDR4, size: 1 GiB }
            """
        let written: [(String, ComputeArray.WeightPreload)] = [
            ("", .serial), ("  weight_preload: serial\n", .serial), ("  weight_preload: overlapped\n", .overlapped),
        ]
        for (line, expected) in written {
            let text = base.replacingOccurrences(of: "  array:", with: line + "  array:")
            let accelerator = try YAMLDecoder().decode(Accelerator.self, from: text, path: "t.yaml")
            #expect(accelerator.compute.weightPreload == expected, "\(line)")
        }
    }

    @Test func toyOneLevelHasTheNumbersWrittenInIt() throws {
        let toy = try libraryAccelerator("toy-1level")
        #expect(toy.name == "toy-1level")
        #expect(toy.technology.nanometers == 45)
        #expect(toy.clock.si == 1e9)
        #expect(toy.nominalVoltage == .given(Voltage(si: 0.9)))
        #expect(toy.staticPower == .given(Power(si: 0)))
        #expect(toy.operatingPoints.map(\.frequency.si) == [1e9])
        let compute = toy.compute
        #expect(compute.kind == .systolic)
        #expect(compute.rows == 4 && compute.cols == 4 && compute.processingElements == 16)
        #expect(compute.macsPerPEPerCycle == 1)
        #expect(compute.supportedPrecisions == [.int8, .fp16, .bf16, .fp32])
        let macEnergies: [(Precision, Double)] = [(.int8, 0.3), (.fp16, 2.0), (.bf16, 2.0), (.fp32, 4.6)]
        for (precision, picojoules) in macEnergies {
            let support = try #require(compute.precisions[precision])
            #expect(support.macEnergy.provenance == .given)
            #expect(approximatelyEqual(support.macEnergy.value.si, picojoules * 1e-12), "\(precision)")
            #expect(support.macsPerPEPerCycle == 1)
        }
        #expect(compute.dataflows == [.weightStationary, .outputStationary, .inputStationary])
        #expect(compute.vector.lanes == 4)
        #expect(compute.vector.energyPerOp.provenance == .given)
        #expect(approximatelyEqual(compute.vector.energyPerOp.value.si, 0.4e-12))

        #expect(toy.memory.count == 1)
        let buffer = try #require(toy.memory.first)
        #expect(buffer.name == "Buffer")
        #expect(buffer.kind == .register)
        #expect(buffer.size.si == 64)
        #expect(buffer.width?.si == 8)
        #expect(buffer.instances == 1)
        #expect(buffer.holds == [.weights, .inputs, .outputs])
        #expect(buffer.leakage?.si == 0)
        // 0.25 pJ/byte = 0.03125 pJ/bit, given for both reads and writes.
        #expect(buffer.readEnergy.provenance == .given)
        #expect(buffer.writeEnergy.provenance == .given)
        #expect(approximatelyEqual(buffer.readEnergy.value.si, 0.031_25e-12))
        #expect(approximatelyEqual(buffer.writeEnergy.value.si, 0.031_25e-12))
        #expect(buffer.readBandwidth == nil)
        // 4 x 4 PEs x 1 MAC x 1 GHz x 2 ops.
        #expect(toy.peakOpsPerSecond(.int8) == 32e9)
    }

    @Test func toyThreeLevelHasTheNumbersWrittenInIt() throws {
        let toy = try libraryAccelerator("toy-3level")
        #expect(toy.compute.processingElements == 64)
        #expect(toy.compute.vector.lanes == 8)
        #expect(toy.memory.map(\.name) == ["DRAM", "GlobalBuffer", "PE"])
        #expect(toy.memory.map(\.kind) == [.dram, .sram, .register])
        #expect(toy.memory.map(\.instances) == [1, 1, 64])
        #expect(toy.memory.map(\.size.si) == [1_073_741_824, 65_536, 64])
        // 12.8 GB/s on DRAM only; the other levels leave bandwidth out (never a bottleneck).
        #expect(toy.memory.map(\.readBandwidth?.si) == [12.8e9, nil, nil])
        #expect(toy.memory[0].sharedBandwidth)
        #expect(toy.memory[0].technology == "DDR3")
        // 20 pJ/bit, 3.5 pJ/byte = 0.4375 pJ/bit, 0.25 pJ/byte = 0.03125 pJ/bit; all given.
        let perBit = [20e-12, 0.4375e-12, 0.031_25e-12]
        for (level, expected) in zip(toy.memory, perBit) {
            #expect(level.readEnergy.provenance == .given, "\(level.name)")
            #expect(level.writeEnergy.provenance == .given, "\(level.name)")
            #expect(approximatelyEqual(level.readEnergy.value.si, expected), "\(level.name)")
            #expect(approximatelyEqual(level.writeEnergy.value.si, expected), "\(level.name)")
            #expect(level.multipleBuffering == 2, "double buffering unless a level says otherwise")
            #expect(level.holds == Set(Operand.allCases), "a level that lists no operands holds all of them")
        }
        #expect(toy.fanout(below: 0) == 1)
        #expect(toy.fanout(below: 1) == 64)
        #expect(toy.fanout(below: 2) == 1)
        #expect(toy.dram?.name == "DRAM")
    }

    @Test func tpuV1PeakAndDRAMBandwidthMatchThePaper() throws {
        let tpu = try libraryAccelerator("tpu-v1")
        #expect(tpu.technology.nanometers == 28)
        #expect(tpu.clock.si == 700e6)
        #expect(tpu.compute.processingElements == 65_536)
        // 65,536 MACs x 2 ops x 700 MHz = 91,750,400,000,000 ops/s (Jouppi et al. quote 92 TOPS).
        #expect(tpu.peakMACsPerSecond(.int8) == 45_875_200_000_000)
        #expect(tpu.peakOpsPerSecond(.int8) == 91_750_400_000_000)
        #expect(abs(tpu.peakOpsPerSecond(.int8) / 92e12 - 1) < 0.003)
        #expect(tpu.peakOpsPerSecond(.bf16) == 0, "TPU v1 has no bf16")
        let dram = try #require(tpu.dram)
        #expect(dram.totalReadBandwidth?.si == 34e9)
        #expect(dram.size.si == 8 * 1_073_741_824)
        #expect(tpu.area.total.provenance == .given)
        #expect(approximatelyEqual(tpu.area.total.value.squareMillimetres, 331))
        #expect(tpu.staticPower == .given(Power(si: 28)))
        // 65,536 per-PE registers under one WeightFIFO.
        #expect(tpu.fanout(below: tpu.memory.count - 2) == 65_536)
        let unified = try #require(tpu.level(named: "UnifiedBuffer"))
        #expect(unified.holds == [.inputs, .outputs])
        #expect(unified.readBandwidth?.si == 179.2e9)
        #expect(!unified.sharedBandwidth)
    }

    @Test func h100DenseBF16PeakAndHBMBandwidthMatchTheDatasheet() throws {
        let h100 = try libraryAccelerator("h100-sxm")
        // NVIDIA H100 SXM5 datasheet: 989.4 TFLOPS bf16 dense, 1,978.9 TOPS int8 / TFLOPS fp8, 3.35 TB/s HBM3.
        #expect(abs(h100.peakOpsPerSecond(.bf16) / 989.4e12 - 1) < 0.001)
        #expect(abs(h100.peakOpsPerSecond(.fp16) / 989.4e12 - 1) < 0.001)
        #expect(abs(h100.peakOpsPerSecond(.fp8) / 1978.9e12 - 1) < 0.001)
        #expect(abs(h100.peakOpsPerSecond(.int8) / 1978.9e12 - 1) < 0.001)
        #expect(abs(h100.peakOpsPerSecond(.fp32) / 494.7e12 - 1) < 0.001)  // TF32
        #expect(h100.dram?.totalReadBandwidth?.si == 3.35e12)
        #expect(h100.dram?.size.si == 80e9)
        #expect(h100.dram?.technology == "HBM3")
    }

    @Test func a100DenseBF16PeakAndHBMBandwidthMatchTheDatasheet() throws {
        let a100 = try libraryAccelerator("a100-sxm-80gb")
        // NVIDIA A100 datasheet: 312 TFLOPS bf16 dense, 624 TOPS int8, 156 TFLOPS TF32, 2,039 GB/s HBM2e.
        #expect(abs(a100.peakOpsPerSecond(.bf16) / 312e12 - 1) < 0.005)
        #expect(abs(a100.peakOpsPerSecond(.int8) / 624e12 - 1) < 0.005)
        #expect(abs(a100.peakOpsPerSecond(.fp32) / 156e12 - 1) < 0.005)
        #expect(a100.dram?.totalReadBandwidth?.si == 2039e9)
    }

    @Test func aMisspeltLibraryNameGetsASuggestion() throws {
        let catalog = Catalog(roots: [repositoryRoot.path])
        #expect(
            catalog.resolve("tpu-v1", shelf: .hardware) == hardwareFolder.appendingPathComponent("tpu-v1.yaml").path)
        do {
            _ = try Accelerator.load("tpu-v2", catalog: catalog)
            Issue.record("tpu-v2 loaded")
        } catch {
            #expect(error.items.first?.message == "no hardware file or library entry named 'tpu-v2'")
            #expect(error.items.first?.hint == "did you mean 'tpu-v1'?")
        }
    }
}
