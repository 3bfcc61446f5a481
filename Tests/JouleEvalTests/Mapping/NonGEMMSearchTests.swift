import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// The mapper searches any einsum, and its tiling walk sizes every tile as the reuse analysis
/// does: an input indexed `p * stride + r` spans (P - 1) x stride + R elements, not P x R.
struct NonGEMMSearchTests {
    /// Timeloop's exercise 3 (conv1d+oc, three levels; `3level.arch.yaml` and the energies its
    /// reference output prints): MainMemory blocks of 32 words at 2048 pJ, a 256 KiB
    /// GlobalBuffer with blocks of 32 words at 102.865 pJ, a RegisterFile of 64
    /// words at 0.42 pJ, MACs at 0.603 pJ (926.21 pJ / 1536), all 8-bit, one PE.
    static func exercise3() throws -> Accelerator {
        let text = """
            name: timeloop-exercise-3
            technology: 40 nm
            clock: 1 GHz
            compute:
              array: { rows: 1, cols: 1 }
              precisions: { int8: 0.603 pJ }
            memory:
              - name: MainMemory
                kind: dram
                size: 1 GiB
                width: 256 bit
                read_energy: 2048 pJ/access
                write_energy: 2048 pJ/access
              - name: GlobalBuffer
                kind: sram
                size: 256 KiB
                width: 256 bit
                read_energy: 102.865 pJ/access
                write_energy: 102.865 pJ/access
              - name: RegisterFile
                size: 64 B
                width: 8 bit
                read_energy: 0.42 pJ/access
                write_energy: 0.42 pJ/access
            """
        var hardware = try YAMLDecoder().decode(Accelerator.self, from: text, path: "exercise3.yaml")
        hardware.nominalVoltage = .given(Voltage(si: 1))
        return hardware
    }

    static let point = TimeloopReferenceTests.point

