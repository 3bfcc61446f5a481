import Dispatch
import Foundation

/// Results written by concurrent workers, each to its own slot, behind a lock.
private final class Slots<Value>: @unchecked Sendable {
    private var values: [Value?]
    private let lock = NSLock()

    init(count: Int) { values = [Value?](repeating: nil, count: count) }

    func set(_ index: Int, _ value: Value) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    var all: [Value?] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
}

extension Array where Element: Sendable {
    /// Maps every element on all cores (Dispatch's concurrentPerform), keeping the order.
    public func parallelMap<Result: Sendable>(_ transform: @Sendable (Element) -> Result) -> [Result] {
        let slots = Slots<Result>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in slots.set(index, transform(self[index])) }
        return slots.all.compactMap { $0 }
    }
}
