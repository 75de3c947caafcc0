import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace
import Logging
import ServiceLifecycle

/// The daemon's daily collection: what `kiln gc` does, a little after start and then every 24 hours, with the
/// `keep` of the settings the daemon holds then. What it removes is logged, one line each.
struct CollectionService: Service {
    let daemon: Daemon
    let collection: CollectionRunner
    /// The wait before the first collection, so start-up and the first look at every environment come first.
    let firstRun: Duration
    let interval: Duration

    /// `KILN_GC_DELAY` (seconds) moves the first collection; tests set it, so as not to wait minutes.
    static func firstRunDelay(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Duration {
        guard let text = environment["KILN_GC_DELAY"], let seconds = Double(text), seconds >= 0, seconds.isFinite
        else { return .seconds(5 * 60) }
        return .milliseconds(Int64(seconds * 1000))
    }

    func run() async throws {
        var wait = firstRun
        while !Task.isShuttingDownGracefully {
            let pause = wait
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            let keep = await daemon.settings.keep
            // Cancelled at shutdown: it stops between two removals, and the next start finishes the rest.
            await cancelWhenGracefulShutdown { await collection.collect(keep: keep) }
            wait = interval
        }
    }
}

/// Runs collections on a thread of its own: they walk and delete whole environments, which must block neither
/// Swift's cooperative pool nor the daemon's own thread.
actor CollectionRunner {
    let collector: Collector
    let logger: Logger
    private let executor = DedicatedThreadExecutor(name: "kiln-gc")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    init(collector: Collector, logger: Logger) {
        self.collector = collector
        self.logger = logger
    }

    func collect(keep: Duration) async {
        logger.info("collecting what nothing refers to", metadata: ["keep": "\(DurationText.text(keep))"])
        do {
            let report = try await collector.run(keep: keep, dryRun: false, now: Date())
            for line in report.lines { logger.info("collection: \(line)") }
        } catch let busy as Collector.Busy {
            logger.notice("collection skipped today: \(busy.description)")
        } catch {
            logger.error("collection failed: \(error)")
        }
    }
}
