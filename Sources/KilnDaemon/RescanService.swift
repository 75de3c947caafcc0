import ServiceLifecycle

/// The safety net under the events: a full look at the workspace every `rescan_interval`, which is how changes
/// made from other hosts of a network mount are found.
struct RescanService: Service {
    let daemon: Daemon
    let interval: Duration

    func run() async throws {
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
            await daemon.reconcileAll()
        }
    }
}
