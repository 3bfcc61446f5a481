import Foundation

/// The designs `save` kept, by name and in the order they were first saved.
///
/// A reference: the REPL runs each command on a copy of the session and keeps the copy only
/// when the command succeeds, and a value here would be copied whole by every `save` on that
/// copy, making a session of n saves take n^2 time. Sharing is safe because `save` is the only
/// writer and cannot fail, so no failed command ever leaves a change here.
final class SnapshotShelf: @unchecked Sendable {
    private var snapshots: [String: Session.Snapshot] = [:]
    private var order: [String] = []
    private let lock = NSLock()

    /// Keeps (or replaces) a snapshot under a name.
    func keep(_ snapshot: Session.Snapshot, as name: String) {
        lock.lock()
        defer { lock.unlock() }
        if snapshots.updateValue(snapshot, forKey: name) == nil { order.append(name) }
    }

    /// The snapshot saved under a name.
    subscript(name: String) -> Session.Snapshot? {
        lock.lock()
        defer { lock.unlock() }
        return snapshots[name]
    }

    /// Every name, in the order first saved.
    var names: [String] {
        lock.lock()
        defer { lock.unlock() }
        return order
    }
}
