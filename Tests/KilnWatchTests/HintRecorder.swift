import Synchronization

@testable import KilnWatch

/// Collects a watcher's hints in the background so tests can wait for a condition on them.
final class HintRecorder: Sendable {
    private struct State {
        var hints: [WatchHint] = []
        var finished = false
    }

    private let state = Mutex(State())

    init(_ watcher: WorkspaceWatcher) {
        Task { [self] in
            for await hint in watcher.hints {
                self.state.withLock { $0.hints.append(hint) }
            }
            self.state.withLock { $0.finished = true }
        }
    }

    var hints: [WatchHint] { state.withLock { $0.hints } }
    var isFinished: Bool { state.withLock { $0.finished } }

    /// Polls until `condition` holds on the hints recorded so far, or `timeout` passes. Returns whether it held.
    @discardableResult
    func waitUntil(timeout: Duration = .seconds(5), _ condition: ([WatchHint]) -> Bool) async -> Bool {
        await Self.poll(timeout: timeout) { condition(self.hints) }
    }

    /// Waits until `hint` has been recorded.
    func waitFor(_ hint: WatchHint, timeout: Duration = .seconds(5)) async -> Bool {
        await waitUntil(timeout: timeout) { $0.contains(hint) }
    }

    /// Waits until some hint after the first `count` ones satisfies `match`.
    func waitForNew(
        after count: Int,
        timeout: Duration = .seconds(5),
        _ match: @escaping (WatchHint) -> Bool
    ) async
        -> Bool
    {
        await waitUntil(timeout: timeout) { $0.dropFirst(count).contains(where: match) }
    }

    static func poll(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition()
    }
}

extension WatchHint {
    var isRescan: Bool {
        if case .rescan = self { return true }
        return false
    }
}
