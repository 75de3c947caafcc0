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

    func run() async throws {
        // Watch first, then look: a change made during the first look is then seen twice rather than never.
        try await withGracefulShutdownHandler {
            await daemon.recallJournal()
            await daemon.reconcileAll()
            logger.info("watching", metadata: ["watches": "\(watches())"])
            var lastLook = ContinuousClock.now
            while !Task.isShuttingDownGracefully {
                let (period, generation) = schedule.current
                let due = lastLook + period
                if period > .zero, ContinuousClock.now >= due {
                    try checkRoot()
                    await daemon.refreshInterpreters()
                    await daemon.reconcileAll()
                    lastLook = ContinuousClock.now
                    continue
                }
                // Until the look is due (never, with no period), or the period changes, or shutdown begins.
                await cancelWhenGracefulShutdown {
                    await withTaskGroup(of: Void.self) { group in
                        if period > .zero {
                            group.addTask { try? await Task.sleep(until: due, clock: .continuous) }
                        }
                        group.addTask { await schedule.waitForChange(since: generation) }
                        await group.next()
                        group.cancelAll()
                    }
                }
            }
        } onGracefulShutdown: {
            daemon.requestStop()
        }
    }
}
