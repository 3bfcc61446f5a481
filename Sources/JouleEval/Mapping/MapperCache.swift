import Foundation
import JouleSpec

/// Remembers the best mapping per (problem, MAC, hardware, dataflow, objective, operating
/// point, search budget), so identical layers, and sweep points sharing a design, map once.
/// The hardware is the whole accelerator: a cached result carries its cost (static energy,
/// bandwidth-bound time, areas), so every field that can move an answer keys it. A MAC counts
/// by what decides the mapping and its cost, its energy and rate, so two precisions alike in
/// both (bf16 and fp16 on many designs; the word size is the problem's) share their mappings.
/// It also remembers each fused chain's outcome (`Evaluator.fuse`) under the same settings, so
/// a chain that recurs (the same prefill at every batch cap of a serving search) is mapped
/// fused once. Safe to share between threads.
public final class MapperCache: @unchecked Sendable {
    /// An accelerator as a cache key, with its hash computed once (hashing every level's
    /// strings on each lookup would dominate a sweep).
    public struct HardwareIdentity: Hashable, Sendable {
        let hardware: Accelerator
        let hash: Int

        /// The identity of an accelerator: all of it.
        public init(_ hardware: Accelerator) {
            self.hardware = hardware
            hash = hardware.hashValue
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        public static func == (a: HardwareIdentity, b: HardwareIdentity) -> Bool {
            a.hash == b.hash && a.hardware == b.hardware
        }
    }

    /// What of a MAC precision decides a mapping and its cost: its energy and rate, or the
    /// precision itself when the hardware lacks it (the error names it).
    enum MACIdentity: Hashable {
        case supported(energy: Double, rate: Int)
        case missing(Precision)

        init(_ precision: Precision, on hardware: Accelerator) {
            if let support = hardware.compute.precisions[precision] {
                self = .supported(energy: support.macEnergy.value.si, rate: support.macsPerPEPerCycle)
            } else {
                self = .missing(precision)
            }
        }
    }

    /// What of the search decides an answer besides what is searched: the whole hardware, the
    /// dataflow, objective, operating point, tiling budget and constraints.
    struct Settings: Hashable {
        var hardware: HardwareIdentity
        var dataflow: Dataflow?
        var objective: Objective
        var frequency: Double
        var voltage: Double
        var tilingBudget: Int
        var constraints: MapspaceConstraints

        init(
            hardware: HardwareIdentity, dataflow: Dataflow?, objective: Objective, at point: OperatingPoint,
            tilingBudget: Int, constraints: MapspaceConstraints
        ) {
            self.hardware = hardware
            self.dataflow = dataflow
            self.objective = objective
            frequency = point.frequency.si
            voltage = point.voltage.si
            self.tilingBudget = tilingBudget
            self.constraints = constraints
        }
    }

    struct Key: Hashable {
        var problem: Problem
        var mac: MACIdentity
        var settings: Settings
    }

    /// What decides a fused chain's outcome: the chain (its GEMMs, with their shapes and
    /// precisions, and the operators between them), the search's settings and the levels and
    /// number of candidates the fused search keeps.
    struct FusionKey: Hashable {
        var chain: FusedChain
        var settings: Settings
        var levels: [Int]?
        var keep: Int
    }

    private var entries: [Key: Result<MapperResult, MappingError>] = [:]
    private var fusions: [FusionKey: FusionOutcome] = [:]
    private let lock = NSLock()
    /// Lookups answered from the cache.
    public private(set) var hits = 0
    /// Lookups that ran the mapper.
    public private(set) var misses = 0

    /// An empty cache.
    public init() {}

    /// The cached result, or the mapper's, stored for next time.
    public func best(
        _ mapper: Mapper, identity: HardwareIdentity? = nil, problem: Problem, macPrecision: Precision,
        dataflow: Dataflow?
    ) throws(MappingError) -> MapperResult {
        let key = Key(
            problem: problem, mac: MACIdentity(macPrecision, on: mapper.hardware),
            settings: Settings(
                hardware: identity ?? HardwareIdentity(mapper.hardware), dataflow: dataflow,
                objective: mapper.objective, at: mapper.operatingPoint, tilingBudget: mapper.tilingBudget,
                constraints: mapper.constraints))
        lock.lock()
        if let cached = entries[key] {
            hits += 1
            lock.unlock()
            return try cached.get()
        }
        lock.unlock()
        let result: Result<MapperResult, MappingError>
        do {
            result = .success(try mapper.best(problem: problem, macPrecision: macPrecision, dataflow: dataflow))
        } catch {
            result = .failure(error)
        }
        lock.lock()
        entries[key] = result
        misses += 1
        lock.unlock()
        return try result.get()
    }

    /// The cached outcome of a fused chain, or `search`'s, stored for next time.
    func fusion(_ key: FusionKey, search: () -> FusionOutcome) -> FusionOutcome {
        lock.lock()
        if let cached = fusions[key] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        let outcome = search()
        lock.lock()
        fusions[key] = outcome
        lock.unlock()
        return outcome
    }
}
