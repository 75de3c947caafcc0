import KilnProtocol
import KilnWorkspace
import KilnWatch
import ServiceLifecycle

/// Forwards the watcher's hints to the daemon. Hints only say where to look; the daemon decides from disk.
struct WatchService: Service {
    let watcher: WorkspaceWatcher
    let daemon: Daemon

    func run() async throws {
        await withGracefulShutdownHandler {
            for await hint in watcher.hints {
                switch hint {
                case .environment(_, let name), .request(let name):
                    // A stray file or an invalid name still gets looked at: the daemon says what is wrong with it.
                    await daemon.changed(name)
                case .rescan(let reason):
                    await daemon.rescanSoon(reason: reason)
                }
            }
        } onGracefulShutdown: {
            watcher.stop()
        }
    }
}
