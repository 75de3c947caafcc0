import KilnProtocol
import Synchronization

/// The latest progress of one running build, set by the builder from any thread and read by the daemon when it
/// decides: only the newest report matters, so a burst of reports costs one look, and none arrives out of order.
final class LatestProgress: Sendable {
    private let value = Mutex<BuildProgress?>(nil)

    /// Keeps `progress`; true if it differs from what was kept.
    func set(_ progress: BuildProgress) -> Bool {
        value.withLock { value in
            guard value != progress else { return false }
            value = progress
            return true
        }
    }

    var current: BuildProgress? { value.withLock { $0 } }
}
