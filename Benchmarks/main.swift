import Dispatch
import Foundation
import Joule

// `make bench`: the mapper's evaluation rate and search times, and whole-model evaluation.
// Run in release (`swift run -c release joule-bench`); figures go to stdout and, with
// --record FILE, to a markdown file (Benchmarks/results.md is the committed record).

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func load(_ name: String) throws -> Accelerator { try Accelerator.load(name) }

/// The lines printed so far, for --record.
final class Record {
    var lines: [String] = []
    func report(_ line: String) {
        print(line)
        lines.append(line)
    }
}

let record = Record()
let report = record.report

do {
    let ffn = GEMM(
        b: 1, m: 2048, n: 11008, k: 4096, inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8)
    let ffn16 = GEMM(
        b: 1, m: 2048, n: 11008, k: 4096, inputPrecision: .int16, secondPrecision: .int16, outputPrecision: .int16)
    report("| benchmark | result |")
    report("|---|---|")
    for (name, gemm, precision) in [("tpu-v1", ffn, Precision.int8), ("eyeriss-v1", ffn16, Precision.int16)] {
        let hardware = try load(name)
        let mapper = Mapper(hardware: hardware)
        var result: MapperResult?
        let time = try seconds { result = try mapper.best(problem: Problem.gemm(gemm), macPrecision: precision) }
        let evaluated = result?.evaluated ?? 0
        report(
            "| best mapping, llama-2-7b FFN GEMM (2048 x 11008 x 4096) on \(name) | \(QuantityFormat.number(time * 1e3)) ms, \(evaluated) mappings |"
        )
        report(
            "| mapper evaluations per second, one core, \(name) | \(QuantityFormat.grouped(Int(Double(evaluated) / time))) |"
        )
    }
    let model = try ModelConfig.load("llama-2-7b")
    let h100 = try load("h100-sxm")
    let graph = try GraphBuilder(model: model).build(.prefill(batch: 1, sequence: 2048))
    let evaluator = try Evaluator(hardware: h100)
    let cold = try seconds { _ = try evaluator.evaluate(graph) }
    let warm = try seconds { _ = try evaluator.evaluate(graph) }
    report(
        "| joule eval llama-2-7b h100-sxm --phase prefill --sequence 2048, cold (mapper runs) | \(QuantityFormat.number(cold * 1e3)) ms |"
    )
    report("| same, warm (mapper cache hit) | \(QuantityFormat.number(warm * 1e3)) ms |")
    let ideal = try Evaluator(hardware: h100, mode: .ideal)
    let idealTime = try seconds { _ = try ideal.evaluate(graph) }
    report("| same, --roofline ideal | \(QuantityFormat.number(idealTime * 1e3)) ms |")
    let arguments = CommandLine.arguments
    if let index = arguments.firstIndex(of: "--record"), index + 1 < arguments.count {
        let machine =
            "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB"
        let text =
            "# make bench\n\nRecorded on \(machine), release build.\n\n" + record.lines.joined(separator: "\n") + "\n"
        try text.write(toFile: arguments[index + 1], atomically: true, encoding: .utf8)
    }
} catch {
    FileHandle.standardError.write(Data("joule-bench: \(error)\n".utf8))
    exit(1)
}
