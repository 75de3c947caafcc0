import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Everything the watching thread does: it owns the libinotifytools instance and the watch table, and
/// lives and dies on that one thread.
final class WatchLoop {
    /// How long a moved-away environment's watch waits for its directory to reappear in a stage folder.
    static let detachGrace = Duration.seconds(2)

    private let layout: WatchLayout
    private let router: EventRouter
    private let control: WatcherControl
    private let emit: (WatchHint) -> Void
    private let inotify: InotifyInstance
    private var table = WatchTable()
    private var wakeUp: (pipe: WakeUpPipe, wd: Int32)?
    /// Reasons of resyncs asked for by events not yet followed by a walk.
    private var pendingResync: [String] = []
    /// Whether a byte is on its way through the wake-up pipe to mark the end of the events queued so far.
    private var markerPending = false
    private var publishedCount = -1
    /// Whether `.watchesExhausted` was sent: once is enough, since every later directory fails the same way.
    private var exhaustionReported = false

    /// Runs the whole life of the watching thread; reports the setup outcome through `handshake`.
    static func run(
        layout: WatchLayout,
        control: WatcherControl,
        handshake: StartupHandshake,
        emit: @escaping (WatchHint) -> Void
    ) {
        let loop: WatchLoop
        do {
            let inotify = try InotifyInstance.open(root: layout.root)
            loop = WatchLoop(layout: layout, control: control, inotify: inotify, emit: emit)
        } catch {
            handshake.finish(.failure(error))
            return
        }
        defer { loop.close() }
        do {
            try loop.setUp()
        } catch {
            handshake.finish(.failure(error))
            return
        }
        handshake.finish(.success(()))
        loop.readEvents()
    }

    private init(
        layout: WatchLayout,
        control: WatcherControl,
        inotify: InotifyInstance,
        emit: @escaping (WatchHint) -> Void
    ) {
        self.layout = layout
        self.router = EventRouter(layout: layout)
        self.control = control
        self.inotify = inotify
        self.emit = emit
    }

    private func setUp() throws(WatchError) {
        if let pipe = WakeUpPipe.make() {
            if case .success(let wd) = inotify.addWatch(path: pipe.watchPath, mask: InotifyMask.wakeUp) {
                wakeUp = (pipe, wd)
                control.installWakeUp(writeFD: pipe.writeFD)
            } else {
                Glibc.close(pipe.readFD)
                Glibc.close(pipe.writeFD)
            }
        }
        let problems = try walk(strict: true)
        publishCount()
        if !problems.isEmpty {
            emit(.rescan(reason: "some environments cannot be watched: " + problems.joined(separator: "; ")))
        }
    }

    private func close() {
        control.closeWakeUp()
        if let wakeUp {
            Glibc.close(wakeUp.pipe.readFD)
        }
        inotify.close()
    }

    private func readEvents() {
        while !control.isStopRequested {
            sweepDetached()
            switch inotify.nextEvent(timeoutSeconds: 1) {
            case .success(nil):
                // The queue was empty for a second: a marker still pending was lost to an overflow.
                markerPending = false
                flushResync()
            case .success(let event?):
                handle(event)
                publishCount()
            case .failure(let error):
                emit(.rescan(reason: WatchError.readFailed(errno: error.rawValue).description))
                return
            }
        }
    }

    private func handle(_ event: InotifyEvent) {
        if let wakeUp, event.wd == wakeUp.wd {
            // Either stop() (checked by the loop) or our marker: everything queued before it has been seen.
            drain(wakeUp.pipe)
            markerPending = false
            if !control.isStopRequested {
                flushResync()
            }
            return
        }
        let target = table.target(for: event.wd)
        if event.has(InotifyMask.ignored) {
            table.remove(event.wd)
        }
        let actions = router.actions(for: event, target: target)
        let resyncs = actions.compactMap { action -> String? in
            if case .resync(let reason) = action { return reason }
            return nil
        }
        if !actions.isEmpty && resyncs.count == actions.count {
            deferResync(resyncs)
            return
        }
        flushResync()
        for action in actions {
            perform(action)
        }
    }

    private func perform(_ action: WatchAction) {
        switch action {
        case .hint(let hint):
            emit(hint)
        case .watchEnvironment(let stage, let name):
            let path = layout.environmentPath(stage: stage, name: name)
            switch inotify.addWatch(path: path, mask: InotifyMask.environment) {
            case .success(let wd):
                attach(wd, to: .environment(stage: stage, name: name))
            case .failure(let error) where error.rawValue == ENOENT || error.rawValue == ENOTDIR:
                // Gone or replaced by a non-directory already; the hint that follows covers it.
                break
            case .failure(let error) where Self.isExhaustion(error.rawValue):
                // The hint that follows looks at the directory now; rescans find its later changes.
                reportExhaustion(path: path, errno: error.rawValue, unwatched: 1)
            case .failure(let error):
                emit(.rescan(reason: WatchError.addWatch(path: path, errno: error.rawValue).description))
            }
        case .detachEnvironment(let stage, let name):
            table.detachEnvironment(stage: stage, name: name)
        case .resync(let reason):
            pendingResync.append(reason)
            flushResync()
        }
    }

    /// Structural changes come in bursts (a stage folder's watch dropped, then the root's IN_DELETE; an
    /// unmount drops every watch): one walk after the burst is enough, and is correct as long as it starts
    /// after the last of those events was read. A byte written to the wake-up pipe now becomes an event
    /// behind everything already queued, so the walk waits exactly for the burst. Any other event flushes
    /// the walk earlier, so events are still handled against an up-to-date table.
    private func deferResync(_ reasons: [String]) {
        pendingResync.append(contentsOf: reasons)
        guard let wakeUp else {
            flushResync()
            return
        }
        if !markerPending {
            WakeUpPipe.wake(writeFD: wakeUp.pipe.writeFD)
            markerPending = true
        }
    }

