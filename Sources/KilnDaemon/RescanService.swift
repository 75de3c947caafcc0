import Logging
import ServiceLifecycle

/// The first look at every environment, once the watcher runs, and then the safety net under the events: a full
/// look every `rescan_interval`, which is how changes made from other hosts of a network mount are found.
///
/// The first look runs inside the service group, and stops between two names once shutdown begins, so a SIGTERM
/// during the first look at a large workspace is answered at once.
struct RescanService: Service {
    let daemon: Daemon
    let interval: Duration
    let logger: Logger
    let watches: @Sendable () -> Int

    func run() async throws {
        // Watch first, then look: a change made during the first look is then seen twice rather than never.
        await withGracefulShutdownHandler {
            await daemon.recallJournal()
            await daemon.reconcileAll()
            logger.info("watching", metadata: ["watches": "\(watches())"])
            guard interval > .zero else {
                try? await gracefulShutdown()
                return
            }
            while !Task.isShuttingDownGracefully {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
                } catch {
                    return
                }
                if Task.isShuttingDownGracefully { return }
                await daemon.refreshInterpreters()
                await daemon.reconcileAll()
            }
        } onGracefulShutdown: {
            daemon.requestStop()
        }
    }
}
