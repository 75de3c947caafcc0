import Synchronization

/// How often the periodic full look runs: `rescan_interval` as chosen at start, shortened once the watcher can no
/// longer see every directory (out of inotify watches), since only rescans then find changes in those.
///
/// The rescan service sleeps until its next look is due, or until the period changes (`waitForChange`), so an idle
/// daemon does not wake up to ask.
final class RescanSchedule: Sendable {
    /// The period when events cannot be trusted for every directory: what a network mount gets.
    static let withoutEvents: Duration = .seconds(30)

    private struct State {
        var interval: Duration
        /// Counts the changes of `interval`: a waiter compares it with the one it read.
        var generation = 0
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state: Mutex<State>

    /// `interval` zero: no periodic look, until `eventsIncomplete` says otherwise.
    init(interval: Duration) {
        state = Mutex(State(interval: interval))
    }

    /// The period now, and the generation to hand to `waitForChange`.
    var current: (interval: Duration, generation: Int) {
        state.withLock { ($0.interval, $0.generation) }
    }

    /// Events no longer cover everything: look at least every `withoutEvents` from now on. Returns the period.
    @discardableResult
    func eventsIncomplete() -> Duration {
        let (period, waiter) = state.withLock { state -> (Duration, CheckedContinuation<Void, Never>?) in
            guard state.interval == .zero || state.interval > Self.withoutEvents else { return (state.interval, nil) }
            state.interval = Self.withoutEvents
            state.generation += 1
            defer { state.waiter = nil }
            return (state.interval, state.waiter)
        }
        waiter?.resume()
        return period
    }

    /// Returns once the period changed since `generation` was read, or when the task is cancelled. One waiter at a
    /// time: the rescan service.
    func waitForChange(since generation: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    guard state.generation == generation, !Task.isCancelled else { return true }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
