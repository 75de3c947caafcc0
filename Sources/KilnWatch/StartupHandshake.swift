import Dispatch
import Synchronization

/// How the watching thread tells `start()` that its initial watches are in place, or why they are not.
final class StartupHandshake: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<Void, WatchError>?>(nil)

    /// Called once by the watching thread.
    func finish(_ outcome: Result<Void, WatchError>) {
        result.withLock { $0 = outcome }
        done.signal()
    }

    /// Blocks until `finish` is called.
    func wait() -> Result<Void, WatchError> {
        done.wait()
        return result.withLock { $0 } ?? .failure(WatchError("The watching thread ended without reporting."))
    }
}
