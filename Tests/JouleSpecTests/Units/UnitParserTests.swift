import Testing

@testable import JouleSpec

@Suite struct UnitParserTests {
    struct ParseCase: Sendable, CustomTestStringConvertible {
        let text: String
        let kind: QuantityKind
        /// The value in SI base units, worked out by hand.
        let si: Double
        var testDescription: String { text }
    }

    static let cases: [ParseCase] = [
        ParseCase(text: "0.2 pJ", kind: .energy, si: 0.2e-12),
        ParseCase(text: "1e-12 J", kind: .energy, si: 1e-12),
        ParseCase(text: "3.9 pJ/bit", kind: .energyPerBit, si: 3.9e-12),
        ParseCase(text: "31 pJ/byte", kind: .energyPerByte, si: 31e-12),
        ParseCase(text: "12 pJ/access", kind: .energyPerAccess, si: 12e-12),
        ParseCase(text: "24 MiB", kind: .bytes, si: 25_165_824),  // 24 x 1,048,576
        ParseCase(text: "512 KB", kind: .bytes, si: 512_000),  // K is decimal: 512 x 1000
        ParseCase(text: "512 kB", kind: .bytes, si: 512_000),
        ParseCase(text: "256 KiB", kind: .bytes, si: 262_144),
        ParseCase(text: "8 GiB", kind: .bytes, si: 8_589_934_592),
        ParseCase(text: "80 GB", kind: .bytes, si: 80e9),
        ParseCase(text: "64 B", kind: .bytes, si: 64),
        ParseCase(text: "34 GB/s", kind: .bandwidth, si: 34e9),
        ParseCase(text: "2.039 TB/s", kind: .bandwidth, si: 2.039e12),
        ParseCase(text: "100 Gb/s", kind: .bandwidth, si: 12.5e9),  // bits per second / 8
        ParseCase(text: "700 MHz", kind: .frequency, si: 700e6),
        ParseCase(text: "1.83 GHz", kind: .frequency, si: 1.83e9),
        ParseCase(text: "0.86 V", kind: .voltage, si: 0.86),
        ParseCase(text: "40 W", kind: .power, si: 40),
        ParseCase(text: "250 mW", kind: .power, si: 0.25),
        ParseCase(text: "331 mm^2", kind: .area, si: 3.31e-4),  // 331 x (1e-3 m)^2
        ParseCase(text: "2.1 mm2", kind: .area, si: 2.1e-6),
        ParseCase(text: "64 bit", kind: .bits, si: 64),
        ParseCase(text: "28 nm", kind: .length, si: 28e-9),
        ParseCase(text: "1.5 ms", kind: .time, si: 1.5e-3),
        ParseCase(text: "  700MHz ", kind: .frequency, si: 700e6),  // no space needed, outer spaces ignored
        ParseCase(text: "65_536 B", kind: .bytes, si: 65_536),
    ]

    @Test(arguments: cases)
    func parses(_ testCase: ParseCase) throws {
        let parsed = try UnitParser.parse(testCase.text)
        #expect(parsed.kind == testCase.kind)
        #expect(approximatelyEqual(parsed.value, testCase.si), "\(parsed.value) vs \(testCase.si)")
    }

    @Test func typedQuantitiesParseToSI() throws {
        #expect(approximatelyEqual(try Energy(parsing: "0.2 pJ").si, 0.2e-12))
        #expect(approximatelyEqual(try Bytes(parsing: "24 MiB").si, 25_165_824))
        #expect(approximatelyEqual(try Bandwidth(parsing: "2.039 TB/s").si, 2.039e12))
        #expect(approximatelyEqual(try Frequency(parsing: "700 MHz").si, 7e8))
        #expect(approximatelyEqual(try Voltage(parsing: "0.86 V").si, 0.86))
        #expect(approximatelyEqual(try Power(parsing: "250 mW").si, 0.25))
        #expect(approximatelyEqual(try Area(parsing: "331 mm^2").si, 3.31e-4))
        #expect(approximatelyEqual(try Area(parsing: "331 mm^2").squareMillimetres, 331))
        #expect(approximatelyEqual(try Bits(parsing: "64 bit").si, 64))
        #expect(approximatelyEqual(try EnergyPerBit(parsing: "3.9 pJ/bit").si, 3.9e-12))
    }

