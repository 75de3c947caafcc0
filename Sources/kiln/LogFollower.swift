import ArgumentParser
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// `kiln logs NAME --follow`, and `--wait` of `kiln build` and `kiln new`: picks one build when it starts and
/// follows that build to its own end, across the move from saved/ to draft/, printing its log or its progress. It
/// never reports from a status the daemon has not caught up with: a move in progress, a save or a `kiln build` the
/// daemon has not seen yet.
struct LogFollower {
    let layout: WorkspaceLayout
    let name: String
    private var tail: LogTail?
    /// Set for `--wait`: the build's progress is shown instead of its log, and the wait needs a daemon.
    private var progress: ProgressLine?
    private var deadline: ContinuousClock.Instant?
    private var lastDaemonCheck = ContinuousClock.now

    /// How long to wait for a daemon to take in a save or a request: longer when one holds the workspace (its
    /// settle time may be long), short when none does.
    static let catchUpWithDaemon: Duration = .seconds(30)
    static let catchUpWithoutDaemon: Duration = .seconds(3)
    static let pollMicroseconds: useconds_t = 100_000

    init(layout: WorkspaceLayout, name: String) {
        self.layout = layout
        self.name = name
    }

    /// A follower for `--wait`: progress on one redrawn line on a terminal (one line per phase in a pipe), at most
    /// `timeout` long.
    init(layout: WorkspaceLayout, name: String, waitingAtMost timeout: Duration?) {
        self.init(layout: layout, name: name)
        progress = ProgressLine(terminal: isatty(1) == 1)
        deadline = timeout.map { ContinuousClock.now + $0 }
    }

    mutating func run() throws {
        if progress != nil, !DaemonPresence.isServing(layout) {
            throw CLIError.workspace(
                "no `kiln serve` is running for \(layout.root), so nothing builds '\(name)' now; what you asked for "
                    + "is written and waits for it: start `kiln serve`, then `kiln logs \(name) --follow` follows it"
            )
        }
        guard let build = try chooseBuild() else { return }
        var movingSince: ContinuousClock.Instant?
        while true {
            try checkWaiting()
            let all = WorkspaceReader(layout: layout).copies(of: name)
            // The log is the build's own, whatever its status says yet: it is shown even while a move settles.
            if let holder = all.first(where: { $0.status?.build == build }) { show(holder, build: build) }
            if let reason = try unsettled(all) {
                let since = movingSince ?? .now
                movingSince = since
                if ContinuousClock.now - since > MoveWait.limit { throw CLIError.workspace(reason) }
                usleep(MoveWait.pollMicroseconds)
                continue
            }
            movingSince = nil
            let newest = all.compactMap(\.status?.build).max() ?? build
            guard let holder = all.first(where: { $0.status?.build == build }), let status = holder.status else {
                if newest > build { try replaced(build, by: newest) }
                throw CLIError.refused(
                    "build \(build) of '\(name)' is gone: no copy names it any more (\(whereabouts(all, in: layout)))"
                )
            }
            if newest > build { try replaced(build, by: newest) }
            switch status.state {
            case .queued, .building:
                usleep(LogFollower.pollMicroseconds)
            case .ready, .rejected, .awaitingApproval, .published:
                conclude(holder.location, status)
                return
            case .failed, .invalid, .saved:
                conclude(holder.location, status)
                throw ExitCode(CLIError.Code.refused.rawValue)
            }
        }
    }

    /// The last line: the build's result, in its own words.
    private mutating func conclude(_ location: CopyLocation, _ status: Status) {
        let line = "\(location): \(status.state.rawValue): \(status.message)"
        if progress != nil {
            progress?.finish(line)
        } else {
            emit("== " + line)
        }
    }

    /// A wait ends when its time is up, or when no daemon serves the workspace any more (a build it stopped stays
    /// `building` until it starts again). Looked at about once a second: the lock is a file on a shared mount.
    private mutating func checkWaiting() throws {
        guard progress != nil else { return }
        if let deadline, ContinuousClock.now >= deadline {
            progress?.interrupt()
            throw CLIError(
                .timedOut,
                "'\(name)' is still building after the --timeout; the build goes on: "
                    + "`kiln logs \(name) --follow` follows it"
            )
        }
        guard ContinuousClock.now - lastDaemonCheck >= .seconds(1) else { return }
        lastDaemonCheck = .now
        if !DaemonPresence.isServing(layout) {
            progress?.interrupt()
            throw CLIError.workspace(
                "`kiln serve` stopped serving \(layout.root) before the build of '\(name)' ended; it goes on when "
                    + "the daemon starts again"
            )
        }
    }

