import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

/// The build queue: at most `concurrency` builds at once, and never two of the same spec (the second name waits and
/// then finds the environment in the store). Builds start here, after a reconcile pass, never from inside one.
extension Daemon {
    /// Hands queued builds to `BuildService` while slots are free, then looks at each started name once more, so its
    /// status says `building`.
    func startBuilds() {
        var started: [String] = []
        while !stopping, running.count < settings.concurrency {
            // Two names with the same build inputs never build at once: the second finds the first's in the store.
            let busy = Set(running.values.map(\.order.inputs.key))
            guard let index = queue.firstIndex(where: { !busy.contains($0.inputs.key) }) else { break }
            let order = queue.remove(at: index)
            if start(order) { started.append(order.name) }
        }
        for name in started { reconcile(name) }
    }

    /// Starts one build; false if it turned out not to be wanted (its spec changed while it waited) or not possible.
    private func start(_ order: BuildOrder) -> Bool {
        let location = CopyLocation(.saved, order.name)
        guard reader.read(location).specSHA256 == order.specSHA256 else {
            // The spec changed while it waited; the change's own look queues the right build.
            return false
        }
        guard let interpreter = pythons[order.spec.base.text] else {
            failures[order.name] = BuildFailure(
                specSHA256: order.specSHA256,
                build: order.build,
                message: "no Python \(order.spec.base.text) on this build host any more"
            )
            reconcile(order.name)
            return false
        }
        hand(order, interpreter: interpreter, settings: settings)
        return true
    }

    /// Hands a build to `BuildService` and counts it as running: a new one, or (`resume`) a Slurm job an earlier
    /// run of the daemon submitted.
    func hand(
        _ order: BuildOrder,
        interpreter: String,
        settings: WorkspaceSettings,
        resume: BuildJobFolder? = nil,
        slurmJob: SlurmJobSeen? = nil
    ) {
        let cancellation = BuildCancellation()
        let progress = LatestProgress()
        running[order.name] = RunningBuild(
            order: order,
            cancellation: cancellation,
            progress: progress,
            slurmJob: slurmJob
        )
        buildJobs.yield(
            BuildJob(
                order: order,
                interpreter: interpreter,
                settings: settings,
                logPath: layout.log(CopyLocation(.saved, order.name), build: order.build),
                cancellation: cancellation,
                progress: { [weak self] report in
                    guard progress.set(report), let self else { return }
                    Task { await self.progressed(order) }
                },
                resume: resume
            )
        )
    }

    /// † A Slurm build's job has its id, or started on a node: the status names it, and says whether it waits.
    func slurmJob(_ order: BuildOrder, _ seen: SlurmJobSeen) {
        guard !stopping, running[order.name]?.order == order, running[order.name]?.slurmJob != seen else { return }
        running[order.name]?.slurmJob = seen
        reconcile(order.name)
    }

    /// A running build says it got further. The status shows a new phase at once, and new counts at most once a
    /// second: each is one status write, and a build with many small distributions would otherwise write for each.
    func progressed(_ order: BuildOrder) {
        guard !stopping, var build = running[order.name], build.order == order, build.showLater == nil else { return }
        let latest = build.progress.current
        let wait: Duration =
            if let shown = build.shown, shown.progress?.phase == latest?.phase {
                max(.zero, shown.at + .seconds(1) - .now)
            } else {
                .zero
            }
        if wait > .zero {
            build.showLater = Task {
                try? await Task.sleep(for: wait)
                self.showProgress(order)
            }
            running[order.name] = build
            return
        }
        showProgress(order)
    }

    /// Looks at the name of a running build, so its status shows the build's latest progress.
    private func showProgress(_ order: BuildOrder) {
        guard !stopping, var build = running[order.name], build.order == order else { return }
        build.showLater = nil
        build.shown = (build.progress.current, .now)
        running[order.name] = build
        reconcile(order.name)
        // A report that came while this look was waiting is not lost: it is shown now, or in a second.
        if running[order.name]?.shown?.progress != running[order.name]?.progress.current { progressed(order) }
    }

    /// Stops a name's build, queued or running.
    func cancelBuild(_ name: String) {
        queue.removeAll { $0.name == name }
        if let build = running.removeValue(forKey: name) {
            build.showLater?.cancel()
            logger.info("\(name): cancelling build \(build.order.build)")
            build.cancellation.cancel()
        }
    }

    /// `BuildService` reports how a build ended.
    func finished(_ order: BuildOrder, _ outcome: BuildOutcome) {
        // A cancelled build was already forgotten; a newer one may hold the slot under the same name.
        if running[order.name]?.order == order {
            running[order.name]?.showLater?.cancel()
            running[order.name] = nil
        }
        switch outcome {
        case .cancelled:
            break
        case .failed(let message):
            failures[order.name] = BuildFailure(
                specSHA256: order.specSHA256,
                build: order.build,
                message: secrets.mask(message)
            )
        case .built:
            failures[order.name] = nil
        }
        guard !stopping else { return }
        reconcile(order.name)
        // Other names with the same inputs waited for this one: the store answers them now.
        for waiting in queue.filter({ $0.inputs.key == order.inputs.key }) { reconcile(waiting.name) }
        startBuilds()
    }
}
