import Foundation
import JouleSpec
import Testing
import YAML

@testable import JouleEval

/// The mapper's search against a slow, obviously correct enumeration of the same mapspace, on a
/// seeded corpus of small random problems (GEMMs, batched GEMMs, strided Conv1D and Conv2D) and
/// random 2-4-level hierarchies with fanouts, free or fixed keep/bypass choices, systolic and
/// parallel arrays.
///
/// The mapspace, as README "The mapper" defines it: each dataflow the array lists; each spatial
/// choice (`Mapper.spatialChoices`); each keep/bypass choice (`Mapper.bypassChoices`); at every
/// inner level, each tile whose extents are candidates (`Mapper.tileExtents`) of the level
/// above's, that fits the level and is maximal (no dimension can take its next larger
/// candidate and still fit), such that every level also fits the extents the padded nest
/// spans; and each combination of the dimension that runs innermost at every level but the
/// last. The reference walks every one of those by brute force and costs it through the public
/// path (`ReuseAnalysis.analyze`, which validates the mapping and checks every capacity, then
/// the cost table), nothing of the search's fast paths.
struct ExhaustiveMapperTests {
    /// SplitMix64, so the corpus is the same on every machine.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// A random hierarchy of 2-4 levels, its array kind, fanouts, sizes and keep/bypass freedoms.
    static func hierarchy(_ random: inout Seeded, index: Int) throws -> Accelerator {
        let levels = Int.random(in: 2...4, using: &random)
        let parallel = Bool.random(using: &random)
        let rows = [1, 2, 4].randomElement(using: &random) ?? 2
        let cols = [1, 2, 3].randomElement(using: &random) ?? 2
        // Instances grow inward, each level's dividing the next: 1, the rows, or every PE.
        let steps = [1, rows, rows * cols]
        var step = 0
        var instances = [1]
        for _ in 1..<levels {
            step = Int.random(in: step...2, using: &random)
            instances.append(steps[step])
        }
        let operands = ["weights", "inputs", "outputs"]
        var text = """
            name: random-\(index)
            technology: 45 nm
            clock: 1 GHz
            voltage: 0.9 V
            static_power: \(Bool.random(using: &random) ? "0 W" : "2 mW")
            compute:
              kind: \(parallel ? "parallel" : "systolic")
              array: { rows: \(rows), cols: \(cols) }
              precisions:
                int8: 0.3 pJ
              dataflows: [weight_stationary, output_stationary]
            memory:
              - name: DRAM
                kind: dram
                size: 1 GiB
                bandwidth: \(Double.random(in: 1...16, using: &random).rounded()) GB/s
                read_energy: 20 pJ/bit
                write_energy: 20 pJ/bit

            """
        for level in 1..<levels {
            let inner = level == levels - 1
            let size = inner ? Int.random(in: 12...96, using: &random) : Int.random(in: 64...1024, using: &random)
            let read = inner ? 0.25 : Double(Int.random(in: 1...6, using: &random))
            var held = operands.filter { _ in Double.random(in: 0..<1, using: &random) < 0.85 }
            if held.isEmpty { held = [operands.randomElement(using: &random) ?? "inputs"] }
            // Most levels are fixed (must hold what they hold), some free, so that both kinds appear.
            let must = held.filter { _ in Double.random(in: 0..<1, using: &random) < 0.7 }
            text += """
                  - name: L\(level)
                    kind: \(inner ? "register" : "sram")
                    size: \(size) B
                    instances: \(instances[level])
                    holds: [\(held.joined(separator: ", "))]
                    must_hold: [\(must.joined(separator: ", "))]
                    bandwidth: \(Int.random(in: 2...64, using: &random)) GB/s
                    read_energy: \(read) pJ/byte
                    write_energy: \(read * 1.1) pJ/byte

                """
        }
        return try YAMLDecoder().decode(Accelerator.self, from: text, path: "random-\(index).yaml")
    }

