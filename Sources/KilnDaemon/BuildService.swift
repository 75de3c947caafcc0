import KilnBuild
import KilnProtocol
import ServiceLifecycle

/// A build the daemon hands to `BuildService`, with everything it needs decided beforehand.
struct BuildJob: Sendable {
    var order: BuildOrder
    var interpreter: String
    var settings: WorkspaceSettings
    var logPath: String
    var cancellation: BuildCancellation
    /// Where the build's progress goes: the daemon's `running` entry, then a look at the name.
    var progress: BuildProgressHandler
}

/// Owns every running build: each is a child task of one task group, so none outlives the service. On shutdown the
/// group is cancelled, which stops every build tool, and the service ends once they have.
struct BuildService: Service {
    let daemon: Daemon
    let builder: EnvironmentBuilder
    let jobs: AsyncStream<BuildJob>

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for await job in jobs.cancelOnGracefulShutdown() {
                group.addTask {
                    let outcome = await job.cancellation.run(cancelled: BuildOutcome.cancelled) {
                        await builder.build(
                            job.order,
                            interpreter: job.interpreter,
                            settings: job.settings,
                            logPath: job.logPath,
                            progress: job.progress
                        )
                    }
                    await daemon.finished(job.order, outcome)
                }
            }
            // Shutting down: no new build starts, and the running ones stop. Their statuses stay `building`, which
            // the next start recognises as interrupted and queues again.
            daemon.requestStop()
            group.cancelAll()
        }
    }
}