    struct AccessCase: Sendable, CustomTestStringConvertible {
        let text: String
        let width: Double?
        /// Joules per bit, by hand.
        let perBit: Double
        var testDescription: String { text }
    }

    static let accessCases: [AccessCase] = [
        AccessCase(text: "3.9 pJ/bit", width: nil, perBit: 3.9e-12),
        AccessCase(text: "31 pJ/byte", width: nil, perBit: 3.875e-12),  // 31 / 8
        AccessCase(text: "12 pJ/access", width: 64, perBit: 0.1875e-12),  // 12 / 64
        AccessCase(text: "12 pJ/access", width: 96, perBit: 0.125e-12),  // 12 / 96
    ]

    @Test(arguments: accessCases)
    func memoryAccessEnergyPerBit(_ testCase: AccessCase) throws {
        let energy = try MemoryAccessEnergy(parsing: testCase.text)
        let perBit = try #require(energy.perBit(width: testCase.width))
        #expect(approximatelyEqual(perBit.si, testCase.perBit))
    }

    @Test func perAccessEnergyNeedsAWidth() throws {
        let energy = try MemoryAccessEnergy(parsing: "12 pJ/access")
        #expect(energy == .perAccess(Energy(si: 12e-12)))
        #expect(energy.perBit(width: nil) == nil)
        #expect(energy.perBit(width: 0) == nil)
    }