    private func drain(_ pipe: WakeUpPipe) {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(pipe.readFD, &buffer, buffer.count) > 0 {}
    }

    private func flushResync() {
        guard !pendingResync.isEmpty else { return }
        var reasons: [String] = []
        for reason in pendingResync where !reasons.contains(reason) {
            reasons.append(reason)
        }
        pendingResync = []
        let problems = (try? walk(strict: false)) ?? []
        publishCount()
        emit(.rescan(reason: (reasons + problems).joined(separator: "; ")))
    }

    /// Out of watches (ENOSPC), or out of kernel memory for them: not a problem with one directory.
    private static func isExhaustion(_ code: Int32) -> Bool {
        code == ENOSPC || code == ENOMEM
    }

    /// Sends `.watchesExhausted` the first time only: the daemon logs it once and rescans more often from then on.
    private func reportExhaustion(path: String, errno code: Int32, unwatched: Int) {
        guard !exhaustionReported else { return }
        exhaustionReported = true
        emit(.watchesExhausted(message: WatchError.watchesExhausted(path: path, errno: code, unwatched: unwatched)))
    }

    /// Adds a watch on every folder that should have one, re-attaches moved ones, drops those whose folder
    /// is gone, and returns the problems met. With `strict`, a failure on the root, a stage folder or the
    /// requests folder throws instead. Running out of watches on environment directories is no failure: it is
    /// reported once (`reportExhaustion`), and rescans cover the directories left unwatched.
    private func walk(strict: Bool) throws(WatchError) -> [String] {
        var confirmed: Set<Int32> = []
        var problems: [String] = []
        var exhausted: (path: String, errno: Int32, count: Int)?

        func watch(_ path: String, as target: WatchTarget, mask: UInt32, critical: Bool) throws(WatchError) -> Bool {
            switch inotify.addWatch(path: path, mask: mask) {
            case .success(let wd):
                confirmed.insert(wd)
                attach(wd, to: target)
                return true
            case .failure(let error):
                if strict && critical {
                    throw WatchError.addWatch(path: path, errno: error.rawValue)
                }
                if !critical && Self.isExhaustion(error.rawValue) {
                    exhausted = (
                        exhausted?.path ?? path, exhausted?.errno ?? error.rawValue, (exhausted?.count ?? 0) + 1
                    )
                    return false
                }
                // An environment directory that vanished or turned out not to be a real one is not a problem.
                if critical || !(error.rawValue == ENOENT || error.rawValue == ENOTDIR) {
                    problems.append(WatchError.addWatch(path: path, errno: error.rawValue).description)
                }
                return false
            }
        }

        // The folders the daemon cannot do without come first: when watches run short, environments go unwatched.
        _ = try watch(layout.root, as: .root, mask: InotifyMask.root, critical: true)
        var watchedStages: [String] = []
        for stage in layout.stages {
            let stagePath = layout.stagePath(stage)
            // A missing stage folder shows up as an event on the root when created. One that is a symbolic
            // link is never followed; the daemon reports it.
            guard DirectoryListing.isRealDirectory(stagePath),
                try watch(stagePath, as: .stage(stage), mask: InotifyMask.stage, critical: true)
            else { continue }
            watchedStages.append(stage)
        }
        for ancestor in layout.requestsAncestors {
            _ = try watch(
                layout.path(ancestor.relativePath),
                as: .requestsAncestor(relativePath: ancestor.relativePath, child: ancestor.child),
                mask: InotifyMask.requestsAncestor,
                critical: true
            )
        }
        _ = try watch(layout.requestsPath, as: .requests, mask: InotifyMask.requests, critical: true)
        for stage in watchedStages {
            let stagePath = layout.stagePath(stage)
            switch DirectoryListing.subdirectories(of: stagePath) {
            case .success(let names):
                for name in names {
                    _ = try watch(
                        layout.environmentPath(stage: stage, name: name),
                        as: .environment(stage: stage, name: name),
                        mask: InotifyMask.environment,
                        critical: false
                    )
                }
            case .failure(let error):
                let message = "Cannot list \(stagePath) (\(errnoName(error.rawValue)))."
                if strict { throw WatchError(message) }
                problems.append(message)
            }
        }

        for wd in table.allDescriptors.subtracting(confirmed) {
            inotify.removeWatch(wd)
            table.remove(wd)
        }
        if let exhausted {
            reportExhaustion(path: exhausted.path, errno: exhausted.errno, unwatched: exhausted.count)
        }
        return Self.summarise(problems)
    }

    /// Out of watches, every remaining directory fails the same way: a few messages say it all.
    static func summarise(_ problems: [String], keeping limit: Int = 3) -> [String] {
        guard problems.count > limit else { return problems }
        return Array(problems.prefix(limit)) + ["and \(problems.count - limit) more"]
    }

    private func attach(_ wd: Int32, to target: WatchTarget) {
        if let displaced = table.attach(wd, to: target) {
            inotify.removeWatch(displaced)
            table.remove(displaced)
        }
    }

    /// Removes the watches of directories that moved out of the workspace rather than to another stage.
    private func sweepDetached() {
        guard table.hasDetached else { return }
        for wd in table.detached(before: .now - Self.detachGrace) {
            inotify.removeWatch(wd)
            table.remove(wd)
        }
        publishCount()
    }

    private func publishCount() {
        guard table.count != publishedCount else { return }
        publishedCount = table.count
        control.setWatchCount(publishedCount)
    }
}
