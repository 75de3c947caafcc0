import Foundation

/// Watches a workspace with inotify and turns what happens into `WatchHint`s.
///
/// libinotifytools is used from one dedicated thread only, since its state is global and not thread-safe;
/// only one watcher can run in a process at a time.
public final class WorkspaceWatcher: Sendable {
    /// Hints, in order; unbounded buffering. Finishes after `stop()`, or after a final `.rescan` if reading
    /// events fails for good.
    public let hints: AsyncStream<WatchHint>

    private let continuation: AsyncStream<WatchHint>.Continuation
    private let configuration: WatchConfiguration
    private let control = WatcherControl()

    /// Prepares a watcher; nothing is watched until `start()`.
    public init(configuration: WatchConfiguration) {
        self.configuration = configuration
        (hints, continuation) = AsyncStream.makeStream(of: WatchHint.self, bufferingPolicy: .unbounded)
    }

    deinit {
        // Otherwise the thread would run, and hold the library, forever.
        stop()
    }

    /// Initialises libinotifytools, adds watches on the root, every stage folder that exists, every environment
    /// directory inside them and the requests folder, then starts the one dedicated reading thread.
    ///
    /// Returns once the initial watches are in place, suspending (never blocking a thread of the cooperative pool)
    /// while the watching thread sets them up. Throws `WatchError` if initialisation or those watches fail (an
    /// unwatchable environment directory is reported as a `.rescan` hint instead, and running out of watches for
    /// environment directories as one `.watchesExhausted` hint). Call at most once.
    public func start() async throws {
        try control.beginStart()
        let layout: WatchLayout
        do {
            layout = try WatchLayout(configuration)
        } catch {
            continuation.finish()
            throw error
        }
        let handshake = StartupHandshake()
        let thread = Thread { [control, continuation] in
            // A watcher being stopped hands the library back within about a second; wait here, on this thread.
            guard LibraryLease.shared.acquire(waitingUpTo: 3) else {
                continuation.finish()
                handshake.finish(.failure(WatchError.anotherWatcherRunning()))
                return
            }
            WatchLoop.run(layout: layout, control: control, handshake: handshake) { continuation.yield($0) }
            LibraryLease.shared.release()
            continuation.finish()
        }
        thread.name = "kiln-watch"
        thread.start()
        try await handshake.wait()
    }

    /// Asks the thread to stop and finishes `hints`. The thread itself ends shortly after (at most about a
    /// second, if the wake-up pipe could not be watched), releasing libinotifytools for another watcher.
    public func stop() {
        control.requestStop()
        continuation.finish()
    }

    /// Number of watches currently in the table (for tests/benchmarks); the internal wake-up watch is not counted.
    public var watchCount: Int {
        control.watchCount
    }
}
