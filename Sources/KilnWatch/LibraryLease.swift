import Dispatch

/// Lets one `WorkspaceWatcher` at a time use libinotifytools, whose state is global to the process.
///
/// A watcher that has been told to stop holds the lease until its thread has cleaned the library up, which
/// takes at most about a second; `acquire` waits that long rather than failing.
final class LibraryLease: Sendable {
    static let shared = LibraryLease()

    private let semaphore = DispatchSemaphore(value: 1)

    /// True if the lease was obtained within `seconds`.
    func acquire(waitingUpTo seconds: Double) -> Bool {
        semaphore.wait(timeout: .now() + seconds) == .success
    }

    func release() {
        semaphore.signal()
    }
}
