import Testing
import YAML

@testable import JouleSpec

/// A one-buffer accelerator on `node` whose buffer is written as `buffer` (YAML lines under
/// `- name: Buffer`, indented four spaces).
private func probe(node: String, buffer: String, precisions: String = "int8: 0.3 pJ") throws -> Accelerator {
    let text = """
        name: probe
        technology: \(node)
        clock: 1 GHz
        compute:
          array: { rows: 4, cols: 4 }
          precisions: { \(precisions) }
        memory:
          - name: DRAM
            technology: LPDDR5
            size: 1 GiB
          - name: Buffer
        \(buffer)
        """
    return try YAMLDecoder().decode(Accelerator.self, from: text, path: "probe.yaml")
}

private func scaling(_ nanometers: Int) throws -> NodeScaling {
    try #require(EstimateTables.node(nanometers: nanometers))
}

@Suite struct HardwareEstimatorTests {
    @Test func fortyFiveNanometresIsTheReference() throws {
        let reference = try scaling(45)
        #expect(reference.logicEnergy == 1)
        #expect(reference.sramEnergy == 1)
        #expect(reference.logicArea == 1)
    }

    struct SRAMCase: Sendable, CustomTestStringConvertible {
        let node: Int
        let size: String
        let bytes: Double
        var testDescription: String { "\(size) at \(node) nm" }
    }

    // The documented rule (DESIGN.md, docs/estimates.md): an SRAM read costs
    // 10 pJ x sqrt(C / 8192 B) per 64 bits at 45 nm, times the node's sramEnergy factor.
    static let sramCases: [SRAMCase] = [
        SRAMCase(node: 45, size: "8 KiB", bytes: 8192),  // 10 pJ / 64 bit = 0.15625 pJ/bit
        SRAMCase(node: 45, size: "32 KiB", bytes: 32_768),  // 20 pJ / 64 bit = 0.3125 pJ/bit
        SRAMCase(node: 28, size: "24 MiB", bytes: 25_165_824),  // TPU v1's Unified Buffer
        SRAMCase(node: 7, size: "1 MiB", bytes: 1_048_576),
        SRAMCase(node: 5, size: "50 MiB", bytes: 52_428_800),
    ]

    @Test(arguments: sramCases)
    func leftOutSRAMEnergyFollowsTheSquareRootRule(_ testCase: SRAMCase) throws {
        let accelerator = try probe(node: "\(testCase.node) nm", buffer: "    size: \(testCase.size)")
        let buffer = try #require(accelerator.level(named: "Buffer"))
        #expect(buffer.kind == .sram)
        #expect(buffer.readEnergy.provenance.isEstimated)
        let picojoulesPer64Bits = 10 * (testCase.bytes / 8192).squareRoot()
        let expected = picojoulesPer64Bits / 64 * (try scaling(testCase.node)).sramEnergy * 1e-12
        #expect(approximatelyEqual(buffer.readEnergy.value.si, expected, relative: 1e-9))
        // Writes are charged as reads (write/read ratio 1).
        #expect(buffer.writeEnergy.provenance.isEstimated)
        #expect(approximatelyEqual(buffer.writeEnergy.value.si, expected, relative: 1e-9))
    }

    @Test func theSquareRootRuleHitsHorowitzsPoints() {
        // Horowitz, ISSCC 2014, 45 nm: 8 KB -> 10 pJ, 32 KB -> 20 pJ per 64-bit read.
        #expect(approximatelyEqual(EstimateTables.sramReadEnergyPer64Bit45nm(capacityBytes: 8192), 10))
        #expect(approximatelyEqual(EstimateTables.sramReadEnergyPer64Bit45nm(capacityBytes: 32_768), 20))
    }

    @Test func tpuV1UnifiedBufferIsEstimatedByTheRule() throws {
        let tpu = try libraryAccelerator("tpu-v1")
        let unified = try #require(tpu.level(named: "UnifiedBuffer"))
        // 10 pJ x sqrt(25,165,824 / 8192) = 10 x sqrt(3072) = 554.26 pJ per 64 bits at 45 nm.
        let expected = 10 * 3072.0.squareRoot() / 64 * (try scaling(28)).sramEnergy * 1e-12
        #expect(unified.readEnergy.provenance.isEstimated)
        #expect(approximatelyEqual(unified.readEnergy.value.si, expected, relative: 1e-9))
        // The int8 MAC: Horowitz int8 multiply 0.2 pJ + int32 add 0.1 pJ at 45 nm, times 28 nm logic.
        let mac = try #require(tpu.compute.precisions[.int8]).macEnergy
        #expect(mac.provenance.isEstimated)
        #expect(approximatelyEqual(mac.value.si, (0.2 + 0.1) * (try scaling(28)).logicEnergy * 1e-12, relative: 1e-9))
        // The DRAM names DDR3 and gives no energy: the DDR3 entry of the table.
        let dram = try #require(tpu.dram)
        let ddr3 = try #require(EstimateTables.dram(named: "DDR3"))
        #expect(dram.readEnergy.provenance.isEstimated)
        #expect(approximatelyEqual(dram.readEnergy.value.si, ddr3.energyPerBit * 1e-12))
        // No voltage in the file: the node's nominal supply, estimated.
        #expect(tpu.nominalVoltage.provenance.isEstimated)
        #expect(tpu.nominalVoltage.value.si == (try scaling(28)).nominalVoltage)
    }