    /// A random small problem: a GEMM, a batched GEMM, a strided Conv1D or a Conv2D.
    static func problem(_ random: inout Seeded) -> Problem {
        func bound(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &random) }
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return Problem.gemm(m: bound(1...12), n: bound(1...12), k: bound(1...12))
        case 1:
            return Problem.gemm(
                GEMM(
                    b: bound(1...3), m: bound(1...6), n: bound(1...6), k: bound(1...6), secondInstances: bound(1...2),
                    inputPrecision: .int8, secondPrecision: .int8, outputPrecision: .int8))
        case 2: return Problem.conv1D(k: bound(1...6), r: bound(1...3), p: bound(2...9), stride: bound(1...2))
        default:
            return Problem.conv2D(
                n: 1, k: bound(1...3), c: bound(1...3), p: bound(1...3), q: bound(1...3), r: bound(1...2),
                s: bound(1...2), stride: bound(1...2))
        }
    }

    /// The best score of the mapspace by brute force, and how many mappings it costed. It also
    /// holds the branch and bound's lower bound (`MappingLowerBound`) to its promise: for every
    /// mapping, the bound of its spatial and keep/bypass pair with its outer levels' tiles known
    /// (level 0 only, then one more level at a time) is at most the mapping's score.
    static func bruteForce(problem: Problem, hardware: Accelerator, objective: Objective) throws -> (
        score: Double, mappings: Int
    ) {
        let mapper = Mapper(hardware: hardware, objective: objective)
        let table = try CostTable(hardware: hardware, precision: .int8, at: mapper.operatingPoint)
        let dims = problem.bounds.count
        let levels = hardware.memory.count
        var best = Double.infinity
        var mappings = 0
        let baseHolds = mapper.holdMatrix(problem)
        let choices = mapper.bypassChoices(problem, holds: baseHolds)
        for flow in hardware.compute.dataflows {
            for spatial in mapper.spatialChoices(problem: problem, dataflow: flow, macsPerPE: 1) {
                for variant in 0..<(1 << choices.count) {
                    let bypassed = choices.indices.map { variant & (1 << $0) != 0 }
                    let holds = mapper.holdMatrix(problem, bypassing: bypassed, of: choices)
                    let bypass = mapper.bypassSets(bypassed, of: choices)
                    let lowerBound = MappingLowerBound(
                        problem: problem, spatial: spatial, holds: holds, dataflow: flow, table: table,
                        objective: objective,
                        orders: LoopOrders(problem: problem, constraints: .none, levels: levels),
                        capacities: hardware.memory.map(\.size.si))
                    // spatialBelow[i][d]: dimension d's spatial bounds at and below level i.
                    var spatialBelow = [[Int]](repeating: [Int](repeating: 1, count: dims), count: levels + 1)
                    for i in stride(from: levels - 1, through: 0, by: -1) {
                        spatialBelow[i] = spatialBelow[i + 1]
                        for loop in spatial[i].x + spatial[i].y { spatialBelow[i][loop.dimension] *= loop.bound }
                    }
                    func fits(_ i: Int, _ tile: [Int]) -> Bool {
                        let extents = tile.indices.map { tile[$0] * spatialBelow[i][$0] }
                        return ReuseAnalysis.heldTileBytes(
                            problem: problem, extents: extents, holds: holds, level: i,
                            outputBits: problem.searchOutputBits
                        ).bytes <= hardware.memory[i].size.si
                    }
                    let top = problem.bounds.indices.map {
                        (problem.bounds[$0] + spatialBelow[0][$0] - 1) / spatialBelow[0][$0]
                    }
                    var tiles = [top]
                    func descend(_ level: Int) throws {
                        if level == levels {
                            try cost(tiles)
                            return
                        }
                        let parent = tiles[level - 1]
                        let candidates = parent.indices.map { d in
                            TilingSpace.takesEveryExtent(d, dims: dims)
                                ? Mapper.everyTileExtent(inside: parent[d]) : Mapper.tileExtents(inside: parent[d])
                        }
                        var digits = [Int](repeating: 0, count: dims)
                        while true {
                            let tile = (0..<dims).map { candidates[$0][digits[$0]] }
                            let maximal = (0..<dims).allSatisfy { d in
                                guard digits[d] > 0 else { return true }
                                var grown = tile
                                grown[d] = candidates[d][digits[d] - 1]
                                return !fits(level, grown)
                            }
                            if fits(level, tile) && maximal {
                                tiles.append(tile)
                                try descend(level + 1)
                                tiles.removeLast()
                            }
                            var d = 0
                            while d < dims {
                                digits[d] += 1
                                if digits[d] < candidates[d].count { break }
                                digits[d] = 0
                                d += 1
                            }
                            if d == dims { return }
                        }
                    }
                    func cost(_ tiles: [[Int]]) throws {
                        // Loop bounds: each level's tile over the next one's, rounded up.
                        let bounds = (0..<levels).map { i in
                            (0..<dims).map { d in
                                let inner = i + 1 < levels ? tiles[i + 1][d] : 1
                                return (tiles[i][d] + inner - 1) / inner
                            }
                        }
                        // Every order of the searched dimensions that loop at each level but the
                        // innermost (whose order changes no count), the others outermost in
                        // dimension order: all permutations, not the mapper's chosen few.
                        let orderChoices = (0..<levels).map { i -> [[Int]] in
                            let looping = problem.orderDimensions.filter { bounds[i][$0] > 1 }
                            let fixed = (0..<dims).filter { !looping.contains($0) }
                            guard i + 1 < levels else { return [fixed + looping] }
                            return Self.permutations(looping).map { fixed + $0 }
                        }
                        var picks = [Int](repeating: 0, count: levels)
                        while true {
                            let mapping = Mapping(
                                levels: (0..<levels).map { i in
                                    LevelMapping(
                                        temporal: orderChoices[i][picks[i]].filter { bounds[i][$0] > 1 }.map {
                                            Loop($0, bounds[i][$0])
                                        },
                                        spatialX: spatial[i].x, spatialY: spatial[i].y, bypass: bypass[i])
                                }, dataflow: flow)
                            let counts = try ReuseAnalysis.analyze(
                                problem: problem, mapping: mapping, hardware: hardware)
                            let (energy, seconds) = table.energyAndSeconds(counts, problem: problem, dataflow: flow)
                            let score = objective.score(energy: energy, seconds: seconds)
                            best = min(best, score)
                            mappings += 1
                            let flat = tiles.flatMap { $0 }
                            for known in 1...levels {
                                let bound = flat.withUnsafeBufferPointer { lowerBound.score($0, known: known) }
                                #expect(
                                    bound <= score * (1 + 1e-12),
                                    "bound \(bound) above \(score) with \(known) levels known: \(tiles) \(problem.dimensions)=\(problem.bounds)"
                                )
                            }
                            var level = 0
                            while level < levels {
                                picks[level] += 1
                                if picks[level] < orderChoices[level].count { break }
                                picks[level] = 0
                                level += 1
                            }
                            if level == levels { return }
                        }
                    }
                    try descend(1)
                }
            }
        }
        return (best, mappings)
    }

    /// Every order of some dimensions.
    static func permutations(_ items: [Int]) -> [[Int]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { k in
            permutations(Array(items[..<k] + items[(k + 1)...])).map { [items[k]] + $0 }
        }
    }

    /// The score the reference gives the mapper's chosen mapping.
    static func score(
        _ mapping: Mapping, problem: Problem, hardware: Accelerator, objective: Objective
    ) throws -> Double {
        let table = try CostTable(
            hardware: hardware, precision: .int8, at: Mapper(hardware: hardware).operatingPoint)
        let counts = try ReuseAnalysis.analyze(problem: problem, mapping: mapping, hardware: hardware)
        let (energy, seconds) = table.energyAndSeconds(counts, problem: problem, dataflow: mapping.dataflow)
        return objective.score(energy: energy, seconds: seconds)
    }

    /// On 200 seeded cases the default search covers its whole mapspace (it says so in
    /// `exhaustive`) and its best equals the brute force's for every objective (relative 1e-9).
    @Test func theSearchFindsTheOptimumOfItsMapspace() throws {
        var random = Seeded(state: 2026)
        var exhaustive = 0
        var cases = 0
        var kinds = Set<String>()
        while exhaustive < 200 && cases < 400 {
            cases += 1
            let hardware = try Self.hierarchy(&random, index: cases)
            let problem = Self.problem(&random)
            for objective in Objective.allCases {
                let reference = try Self.bruteForce(problem: problem, hardware: hardware, objective: objective)
                let mapper = Mapper(hardware: hardware, objective: objective)
                guard reference.mappings > 0 else {
                    #expect(throws: MappingError.self) { try mapper.best(problem: problem, macPrecision: .int8) }
                    continue
                }
                let result = try mapper.best(problem: problem, macPrecision: .int8)
                let found = try Self.score(result.mapping, problem: problem, hardware: hardware, objective: objective)
                let context =
                    "case \(cases) \(objective) \(problem.dimensions)=\(problem.bounds) on \(hardware.memory.count) levels"
                #expect(result.exhaustive, "\(context)")
                #expect(
                    abs(found - reference.score) <= 1e-9 * reference.score, "\(context): \(found) vs \(reference.score)"
                )
                if objective == .energy && result.exhaustive {
                    exhaustive += 1
                    kinds.insert(problem.dimensions.joined())
                }
            }
        }
        #expect(exhaustive >= 200, "only \(exhaustive) of \(cases) cases were searched whole")
        // GEMMs (G H M N K and M N K), Conv1D and Conv2D all took part.
        #expect(kinds.count == 4)
    }
}
