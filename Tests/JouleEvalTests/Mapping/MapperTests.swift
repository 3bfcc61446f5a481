import Foundation
import JouleSpec
import Testing

@testable import JouleEval

struct MapperTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func hardware(_ name: String) throws -> Accelerator {
        try Accelerator.load(root.appendingPathComponent("Hardware/\(name).yaml").path)
    }

    @Test func findsAValidMappingForTheLlamaFFN() throws {
        let tpu = try Self.hardware("tpu-v1")
        let gemm = GEMM(
            b: 1, m: 2048, n: 11008, k: 4096, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
        let problem = Problem.gemm(gemm)
        let result = try Mapper(hardware: tpu).best(problem: problem, macPrecision: .int8)
        #expect(result.cost.counts?.macs == 2048.0 * 11008 * 4096)
        // The weights must come from DRAM at least once: 4096 x 11008 bytes.
        #expect((result.cost.counts?.levels[0][0].reads ?? 0) >= 4096.0 * 11008)
    }
}
