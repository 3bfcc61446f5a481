import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleSearch

/// Bad rows are reported with their line and column and left out; the good rows are kept.
struct CalibrationMeasurementFileTests {
    static let text = """
        # measured on a test bench
        op,m,n,k,model,phase,batch,sequence,precision,hardware,time_s,energy_j
        gemm,4096,4096,4096,,,,,bf16,h100-sxm,2.0e-4,0.05
        ,,,,llama-9,prefill,1,128,bf16,h100-sxm,0.1,30
        gemm,1024,1024,1024,,,,,bf16,h100-sxm,3e-6,-0.001
        copy,4096,8192,,,,,,bf16,h100-sxm,5e-5

        softmax,4096,2048,,,,,,bf16,h100-sxm,1.1e-5,0.0024
        gemm,256,4096,,,,,,bf16,h100-sxm,1.2e-5,0.004
        gemmm,256,256,256,,,,,bf16,h100-sxm,1e-6,1e-4
        ,,,,gpt2,prefill,2,256,fp8,h100-sxm,0.004,1.2
        ,,,,gpt2,decode,2,,bf16,a100-sxm-80gb,0.004,1.2
        gemm,512,512,512,,,,,bf17,h100-sxm,1e-6,1e-4
        """

    @Test func badRowsGetLineNumberedErrorsAndTheRestIsKept() throws {
        let file = try MeasurementFile(text: Self.text, path: "bench.csv")
        let lines = file.errors.map { $0.mark?.line ?? 0 }
        // Line 5: negative energy; 6: energy_j missing; 9: k missing; 10: unknown op; 12: decode
        // without a context; 13: unknown precision.
        #expect(lines == [5, 6, 9, 10, 12, 13])
        #expect(file.measurements.map(\.line) == [3, 4, 8, 11])
        let messages = file.errors.map(\.message)
        #expect(messages[0] == "energy_j must be positive (joules per run), found -0.001")
        #expect(messages[1].hasPrefix("missing energy_j"))
        #expect(messages[2].hasPrefix("missing k"))
        #expect(messages[3] == "unknown operator 'gemmm'")
        #expect(file.errors[3].hint == "did you mean 'gemm'?")
        #expect(messages[4].hasPrefix("missing context"))
        #expect(messages[5].contains("bf17"))
        // The caret points at the offending cell.
        #expect(file.errors[0].mark == SourceMark(line: 5, column: 44))
        #expect(file.errors[0].description.contains("bench.csv:5:44: error: energy_j must be positive"))
        #expect(file.errors[0].sourceLine == "gemm,1024,1024,1024,,,,,bf16,h100-sxm,3e-6,-0.001")

        // The unknown model is found when the rows are evaluated; the others are kept.
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let calibrator = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog)
        let evaluated = calibrator.evaluate(file)
        #expect(evaluated.errors.count == 1)
        let error = try #require(evaluated.errors.first)
        #expect(error.mark == SourceMark(line: 4, column: 5))
        #expect(error.message.contains("llama-9"))
        #expect(evaluated.rows.map(\.0.line) == [3, 8, 11])
        #expect(evaluated.otherHardware.isEmpty)
        // Three rows cannot fit the five coefficients they exercise: an error naming them, at the
        // header's energy_j cell (line 2: op,m,n,k,model,phase,batch,sequence,precision,hardware,
        // time_s, is 62 characters with its commas: energy_j starts at column 63).
        do {
            _ = try calibrator.calibrate(file)
            Issue.record("three rows for five coefficients fitted")
        } catch {
            #expect(error.message.hasPrefix("too few rows: 3 rows for the 5 coefficients they exercise"))
            #expect(error.message.contains("(MAC fp8, MAC bf16, HBM, vector op and static power)"))
            #expect(
                error.message.contains(
                    "HBM (its count is a fixed combination of MAC fp8, MAC bf16 and static power's in every row)"))
            #expect(error.line == 2 && error.column == "energy_j")
            let diagnostic = file.diagnostic(line: 2, column: error.column, message: error.message)
            #expect(diagnostic.mark == SourceMark(line: 2, column: 63))
        }
    }

    @Test func otherHardwareIsLeftOutAndCounted() throws {
        let text = """
            op,m,n,k,precision,hardware,time_s,energy_j
            gemm,4096,4096,4096,bf16,h100-sxm,2.0e-4,0.05
            gemm,4096,4096,4096,bf16,A100,4.0e-4,0.06
            copy,4096,8192,,bf16,h100-sxm,5e-5,0.01
            """
        let file = try MeasurementFile(text: text, path: "mixed.csv")
        let hardware = try CalibrationSupport.hardware("h100-sxm")
        let evaluated = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog).evaluate(file)
        #expect(evaluated.otherHardware == ["A100": 1])
        #expect(evaluated.firstOtherLine == 3)
        #expect(evaluated.rows.count == 2)
        let named = try Calibrator(hardware: hardware, catalog: CalibrationSupport.catalog, names: ["a100"])
            .evaluate(file)
        #expect(named.rows.count == 3)
    }

    /// Problems with the file as a whole stop the read: no header, a required column missing.
    @Test(arguments: [
        ("# only a comment\n", "no header row: the file has only comments and blank lines"),
        ("op,m,n,k,hardware,energy_j\ngemm,1,1,1,x,1\n", "the header has no 'time_s' column"),
        ("op,m,n,k,hardware,time_s\ngemm,1,1,1,x,1\n", "the header has neither 'energy_j' nor 'power_w'"),
        ("m,n,k,hardware,time_s,energy_j\n1,1,1,x,1,1\n", "the header has neither 'model' nor 'op'"),
        ("op,m,m,k,hardware,time_s,energy_j\n", "column 'm' appears twice in the header, first at column 4"),
    ])
    func fileLevelErrors(text: String, message: String) throws {
        do {
            _ = try MeasurementFile(text: text, path: "broken.csv")
            Issue.record("no error for \(text)")
        } catch {
            #expect(error.items.map(\.message).contains(message))
        }
    }

    @Test func optionalColumnsAndPowerInsteadOfEnergy() throws {
        let text = """
            op,b,m,n,k,precision,hardware,time_s,power_w,clock_mhz,power_limit_w,idle_power_w,repetitions,note,color
            gemm,8,512,512,64,"fp16",h100-sxm,1e-5,400,1755,700,70,1000,"bmm, fp16",red
            """
        let file = try MeasurementFile(text: text, path: "power.csv")
        #expect(file.errors.isEmpty)
        #expect(file.warnings.count == 1)
        #expect(file.warnings.first?.contains("unknown column 'color' is ignored") == true)
        let row = try #require(file.measurements.first)
        #expect(row.workload == .op(.gemm, b: 8, m: 512, n: 512, k: 64))
        #expect(abs(row.joules - 400e-5) < 1e-15)
        #expect(abs(row.totalJoules - 470e-5) < 1e-15)  // idle power added back
        #expect(row.clock == 1755e6 && row.powerLimit == 700 && row.repetitions == 1000)
        #expect(row.precision?.name == "fp16")
        #expect(row.label == "gemm 8x512x512x64 fp16")
    }

    /// A spreadsheet's export: a byte-order mark, CRLF line ends, capitalised names.
    @Test func spreadsheetExport() throws {
        let text = "\u{FEFF}Op,M,N,K,Precision,Hardware,Time_s,Energy_J\r\ngemm,64,64,64,int8,tpu-v1,1e-6,2e-6\r\n"
        let file = try MeasurementFile(text: text, path: "excel.csv")
        #expect(file.errors.isEmpty && file.warnings.isEmpty)
        #expect(file.measurements.first?.workload == .op(.gemm, b: 1, m: 64, n: 64, k: 64))
        #expect(file.measurements.first?.joules == 2e-6)
    }
}
