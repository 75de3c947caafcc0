import Synchronization

/// How often the periodic full look runs: `rescan_interval` as chosen at start, shortened once the watcher can no
/// longer see every directory (out of inotify watches), since only rescans then find changes in those.
final class RescanSchedule: Sendable {
    /// The period when events cannot be trusted for every directory: what a network mount gets.
    static let withoutEvents: Duration = .seconds(30)

    private let current: Mutex<Duration>

    /// `interval` zero: no periodic look, until `shorten` says otherwise.
    init(interval: Duration) {
        current = Mutex(interval)
    }

    var interval: Duration { current.withLock { $0 } }

    /// Events no longer cover everything: look at least every `withoutEvents` from now on. Returns the period.
    @discardableResult
    func eventsIncomplete() -> Duration {
        current.withLock { period in
            if period == .zero || period > Self.withoutEvents { period = Self.withoutEvents }
            return period
        }
    }
}
