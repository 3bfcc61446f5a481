import Testing

@testable import JouleSpec

@Suite struct QuantityFormatTests {
    struct PrintCase: Sendable, CustomTestStringConvertible {
        let printed: String
        let expected: String
        var testDescription: String { expected }
    }

    // Each value is given in SI; the expected text is how the file format writes it.
    static let cases: [PrintCase] = [
        PrintCase(printed: Bytes(si: 25_165_824).description, expected: "24 MiB"),
        PrintCase(printed: Bytes(si: 262_144).description, expected: "256 KiB"),
        PrintCase(printed: Bytes(si: 8_589_934_592).description, expected: "8 GiB"),
        PrintCase(printed: Bytes(si: 1536).description, expected: "1.5 KiB"),
        PrintCase(printed: Bytes(si: 64).description, expected: "64 B"),
        PrintCase(printed: Bytes(si: 0).description, expected: "0 B"),
        // 80e9 is a multiple of 1 KiB (78,125,000 KiB) but is no round binary size: printed decimal.
        PrintCase(printed: Bytes(si: 80e9).description, expected: "80 GB"),
        PrintCase(printed: Bytes(si: -1_048_576).description, expected: "-1 MiB"),
        PrintCase(printed: Bandwidth(si: 34e9).description, expected: "34 GB/s"),
        PrintCase(printed: Bandwidth(si: 2.039e12).description, expected: "2.039 TB/s"),
        PrintCase(printed: Frequency(si: 700e6).description, expected: "700 MHz"),
        PrintCase(printed: Frequency(si: 1.83e9).description, expected: "1.83 GHz"),
        PrintCase(printed: Energy(si: 0.2e-12).description, expected: "0.2 pJ"),
        PrintCase(printed: EnergyPerBit(si: 3.875e-12).description, expected: "3.875 pJ/bit"),
        PrintCase(printed: Power(si: 40).description, expected: "40 W"),
        PrintCase(printed: Power(si: 0.25).description, expected: "250 mW"),
        PrintCase(printed: Voltage(si: 0.86).description, expected: "860 mV"),
        PrintCase(printed: Area(si: 3.31e-4).description, expected: "331 mm^2"),
        PrintCase(printed: Bits(si: 64).description, expected: "64 bit"),
        PrintCase(printed: Time(si: 1.5e-3).description, expected: "1.5 ms"),
        PrintCase(printed: MemoryAccessEnergy.perAccess(Energy(si: 12e-12)).description, expected: "12 pJ/access"),
    ]

    @Test(arguments: cases)
    func prints(_ testCase: PrintCase) {
        #expect(testCase.printed == testCase.expected)
    }

    struct NumberCase: Sendable, CustomTestStringConvertible {
        let value: Double
        let expected: String
        var testDescription: String { expected }
    }

    static let numbers: [NumberCase] = [
        NumberCase(value: 91.7504, expected: "91.75"),  // four significant digits
        NumberCase(value: 0.2, expected: "0.2"),  // no trailing zeros
        NumberCase(value: 1000, expected: "1000"),
        NumberCase(value: 0, expected: "0"),
        NumberCase(value: -3.5, expected: "-3.5"),
    ]

    @Test(arguments: numbers)
    func number(_ testCase: NumberCase) {
        #expect(QuantityFormat.number(testCase.value) == testCase.expected)
    }

    @Test func grouped() {
        #expect(QuantityFormat.grouped(65_536) == "65,536")
        #expect(QuantityFormat.grouped(999) == "999")
        #expect(QuantityFormat.grouped(1_000_000) == "1,000,000")
        #expect(QuantityFormat.grouped(-4096) == "-4,096")
    }

    @Test func scaledPicksAPrefixWithAMantissaInOneToAThousand() {
        #expect(QuantityFormat.scaled(91.7504e12, unit: "OPS") == "91.75 TOPS")
        #expect(QuantityFormat.scaled(989.4e12, unit: "FLOPS") == "989.4 TFLOPS")
        #expect(QuantityFormat.scaled(1.979e15, unit: "OPS") == "1.979 POPS")
    }

    @Test(arguments: ["24 MiB", "34 GB/s", "700 MHz", "0.2 pJ", "40 W", "250 mW", "331 mm^2", "64 bit", "2.039 TB/s"])
    func printedFormParsesBackToTheSameValue(_ text: String) throws {
        let parsed = try UnitParser.parse(text)
        let printed = QuantityFormat.format(parsed.value, kind: parsed.kind)
        let reparsed = try UnitParser.parse(printed)
        #expect(reparsed.kind == parsed.kind)
        #expect(approximatelyEqual(reparsed.value, parsed.value))
    }
}
