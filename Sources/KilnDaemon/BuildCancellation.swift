import Synchronization

/// Stops one build among those `BuildService` runs in its task group, where a child task cannot be cancelled on
/// its own: the build races this signal, and loses when `cancel()` is called (a newer save, an invalid spec).
final class BuildCancellation: Sendable {
    private enum State {
        case waiting(CheckedContinuation<Void, Never>?)
        case cancelled
    }
    private let state = Mutex(State.waiting(nil))

    func cancel() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard case .waiting(let waiter) = state else { return nil }
            state = .cancelled
            return waiter
        }
        waiter?.resume()
    }

    /// Runs `build`, unless and until `cancel()` is called: then `build`'s task is cancelled (its tools are
    /// stopped) and awaited, and the outcome is `.cancelled`.
    func run<Outcome: Sendable>(
        cancelled: Outcome,
        _ build: @escaping @Sendable () async -> Outcome
    ) async -> Outcome {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await build() }
            group.addTask {
                await self.wait()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? cancelled
        }
    }

    private func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let alreadyCancelled = state.withLock { state in
                    guard case .waiting = state else { return true }
                    state = .waiting(continuation)
                    return false
                }
                if alreadyCancelled { continuation.resume() }
            }
        } onCancel: {
            // The build ended first: stop waiting.
            self.cancel()
        }
    }
}