    @Test func aGivenEnergyIsGiven() throws {
        let accelerator = try probe(node: "7 nm", buffer: "    size: 1 MiB\n    read_energy: 2 pJ/bit")
        let buffer = try #require(accelerator.level(named: "Buffer"))
        #expect(buffer.readEnergy == .given(EnergyPerBit(si: 2e-12)))
        // A write energy left out beside a given read energy is taken equal to it.
        #expect(buffer.writeEnergy.provenance.isEstimated)
        #expect(approximatelyEqual(buffer.writeEnergy.value.si, 2e-12))
    }

    @Test func perAccessEnergyIsDividedByTheWidth() throws {
        let accelerator = try probe(
            node: "45 nm",
            buffer: "    size: 64 KiB\n    width: 64 bit\n    read_energy: 12 pJ/access\n    write_energy: 16 pJ/access"
        )
        let buffer = try #require(accelerator.level(named: "Buffer"))
        #expect(buffer.readEnergy == .given(EnergyPerBit(si: 12e-12 / 64)))
        #expect(buffer.writeEnergy == .given(EnergyPerBit(si: 16e-12 / 64)))
    }

    @Test func registerEnergyIsOnePicojoulePerThirtyTwoBitsScaledByLogic() throws {
        let accelerator = try probe(node: "16 nm", buffer: "    kind: register\n    size: 64 B")
        let buffer = try #require(accelerator.level(named: "Buffer"))
        #expect(buffer.kind == .register)
        #expect(buffer.readEnergy.provenance.isEstimated)
        // Horowitz: ~1 pJ per 32-bit register-file access at 45 nm.
        #expect(
            approximatelyEqual(
                buffer.readEnergy.value.si, 1.0 / 32 * (try scaling(16)).logicEnergy * 1e-12, relative: 1e-9))
    }

    @Test func aSmallLevelWithoutAKindIsARegister() throws {
        let accelerator = try probe(node: "45 nm", buffer: "    size: 512 B")
        #expect(accelerator.level(named: "Buffer")?.kind == .register)
    }

    @Test func leftOutMACEnergyIsScaledFromFortyFiveNanometres() throws {
        // Horowitz 45 nm: int8 MAC = 0.2 + 0.1 pJ, fp16 MAC = fp16 mult 1.1 + fp32 add 0.9 pJ.
        let accelerator = try probe(
            node: "7 nm", buffer: "    size: 1 MiB", precisions: "int8: estimated, fp16: 1.5 pJ")
        let logic = (try scaling(7)).logicEnergy
        let int8 = try #require(accelerator.compute.precisions[.int8]).macEnergy
        #expect(int8.provenance.isEstimated)
        #expect(approximatelyEqual(int8.value.si, 0.3 * logic * 1e-12, relative: 1e-9))
        let fp16 = try #require(accelerator.compute.precisions[.fp16]).macEnergy
        #expect(fp16 == .given(Energy(si: 1.5e-12)))
        #expect(
            approximatelyEqual(HardwareEstimator.macEnergy(.fp16, node: try scaling(7)).value.si, 2.0 * logic * 1e-12))
    }

    @Test func leftOutDRAMEnergyComesFromItsTechnology() throws {
        let accelerator = try probe(node: "7 nm", buffer: "    size: 1 MiB")
        let dram = try #require(accelerator.dram)
        let lpddr5 = try #require(EstimateTables.dram(named: "lpddr5"))
        #expect(dram.readEnergy.provenance.isEstimated)
        #expect(approximatelyEqual(dram.readEnergy.value.si, lpddr5.energyPerBit * 1e-12))
        #expect(dram.area == nil, "DRAM is off chip")
    }

    @Test func leftOutAreaIsTheSumOfTheParts() throws {
        let accelerator = try probe(node: "45 nm", buffer: "    size: 8 KiB")
        #expect(accelerator.area.total.provenance.isEstimated)
        // Compute + on-chip memory (the Buffer; DRAM is off chip).
        let buffer = try #require(accelerator.level(named: "Buffer")?.area)
        // 8 KiB = 65,536 bits x the 45 nm bit cell x (1 + macro overhead).
        let reference = try scaling(45)
        let bitCells = 65_536 * reference.sramBitCellArea * (1 + EstimateTables.sramMacroOverhead) * 1e-12
        #expect(approximatelyEqual(buffer.value.si, bitCells))
        #expect(
            approximatelyEqual(
                accelerator.area.total.value.si, accelerator.area.compute.value.si + accelerator.area.memory.value.si))
        #expect(approximatelyEqual(accelerator.area.memory.value.si, bitCells))
    }
}
