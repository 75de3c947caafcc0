import KilnBuild
import KilnProtocol
import KilnWeb
import KilnWorkspace
import Metrics
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
    /// † A Slurm job submitted by an earlier run of the daemon, to follow rather than build anew.
    var resume: BuildJobFolder?
}

/// Owns every running build: each is a child task of one task group, so none outlives the service. On shutdown the
/// group is cancelled, which stops every build tool, and the service ends once they have.
struct BuildService: Service {
    let daemon: Daemon
    let builder: EnvironmentBuilder
    /// † Builds as Slurm jobs, for `[build] executor = "slurm"`.
    let slurm: SlurmBuilder
    let jobs: AsyncStream<BuildJob>

    func run() async throws {
        await withDiscardingTaskGroup { group in
            for await job in jobs.cancelOnGracefulShutdown() {
                group.addTask {
                    Counter(label: KilnMetrics.buildsStarted).increment()
                    let started = ContinuousClock.now
                    let outcome = await job.cancellation.run(cancelled: BuildOutcome.cancelled) {
                        await run(job)
                    }
                    // Counted before the daemon acts on it: once a status says the build ended, so do the metrics.
                    let result = [("result", outcome.metricLabel)]
                    Counter(label: KilnMetrics.buildsFinished, dimensions: result).increment()
                    Metrics.Timer(label: KilnMetrics.buildDuration, dimensions: result).record(since: started)
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

extension BuildService {
    /// Runs one build where the settings it was started with say: here, or as a Slurm job.
    private func run(_ job: BuildJob) async -> BuildOutcome {
        let observer = SlurmBuilder.Observer(
            job: { [daemon] seen in Task { await daemon.slurmJob(job.order, seen) } },
            progress: job.progress,
            detaching: { [daemon] in daemon.stopping }
        )
        if let folder = job.resume {
            return await slurm.resume(folder, settings: job.settings, logPath: job.logPath, observer: observer)
        }
        switch job.settings.executor {
        case .local:
            return await builder.build(
                job.order,
                interpreter: job.interpreter,
                settings: job.settings,
                logPath: job.logPath,
                progress: job.progress
            )
        case .slurm:
            return await slurm.build(
                job.order,
                interpreter: job.interpreter,
                settings: job.settings,
                logPath: job.logPath,
                observer: observer
            )
        }
    }
}

extension BuildOutcome {
    /// The `result` label of the build metrics.
    var metricLabel: String {
        switch self {
        case .built: "built"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }
}

extension Metrics.Timer {
    /// Records the time from `start` to now.
    func record(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
