import Foundation
import JouleSpec

/// Remembers the best mapping per (problem, MAC precision, hardware, dataflow, objective,
/// operating point), so identical layers, and sweep points sharing a shape and memory
/// hierarchy, map once. Safe to share between threads.
public final class MapperCache: @unchecked Sendable {
    struct Key: Hashable {
        var problem: Problem
        var precision: Precision
        var hardware: String
        var memory: [MemoryLevel]
        var compute: ComputeArray
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
    public func best(_ mapper: Mapper, problem: Problem, macPrecision: Precision, dataflow: Dataflow?)
        throws(MappingError) -> MapperResult
    {
        let key = Key(
            problem: problem, precision: macPrecision, hardware: mapper.hardware.name, memory: mapper.hardware.memory,
            compute: mapper.hardware.compute, dataflow: dataflow, objective: mapper.objective,
            frequency: mapper.operatingPoint.frequency.si, voltage: mapper.operatingPoint.voltage.si)
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
