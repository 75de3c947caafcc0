import Foundation
import KilnBuild
import KilnProtocol
import KilnWorkspace

/// The build queue: at most `concurrency` builds at once, and never two of the same spec (the second name waits and
/// then finds the environment in the store).
extension Daemon {
    func startBuilds() {
        while !stopping, running.count < settings.concurrency {
            let busy = Set(running.values.map(\.order.specSHA256))
            guard let index = queue.firstIndex(where: { !busy.contains($0.specSHA256) }) else { return }
            let order = queue.remove(at: index)
            start(order)
        }
    }

    private func start(_ order: BuildOrder) {
        let location = CopyLocation(.saved, order.name)
        let copy = reader.read(location)
        guard copy.specSHA256 == order.specSHA256 else {
            // The spec changed while it waited; the change's own reconcile queues the right build.
            reconcile(order.name)
            return
        }
        guard let interpreter = pythons[order.spec.base.text] else {
            failures[order.name] = BuildFailure(
                specSHA256: order.specSHA256,
                build: order.build,
                message: "no Python \(order.spec.base.text) on this build host any more"
            )
            reconcile(order.name)
            return
        }
        var status = copy.status ?? Status(stage: .saved, state: .building)
        status.stage = .saved
        status.state = .building
        status.specSHA256 = order.specSHA256
        status.build = order.build
        status.updated = Date()
        status.message =
            "building; follow it with `tail -f logs/build-\(order.build).log` or `kiln logs \(order.name) --follow`"
        perform(.writeStatus(location, status))
        perform(
            .record(
                JournalEntry(
                    time: Date(),
                    name: order.name,
                    from: location.description,
                    to: location.description,
                    state: "building",
                    spec: order.specSHA256,
                    message: "build \(order.build) started"
                )
            )
        )
        let builder = self.builder
        let settings = self.settings
        let log = layout.log(location, build: order.build)
        let task = Task {
            let outcome = await builder.build(order, interpreter: interpreter, settings: settings, logPath: log)
            self.finished(order, outcome)
        }
        running[order.name] = RunningBuild(order: order, task: task)
    }

    private func finished(_ order: BuildOrder, _ outcome: BuildOutcome) {
        // A cancelled build was already forgotten; a newer one may hold the slot under the same name.
        if running[order.name]?.order == order { running[order.name] = nil }
        switch outcome {
        case .cancelled:
            break
        case .failed(let message):
            failures[order.name] = BuildFailure(specSHA256: order.specSHA256, build: order.build, message: message)
        case .built:
            failures[order.name] = nil
        }
        if !stopping {
            reconcile(order.name)
            // Other names with the same spec waited for this one: the store answers them now.
            for waiting in queue.filter({ $0.specSHA256 == order.specSHA256 }) { reconcile(waiting.name) }
            startBuilds()
        }
    }

    /// Stops every build and waits for them, so no tool outlives the daemon. Their statuses stay `building`, which
    /// the next start recognises as interrupted and queues again.
    public func stopBuilds() async {
        stopping = true
        for task in settling.values { task.cancel() }
        rescanPending?.cancel()
        queue.removeAll()
        let tasks = running.values.map(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        running.removeAll()
    }
}
