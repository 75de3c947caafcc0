import Synchronization

/// How the watching thread tells `start()` that its initial watches are in place, or why they are not. `start()`
/// awaits it without holding a thread.
final class StartupHandshake: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Void, any Error>?)
        case finished(Result<Void, WatchError>)
    }
    private let state = Mutex(State.waiting(nil))

    /// Called once by the watching thread.
    func finish(_ outcome: Result<Void, WatchError>) {
        let waiter: CheckedContinuation<Void, any Error>? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return nil }
            state = .finished(outcome)
            return waiter
        }
        waiter?.resume(with: outcome.mapError { $0 as any Error })
    }

    /// Suspends until `finish` is called.
    func wait() async throws(WatchError) {
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let finished: Result<Void, WatchError>? = state.withLock { state in
                    switch state {
                    case .waiting:
                        state = .waiting(continuation)
                        return nil
                    case .finished(let outcome):
                        return outcome
                    }
                }
                if let finished { continuation.resume(with: finished.mapError { $0 as any Error }) }
            }
        } catch let error as WatchError {
            throw error
        } catch {
            throw WatchError("\(error)")
        }
    }
}
