import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What the public `WorkspaceWatcher` and its watching thread share: whether it started, whether to stop,
/// how many watches there are, and where to write to wake the thread.
final class WatcherControl: Sendable {
    private enum Phase {
        case idle, started, stopped
    }

    private struct State {
        var phase = Phase.idle
        var stopRequested = false
        var watchCount = 0
        /// The wake-up pipe's write end while the thread owns the pipe; -1 otherwise.
        var wakeUpFD: Int32 = -1
    }

    private let state = Mutex(State())

    /// Moves from idle to started; `start()` may be called at most once, and not after `stop()`.
    func beginStart() throws(WatchError) {
        let phase = state.withLock { state in
            let phase = state.phase
            if phase == .idle { state.phase = .started }
            return phase
        }
        switch phase {
        case .idle: return
        case .started: throw .alreadyStarted()
        case .stopped: throw WatchError("This WorkspaceWatcher was stopped; create a new one to watch again.")
        }
    }

    /// Sets the stop flag and wakes the thread. Returns false if stop had already been requested.
    @discardableResult
    func requestStop() -> Bool {
        state.withLock { state in
            guard !state.stopRequested else { return false }
            state.stopRequested = true
            state.phase = .stopped
            // Written under the lock so the thread cannot close the descriptor in between.
            if state.wakeUpFD >= 0 {
                WakeUpPipe.wake(writeFD: state.wakeUpFD)
            }
            return true
        }
    }

    var isStopRequested: Bool {
        state.withLock { $0.stopRequested }
    }

    var watchCount: Int {
        state.withLock { $0.watchCount }
    }

    func setWatchCount(_ count: Int) {
        state.withLock { $0.watchCount = count }
    }

    func installWakeUp(writeFD: Int32) {
        state.withLock { $0.wakeUpFD = writeFD }
    }

    /// Takes the write end back and closes it, so `requestStop()` never writes to a reused descriptor.
    func closeWakeUp() {
        state.withLock { state in
            if state.wakeUpFD >= 0 {
                close(state.wakeUpFD)
                state.wakeUpFD = -1
            }
        }
    }
}