    @Test func memoryAccessEnergyRejectsAPlainEnergy() {
        #expect(throws: QuantityError.wrongKind(found: .energy, text: "12 pJ")) {
            try MemoryAccessEnergy(parsing: "12 pJ")
        }
    }

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        let text: String
        let expected: [QuantityKind]
        let error: QuantityError
        let message: String
        let hint: String
        var testDescription: String { text }
    }

    static let errors: [ErrorCase] = [
        // Lower-case slips: the suggestion is a unit the parser accepts and a file would use.
        ErrorCase(
            text: "8 mb", expected: [.bytes], error: .unknownUnit("mb", suggestion: "MB"),
            message: "unknown unit 'mb' (expected a size in bytes)", hint: "did you mean 'MB'? for example: '24 MiB'"),
        ErrorCase(
            text: "700 mhz", expected: [.frequency], error: .unknownUnit("mhz", suggestion: "MHz"),
            message: "unknown unit 'mhz' (expected a frequency)", hint: "did you mean 'MHz'? for example: '700 MHz'"),
        ErrorCase(
            text: "0.2", expected: [.energy], error: .bareNumber(0.2),
            message: "expected an energy with a unit, found the bare number 0.2", hint: "for example: '0.2 pJ'"),
        ErrorCase(
            text: "3 GB", expected: [.bandwidth], error: .wrongKind(found: .bytes, text: "3 GB"),
            message: "expected a bandwidth, but '3 GB' is a size in bytes", hint: "for example: '34 GB/s'"),
        ErrorCase(
            text: "700 MHz", expected: [.bytes], error: .wrongKind(found: .frequency, text: "700 MHz"),
            message: "expected a size in bytes, but '700 MHz' is a frequency", hint: "for example: '24 MiB'"),
        ErrorCase(
            text: "0.2 pj", expected: [.energy], error: .unknownUnit("pj", suggestion: "pJ"),
            message: "unknown unit 'pj' (expected an energy)", hint: "did you mean 'pJ'? for example: '0.2 pJ'"),
        ErrorCase(
            text: "3.9 pJ/bitt", expected: [.energyPerBit], error: .unknownUnit("pJ/bitt", suggestion: "pJ/bit"),
            message: "unknown unit 'pJ/bitt' (expected an energy per bit)",
            hint: "did you mean 'pJ/bit'? for example: '3.9 pJ/bit'"),
        ErrorCase(
            text: "7 furlongs", expected: [.length], error: .unknownUnit("furlongs", suggestion: nil),
            message: "unknown unit 'furlongs' (expected a length)", hint: "for example: '28 nm'"),
        ErrorCase(
            text: "fast", expected: [.frequency], error: .notANumber("fast"),
            message: "expected a frequency, found 'fast'", hint: "for example: '700 MHz'"),
        ErrorCase(
            text: "", expected: [.power], error: .notANumber(""),
            message: "expected a power, found ''", hint: "for example: '40 W'"),
    ]

    @Test(arguments: errors)
    func rejects(_ testCase: ErrorCase) {
        #expect(throws: testCase.error) {
            try UnitParser.parse(testCase.text, as: testCase.expected)
        }
        #expect(testCase.error.message(expected: testCase.expected) == testCase.message)
        #expect(testCase.error.hint(expected: testCase.expected) == testCase.hint)
    }

    @Test func everySuggestedSymbolParses() {
        for symbol in UnitParser.knownSymbols {
            #expect((try? UnitParser.parse("1 " + symbol)) != nil, "\(symbol)")
        }
    }

    @Test func binaryPrefixesDoNotApplyToNonCountableUnits() {
        // "KiHz" is no unit; "Kg"-style capital K is only accepted for bytes and bits.
        #expect(throws: QuantityError.self) { try UnitParser.parse("3 KiHz") }
        #expect(throws: QuantityError.self) { try UnitParser.parse("3 KHz") }
        // Fractions of a byte are not sizes.
        #expect(throws: QuantityError.self) { try UnitParser.parse("3 mB") }
    }

    @Test func exponentIsPartOfTheNumberOnlyWhenADigitFollows() throws {
        let energy = try UnitParser.parse("1e-12 J")
        #expect(energy.kind == .energy)
        #expect(approximatelyEqual(energy.value, 1e-12))
        // "2 EB" has no exponent and no exa prefix: an unknown unit "EB", not the number 2e.
        do {
            _ = try UnitParser.parse("2 EB")
            Issue.record("2 EB parsed")
        } catch {
            guard case .unknownUnit(let unit, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(unit == "EB")
        }
    }

    struct RangeCase: CustomTestStringConvertible, Sendable {
        var text: String
        var kind: QuantityKind
        var testDescription: String { text }
    }

    /// Numbers that would become inf, overflow an integer, or make a latency infinite are
    /// rejected where they are read: never stored, never printed as inf.
    static let outOfRange = [
        RangeCase(text: "1e400 nm", kind: .length), RangeCase(text: "1e400 GHz", kind: .frequency),
        RangeCase(text: "1e-300 Hz", kind: .frequency), RangeCase(text: "1e308 B", kind: .bytes),
        RangeCase(text: "1025 PiB", kind: .bytes), RangeCase(text: "1e-300 B/s", kind: .bandwidth),
        RangeCase(text: "-1e400 W", kind: .power), RangeCase(text: "1e20 pJ/bit", kind: .energyPerBit),
    ]

    @Test(arguments: outOfRange)
    func extremeNumbersAreOutOfRange(_ testCase: RangeCase) {
        #expect(throws: QuantityError.outOfRange(text: testCase.text, kind: testCase.kind)) {
            _ = try UnitParser.parse(testCase.text)
        }
    }

    /// The edges themselves are accepted: 1 EiB of memory, a 1 kHz clock, zero bandwidth.
    @Test func theLimitsThemselvesAreAccepted() throws {
        #expect(try UnitParser.parse("1024 PiB").value == 1_152_921_504_606_846_976)
        #expect(try UnitParser.parse("1 kHz").value == 1e3)
        #expect(try UnitParser.parse("0 B/s").value == 0)
        #expect(try UnitParser.parse("10 THz").value == 1e13)
    }
}
