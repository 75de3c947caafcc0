import KilnProtocol
import Synchronization

/// Where a build says what it is doing, from any task or thread: the daemon's handler, which keeps the latest and
/// decides when the status shows it.
public typealias BuildProgressHandler = @Sendable (BuildProgress) -> Void

/// Passes a build's progress on to the daemon, once per change, and writes each new phase in the build log.
/// Any step may report (the verify step reports `.verifying` with its counts); reports come in the order they are
/// made, because each is passed on under the lock.
final class BuildProgressReporter: Sendable {
    private let handler: BuildProgressHandler
    private let log: BuildLog
    private let last = Mutex<BuildProgress?>(nil)

    init(log: BuildLog, handler: @escaping BuildProgressHandler) {
        self.log = log
        self.handler = handler
    }

    func report(_ progress: BuildProgress) {
        last.withLock { last in
            guard last != progress else { return }
            if last?.phase != progress.phase { log.say("phase " + progress.summary) }
            last = progress
            handler(progress)
        }
    }

    /// The latest report, for the log's last word on a phase.
    var latest: BuildProgress? { last.withLock { $0 } }
}
