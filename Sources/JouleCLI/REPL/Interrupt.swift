import Foundation
import Synchronization

/// Ctrl-C in the interactive REPL: a SIGINT handler that only records the interrupt, so the
/// session never ends on it. The line reader sees the record when libedit gives up a line (the
/// line is cancelled) and long commands poll `requested` between steps (a sweep stops after
/// the points in flight and returns to the prompt).
///
/// The handler is installed without `SA_RESTART`, so a read blocked in libedit returns with
/// `EINTR` and `readline` returns. Outside the interactive REPL nothing is installed, and
/// SIGINT ends `joule` as it ends any command.
enum Interrupt {
    /// Set by the handler, cleared by whoever acts on it. A lock-free atomic store is safe in a
    /// signal handler.
    private static let flag = Atomic<Bool>(false)
    /// Whether the handler is installed (only the interactive REPL installs it).
    private static let installed = Atomic<Bool>(false)

    /// Whether Ctrl-C was pressed since the last `clear`.
    static var requested: Bool { flag.load(ordering: .acquiring) }

    /// Whether Ctrl-C is caught (in the interactive REPL) rather than ending the process.
    static var isCaught: Bool { installed.load(ordering: .acquiring) }

    /// Forgets an interrupt that has been acted on.
    static func clear() { flag.store(false, ordering: .releasing) }

    /// Takes the interrupt: true when there was one, and it is cleared.
    static func take() -> Bool { flag.exchange(false, ordering: .acquiringAndReleasing) }

    /// Installs the SIGINT handler (once).
    static func install() {
        clear()
        guard !installed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var action = sigaction()
        #if os(Linux)
            action.__sigaction_handler.sa_handler = { _ in Interrupt.flag.store(true, ordering: .releasing) }
        #else
            action.__sigaction_u.__sa_handler = { _ in Interrupt.flag.store(true, ordering: .releasing) }
        #endif
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: a blocked read returns EINTR
        sigaction(SIGINT, &action, nil)
        // A program that starts joule may leave SIGINT blocked (a test runner's threads do), and
        // a blocked signal never reaches the handler: unblock it on this, the reading, thread.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