    static func cost(_ problem: Problem, _ mapping: Mapping, on hardware: Accelerator) throws -> OperatorCost {
        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hardware)
        return try EnergyModel.cost(
            counts: counts, mapping: mapping, problem: problem, macPrecision: .int8, hardware: hardware, at: point)
    }

    // conv1D dimensions: K = 0, R = 1, P = 2; operands weights 0, inputs 1, outputs 2.

    /// GlobalBuffer K32 / RegisterFile P16 R3 is what Timeloop's mapper finds for exercise 3
    /// (`05-mapper-conv1d+oc-3level`, null constraints, GlobalBuffer bypassed): 28.98 pJ/MAC,
    /// with the register file holding 3 weights, 18 inputs and 16 outputs ("utilized
    /// capacity"), 37 of its 64 B. Its counts are Timeloop's; Timeloop also charges 512 output
    /// fills to the register file (the first write of each output), which Joule counts as
    /// updates only, so Joule's figure is 28.98 less 512 x 0.42 pJ / 1536 MACs.
    @Test func theRegisterFileHoldsTheInputWindowNotPTimesR() throws {
        let hardware = try Self.exercise3()
        let problem = Problem.conv1D(k: 32, r: 3, p: 16)
        let all: Set<Operand> = [.weights, .inputs, .outputs]
        let mapping = Mapping(levels: [
            LevelMapping(), LevelMapping(temporal: [Loop(0, 32)], bypass: all),
            LevelMapping(temporal: [Loop(2, 16), Loop(1, 3)]),
        ])
        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hardware)
        let registerFile = counts.levels[2]
        #expect(registerFile.map(\.tile) == [3, 18, 16])
        #expect(registerFile.map(\.fills) == [96, 18, 0])
        #expect(registerFile.map(\.reads) == [1536, 1536, 1024])
        #expect(registerFile[2].updates == 1536)
        #expect(counts.levels[0].map(\.reads) == [96, 18, 0])
        #expect(counts.levels[0][2].updates == 512)
        let cost = try Self.cost(problem, mapping, on: hardware)
        let timeloop = 28.98 - 512 * 0.42 / 1536
        #expect(abs(cost.energy.total * 1e12 / 1536 - timeloop) < 0.005)
    }

    /// With the GlobalBuffer holding every operand, GlobalBuffer K32 / RegisterFile R3 P16 needs
    /// 3 + 18 + 16 = 37 B of register file. The search used to size the input window as
    /// P x R = 48 (67 B in all) and could not take that tile below a 67 B register file; now it
    /// finds a mapping at least as cheap at 64 B. By hand: MainMemory 3 + 1 + 16 blocks of
    /// weights, inputs and output updates (20 x 2048 pJ); GlobalBuffer 3 + 3 blocks of weight
    /// fills and reads, 1 + 1 of inputs, 16 of output updates (24 x 102.865 pJ); RegisterFile
    /// 1632 weight, 1554 input and 1024 + 1536 output accesses (5746 x 0.42 pJ); 1536 MACs x
    /// 0.603 pJ: 46,768.30 pJ, 30.448 pJ/MAC.
    @Test func theSearchFindsTheSlidingWindowTileAt64Bytes() throws {
        let hardware = try Self.exercise3()
        let problem = Problem.conv1D(k: 32, r: 3, p: 16)
        let pinned = Mapping(levels: [
            LevelMapping(), LevelMapping(temporal: [Loop(0, 32)]), LevelMapping(temporal: [Loop(1, 3), Loop(2, 16)]),
        ])
        let pinnedCost = try Self.cost(problem, pinned, on: hardware)
        let memory: Double = 20 * 2048 + 24 * 102.865 + 5746 * 0.42
        let byHand: Double = memory + 1536 * 0.603
        #expect(abs(pinnedCost.energy.total * 1e12 - byHand) < 1e-6)
        #expect(abs(byHand / 1536 - 30.448) < 0.0005)
        let found = try Mapper(hardware: hardware, operatingPoint: Self.point).best(
            problem: problem, macPrecision: .int8)
        #expect(found.cost.energy.total <= pinnedCost.energy.total * (1 + 1e-12))
        // The register-file tile the search chose spans R and P whole: the window it holds is 18 inputs.
        let counts = try #require(found.cost.counts)
        #expect(counts.access(level: 2, operand: 1).tile == 18)
    }

    struct AgreementCase: CustomTestStringConvertible, Sendable {
        var name: String
        var problem: Problem
        /// GlobalBuffer and register-file sizes in bytes.
        var sizes: (globalBuffer: Double, registerFile: Double)
        var testDescription: String { name }
    }

    /// For every level the walk tiles, its maximal tiles are exactly the maximal tiles a brute
    /// force over every candidate extent finds with the reuse analysis's bytes
    /// (`ReuseAnalysis.heldTileBytes`): no tile kept that the analysis rejects, none missed
    /// that fits. And every tiling the search keeps passes the analysis's capacity check.
    @Test(arguments: [
        AgreementCase(name: "conv1d K8 R3 P16", problem: .conv1D(k: 8, r: 3, p: 16), sizes: (96, 40)),
        AgreementCase(
            name: "conv1d K4 R5 P12 stride 2", problem: .conv1D(k: 4, r: 5, p: 12, stride: 2), sizes: (80, 33)),
        AgreementCase(
            name: "conv2d K4 C2 P4 Q4 R3 S3", problem: .conv2D(n: 1, k: 4, c: 2, p: 4, q: 4, r: 3, s: 3),
            sizes: (200, 60)),
        AgreementCase(
            name: "conv2d K4 C3 P3 Q4 R3 S2 stride 2",
            problem: .conv2D(n: 2, k: 4, c: 3, p: 3, q: 4, r: 3, s: 2, stride: 2), sizes: (300, 70)),
    ])
    func theWalkAndTheAnalysisAgreeOnEveryTile(_ example: AgreementCase) throws {
        var hardware = try Self.exercise3()
        hardware.memory[1].size = Bytes(si: example.sizes.globalBuffer)
        hardware.memory[2].size = Bytes(si: example.sizes.registerFile)
        let problem = example.problem
        let mapper = Mapper(hardware: hardware, operatingPoint: Self.point)
        let spatial = mapper.spatialLoops(problem: problem, dataflow: .weightStationary, macsPerPE: 1)
        let holds = mapper.holdMatrix(problem)
        let space = TilingSpace(problem: problem, hardware: hardware, spatial: spatial, holds: holds)
        let dims = problem.bounds.count
        for level in 1..<hardware.memory.count {
            let parent = space.temporalBound
            let walked = space.maximalTiles(level, inside: parent, limit: 1 << 20)
            let walkedTiles = Set(stride(from: 0, to: walked.count, by: dims).map { Array(walked[$0..<$0 + dims]) })
            let candidates = parent.indices.map { d in
                TilingSpace.takesEveryExtent(d, dims: dims)
                    ? Mapper.everyTileExtent(inside: parent[d]) : Mapper.tileExtents(inside: parent[d])
            }
            func fits(_ tile: [Int]) -> Bool {
                ReuseAnalysis.heldTileBytes(
                    problem: problem, extents: tile, holds: holds, level: level, outputBits: problem.searchOutputBits
                ).bytes <= hardware.memory[level].size.si
            }
            var expected = Set<[Int]>()
            var tile = [Int](repeating: 1, count: dims)
            func visit(_ d: Int) {
                guard d < dims else {
                    guard fits(tile) else { return }
                    let grows = (0..<dims).contains { e in
                        guard let at = candidates[e].firstIndex(of: tile[e]), at > 0 else { return false }
                        var grown = tile
                        grown[e] = candidates[e][at - 1]
                        return fits(grown)
                    }
                    if !grows { expected.insert(tile) }
                    return
                }
                for extent in candidates[d] {
                    tile[d] = extent
                    visit(d + 1)
                }
            }
            visit(0)
            #expect(!expected.isEmpty)
            #expect(walkedTiles == expected, "level \(level)")
        }
        let tilings = space.enumerate(budget: 100)
        let size = hardware.memory.count * dims
        #expect(!tilings.isEmpty)
        for start in stride(from: 0, to: tilings.count, by: size) {
            var bounds = [Int](repeating: 0, count: size)
            tilings[start..<start + size].withUnsafeBufferPointer { tiling in
                bounds.withUnsafeMutableBufferPointer { Mapper.loopBounds(tiling, dims: dims, into: $0) }
            }
            let mapping = mapper.mapping(
                bounds, dims: dims, spatial: spatial, orders: [Int](repeating: 0, count: hardware.memory.count),
                dataflow: .weightStationary, bypass: [Set<Operand>](repeating: [], count: hardware.memory.count))
            #expect(throws: Never.self) {
                try ReuseAnalysis.checkCapacity(problem: problem, mapping: mapping, hardware: hardware, holds: holds)
            }
        }
    }

    // conv2D dimensions: N = 0, K = 1, C = 2, P = 3, Q = 4, R = 5, S = 6.

    /// A strided 3 x 3 convolution (C = 8 to K = 16 channels, 8 x 8 outputs, stride 2) on
    /// toy-3level's 8 x 8 weight-stationary array: the weights' reductions C, R, S go on the
    /// rows, largest first (C fills all 8), and their output dimension K on the columns (8 of
    /// 16), spread from the GlobalBuffer. Each PE's 64 B holds its tiles as the reuse analysis spans them, and the search's
    /// score is the cost of the mapping it returns.
    @Test func aStridedConvolutionIsMappedBySearch() throws {
        let hardware = try MapperTests.hardware("toy-3level")
        let problem = Problem.conv2D(n: 1, k: 16, c: 8, p: 8, q: 8, r: 3, s: 3, stride: 2)
        let mapper = Mapper(hardware: hardware, tilingBudget: 100)
        let result = try mapper.best(problem: problem, macPrecision: .int8, dataflow: .weightStationary)
        // The GlobalBuffer fans out to the 64 PEs.
        #expect(result.mapping.levels[1].spatialX == [Loop(2, 8)])
        #expect(result.mapping.levels[1].spatialY == [Loop(1, 8)])
        let again = try EnergyModel.cost(
            counts: ReuseAnalysis.analyze(problem: problem, mapping: result.mapping, hardware: hardware),
            mapping: result.mapping, problem: problem, macPrecision: .int8, hardware: hardware,
            at: mapper.operatingPoint)
        #expect(again.energy.total == result.cost.energy.total)
        // 16 x 8 x 8 x 8 x 3 x 3 MACs, no padding: C and K split the array evenly.
        #expect(result.cost.counts?.macs == 73_728)
        #expect(result.cost.counts?.paddedMACs == 73_728)
    }
}
