import KilnProtocol
import KilnWatch
import KilnWeb
import KilnWorkspace
import Logging
import Metrics
import ServiceLifecycle

/// Forwards the watcher's hints to the daemon. Hints only say where to look; the daemon decides from disk.
struct WatchService: Service {
    let watcher: WorkspaceWatcher
    let daemon: Daemon
    let schedule: RescanSchedule
    let logger: Logger
    /// Throws when the workspace root is no longer the directory this daemon locked (`WorkspaceLock.checkRoot`).
    let checkRoot: @Sendable () throws(DaemonError) -> Void

    func run() async throws {
        try await withGracefulShutdownHandler {
            for await hint in watcher.hints {
                switch hint {
                case .environment(_, let name), .request(let name):
                    // A stray file or an invalid name still gets looked at: the daemon says what is wrong with it.
                    await daemon.changed(name)
                case .rescan(let reason):
                    Counter(label: KilnMetrics.watcherRescans).increment()
                    if reason.contains(WatchHint.overflowReason) {
                        Counter(label: KilnMetrics.inotifyOverflows).increment()
                    }
                    // A rescan of a replaced root would act on a tree this daemon does not hold the lock of.
                    try checkRoot()
                    await daemon.rescanSoon(reason: reason)
                case .watchesExhausted(let message):
                    let period = schedule.eventsIncomplete()
                    let every = DurationText.text(period)
                    logger.warning(
                        "\(message) Until then, changes in unwatched directories are found by a full rescan every \(every); restart the daemon once the limit is raised."
                    )
                }
            }
        } onGracefulShutdown: {
            watcher.stop()
        }
    }
}