    /// The build to follow: the one queued or running, else the latest; once the daemon has taken in every save
    /// and request. A spec that is invalid, or waits for `kiln build`, ends here. Nil when a `--wait` has nothing
    /// to follow because its spec was built already (the result is printed).
    private mutating func chooseBuild() throws -> Int? {
        let start = ContinuousClock.now
        var movingSince: ContinuousClock.Instant?
        while true {
            try checkWaiting()
            // The request first, then the copies: the daemon answers a request and writes the status of the build it
            // queued in one decision, so copies read after a request is gone show that build; read before, they
            // may show the one before it.
            let requested = WorkspaceFiles.kind(layout.request(name)) != .missing
            let all = WorkspaceReader(layout: layout).copies(of: name)
            var waitingFor = try unsettled(all)
            if waitingFor != nil {
                let since = movingSince ?? .now
                movingSince = since
                if ContinuousClock.now - since > MoveWait.limit { throw CLIError.workspace(waitingFor ?? "") }
            } else {
                movingSince = nil
                waitingFor = catchingUp(all, requested: requested)
            }
            guard let waitingFor else { return try pick(all) }
            let limit =
                DaemonPresence.isServing(layout) ? LogFollower.catchUpWithDaemon : LogFollower.catchUpWithoutDaemon
            if ContinuousClock.now - start > limit {
                throw CLIError.workspace(waitingFor + " — is `kiln serve` running?")
            }
            usleep(MoveWait.pollMicroseconds)
        }
    }

    private mutating func pick(_ all: [EnvironmentCopy]) throws -> Int? {
        if let active = all.first(where: { [.queued, .building].contains($0.status?.state) }),
            let build = active.status?.build
        {
            return build
        }
        if let resting = all.first(where: { [.invalid, .saved].contains($0.status?.state) }),
            let status = resting.status
        {
            conclude(resting.location, status)
            throw ExitCode(CLIError.Code.refused.rawValue)
        }
        // A new spec that some build made already goes to draft/ at once, with no build of its own.
        if progress != nil, let draft = all.first(where: { $0.location.stage == .draft }), let status = draft.status,
            status.state == .ready, status.build == nil
        {
            conclude(draft.location, status)
            return nil
        }
        if let latest = all.compactMap(\.status?.build).max() { return latest }
        throw CLIError.refused("'\(name)' has no build yet (\(whereabouts(all, in: layout)))")
    }

    /// Why the copies cannot be believed yet; a damaged status is an error at once.
    private func unsettled(_ all: [EnvironmentCopy]) throws -> String? {
        var reason: String?
        for copy in all {
            switch CopyCondition(copy, layout: layout) {
            case .damaged(let message): throw CLIError.workspace(message)
            case .moving(let message): reason = reason ?? message
            default: continue
            }
        }
        return reason
    }

    /// What the daemon has not taken in yet: a `kiln build` request, a copy it has not looked at, a newer save.
    private func catchingUp(_ all: [EnvironmentCopy], requested: Bool) -> String? {
        if requested {
            return "the daemon has not taken up `kiln build \(name)` yet"
        }
        for copy in all where copy.location.stage.isInProgress && !copy.isSymlink {
            guard let status = copy.status else { return "the daemon has not looked at \(copy.location) yet" }
            if let seen = status.specSHA256, let now = copy.specSHA256, seen != now {
                return "the daemon has not taken in the latest save of \(copy.location)/spec.toml yet"
            }
        }
        return nil
    }

    private mutating func show(_ holder: EnvironmentCopy, build: Int) {
        if progress != nil {
            if let status = holder.status, [.queued, .building].contains(status.state) {
                progress?.show(holder.location, status)
            }
            return
        }
        let path = layout.log(holder.location, build: build)
        if tail == nil { tail = LogTail(path: path) }
        tail?.path = path
        tail?.printNew()
    }

    private mutating func replaced(_ build: Int, by newer: Int) throws -> Never {
        progress?.interrupt()
        emit(
            "== build \(build) of '\(name)' was replaced by build \(newer) (the spec was saved again); "
                + "`kiln logs \(name) --follow` follows the new one"
        )
        throw ExitCode(CLIError.Code.refused.rawValue)
    }
}
