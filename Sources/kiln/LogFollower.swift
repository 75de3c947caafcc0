import ArgumentParser
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// `kiln logs NAME --follow`: picks one build when it starts and follows that build to its own end, across the move
/// from saved/ to draft/. It never reports from a status the daemon has not caught up with: a move in progress, a
/// save or a `kiln build` the daemon has not seen yet.
struct LogFollower {
    let layout: WorkspaceLayout
    let name: String
    private var tail: LogTail?

    /// How long to wait for a daemon to take in a save or a request: longer when one holds the workspace (its
    /// settle time may be long), short when none does.
    static let catchUpWithDaemon: Duration = .seconds(30)
    static let catchUpWithoutDaemon: Duration = .seconds(3)
    static let pollMicroseconds: useconds_t = 100_000

    init(layout: WorkspaceLayout, name: String) {
        self.layout = layout
        self.name = name
    }

    mutating func run() throws {
        let build = try chooseBuild()
        var movingSince: ContinuousClock.Instant?
        while true {
            let all = WorkspaceReader(layout: layout).copies(of: name)
            // The log is the build's own, whatever its status says yet: it is shown even while a move settles.
            if let holder = all.first(where: { $0.status?.build == build }) { show(holder.location, build: build) }
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
                emit("== \(holder.location): \(status.state.rawValue): \(status.message)")
                return
            case .failed, .invalid, .saved:
                emit("== \(holder.location): \(status.state.rawValue): \(status.message)")
                throw ExitCode(CLIError.Code.refused.rawValue)
            }
        }
    }

    /// The build to follow: the one queued or running, else the latest; once the daemon has taken in every save
    /// and request. A spec that is invalid, or waits for `kiln build`, ends here.
    private func chooseBuild() throws -> Int {
        let start = ContinuousClock.now
        var movingSince: ContinuousClock.Instant?
        while true {
            let all = WorkspaceReader(layout: layout).copies(of: name)
            var waitingFor = try unsettled(all)
            if waitingFor != nil {
                let since = movingSince ?? .now
                movingSince = since
                if ContinuousClock.now - since > MoveWait.limit { throw CLIError.workspace(waitingFor ?? "") }
            } else {
                movingSince = nil
                waitingFor = catchingUp(all)
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

    private func pick(_ all: [EnvironmentCopy]) throws -> Int {
        if let active = all.first(where: { [.queued, .building].contains($0.status?.state) }),
            let build = active.status?.build
        {
            return build
        }
        if let resting = all.first(where: { [.invalid, .saved].contains($0.status?.state) }),
            let status = resting.status
        {
            emit("== \(resting.location): \(status.state.rawValue): \(status.message)")
            throw ExitCode(CLIError.Code.refused.rawValue)
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
    private func catchingUp(_ all: [EnvironmentCopy]) -> String? {
        if WorkspaceFiles.kind(layout.request(name)) != .missing {
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

    private mutating func show(_ location: CopyLocation, build: Int) {
        let path = layout.log(location, build: build)
        if tail == nil { tail = LogTail(path: path) }
        tail?.path = path
        tail?.printNew()
    }

    private func replaced(_ build: Int, by newer: Int) throws -> Never {
        emit(
            "== build \(build) of '\(name)' was replaced by build \(newer) (the spec was saved again); "
                + "`kiln logs \(name) --follow` follows the new one"
        )
        throw ExitCode(CLIError.Code.refused.rawValue)
    }
}
