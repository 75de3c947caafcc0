import Logging
import ServiceLifecycle

/// The first look at every environment, once the watcher runs, and then the safety net under the events: a full
/// look every `rescan_interval` (see `RescanSchedule`), which is how changes made from other hosts of a network mount
/// are found, and those in directories the watcher ran out of watches for.
///
/// The first look runs inside the service group, and stops between two names once shutdown begins, so a SIGTERM
/// during the first look at a large workspace is answered at once.
struct RescanService: Service {
    let daemon: Daemon
    let schedule: RescanSchedule
    let logger: Logger
    let watches: @Sendable () -> Int
    /// Throws when the workspace root is no longer the directory this daemon locked (`WorkspaceLock.checkRoot`).
    let checkRoot: @Sendable () throws(DaemonError) -> Void

    /// How often the schedule is read again while waiting: a period shortened meanwhile applies within this.
    static let tick: Duration = .seconds(1)

    func run() async throws {
        // Watch first, then look: a change made during the first look is then seen twice rather than never.
        try await withGracefulShutdownHandler {
            await daemon.recallJournal()
            await daemon.reconcileAll()
            logger.info("watching", metadata: ["watches": "\(watches())"])
            var lastLook = ContinuousClock.now
            while !Task.isShuttingDownGracefully {
                let period = schedule.interval
                let due = period > .zero ? lastLook + period : ContinuousClock.now + Self.tick
                if period > .zero, ContinuousClock.now >= due {
                    try checkRoot()
                    await daemon.refreshInterpreters()
                    await daemon.reconcileAll()
                    lastLook = ContinuousClock.now
                    continue
                }
                do {
                    try await cancelWhenGracefulShutdown {
                        try await Task.sleep(until: min(due, ContinuousClock.now + Self.tick), clock: .continuous)
                    }
                } catch {
                    return
                }
            }
        } onGracefulShutdown: {
            daemon.requestStop()
        }
    }
}
