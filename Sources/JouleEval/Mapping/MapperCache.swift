import Foundation
import JouleSpec

/// Remembers the best mapping per (problem, MAC, hardware, dataflow, objective, operating
/// point), so identical layers, and sweep points sharing a shape and memory hierarchy, map
/// once. A MAC counts by what decides the mapping and its cost, its energy and rate, so two
/// precisions alike in both (bf16 and fp16 on many designs; the word size is the problem's)
/// share their mappings. Safe to share between threads.
public final class MapperCache: @unchecked Sendable {
    /// What of a hardware decides its mappings, with its hash computed once (hashing every
    /// level's strings on each lookup would dominate a sweep).
    public struct HardwareIdentity: Hashable, Sendable {
        let name: String
        let memory: [MemoryLevel]
        let compute: ComputeArray
        let hash: Int

        /// The identity of an accelerator's memory hierarchy and array.
        public init(_ hardware: Accelerator) {
            name = hardware.name
            memory = hardware.memory
            compute = hardware.compute
            var hasher = Hasher()
            hasher.combine(name)
            hasher.combine(memory)
            hasher.combine(compute)
            hash = hasher.finalize()
        }

        public func hash(into hasher: inout Hasher) { hasher.combine(hash) }

        public static func == (a: HardwareIdentity, b: HardwareIdentity) -> Bool {
            a.hash == b.hash && a.name == b.name && a.memory == b.memory && a.compute == b.compute
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

    struct Key: Hashable {
        var problem: Problem
        var mac: MACIdentity
        var hardware: HardwareIdentity
        var dataflow: Dataflow?
        var objective: Objective
        var frequency: Double
        var voltage: Double
    }

    private var entries: [Key: Result<MapperResult, MappingError>] = [:]
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
            hardware: identity ?? HardwareIdentity(mapper.hardware),
            dataflow: dataflow, objective: mapper.objective, frequency: mapper.operatingPoint.frequency.si,
            voltage: mapper.operatingPoint.voltage.si)
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
}
