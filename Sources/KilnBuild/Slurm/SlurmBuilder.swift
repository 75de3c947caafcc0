import Foundation
import KilnProtocol
import KilnWorkspace
import Subprocess

/// Runs builds as Slurm jobs (`[build] executor = "slurm"`). The daemon's side: it prepares what a node needs inside
/// the workspace (the interpreter's copy, `kiln` and `uv`), writes the job's folder, submits it, and follows it by
/// its folder and by `squeue` until it ends; then it judges the result (`SlurmJobVerdict`) as a local build's
/// would be. The job itself runs `kiln build-job` (`BuildJobRunner`), which writes only its folder, the build's
/// environment in the store and its log.
public struct SlurmBuilder: Sendable {
    public let layout: WorkspaceLayout
    /// The `uv` binary on the daemon's host, copied for the nodes; nil builds with venv and pip.
    public let uv: String?
    let commands = SlurmCommands()
    /// Shared by every build this builder follows: one `squeue` a second for all of them.
    let queue: SlurmQueue

    public init(layout: WorkspaceLayout, uv: String?) {
        self.layout = layout
        self.uv = uv
        queue = SlurmQueue(commands: commands)
    }

    /// How often a followed job's folder, and the queue's last answer about it, are looked at: a few small reads.
    /// Slurm itself is asked once a second for all jobs (`SlurmQueue`).
    static let look: Duration = .milliseconds(100)
    /// How much longer than `[build] timeout` the daemon lets a job run (counted from when it began on its node:
    /// waiting for one is not building) before it cancels the job itself: the job stops its own build at the
    /// timeout, and normally says so first.
    static let timeoutGrace: Duration = .seconds(60)

    /// What the daemon hears while a job is followed.
    public struct Observer: Sendable {
        /// The job's id, once Slurm has given it, and whether it still waits for a node, each time that changes.
        public var job: @Sendable (SlurmJobSeen) -> Void
        /// The build's progress, as the job reports it.
        public var progress: BuildProgressHandler
        /// True once the daemon is shutting down: then a job is left running (the next start follows it), not
        /// cancelled.
        public var detaching: @Sendable () -> Bool

        public init(
            job: @escaping @Sendable (SlurmJobSeen) -> Void,
            progress: @escaping BuildProgressHandler,
            detaching: @escaping @Sendable () -> Bool
        ) {
            self.job = job
            self.progress = progress
            self.detaching = detaching
        }
    }

    /// Submits `order` as one Slurm job and follows it to its end.
    public func build(
        _ order: BuildOrder,
        interpreter: String,
        settings: WorkspaceSettings,
        logPath: String,
        observer: Observer
    ) async -> BuildOutcome {
        let log: BuildLog
        switch BuildLog.open(logPath, settings: settings, name: order.name) {
        case .success(let opened): log = opened
        case .failure(let why): return .failed(why.message)
        }
        log.say(
            "build \(order.build) of '\(order.name)', spec sha256 \(order.specSHA256), as a Slurm job, at "
                + TOMLText.dateTime(Date())
        )
        let folder = BuildJobFolder(layout, name: order.name, build: order.build)
        let submitted: String
        do {
            submitted = try await submit(order, interpreter: interpreter, settings: settings, folder: folder, log: log)
        } catch is CancellationError {
            folder.remove()
            log.say("cancelled before the job was submitted")
            return .cancelled
        } catch {
            folder.remove()
            let message = "build \(order.build) could not be submitted to Slurm: \(error)"
            log.say("failed: \(message)")
            return .failed(log.masker.mask(message))
        }
        return await follow(folder, jobID: submitted, settings: settings, log: log, observer: observer)
    }

    /// Follows a job submitted before the daemon's restart, found in its folder, to its end.
    public func resume(
        _ folder: BuildJobFolder,
        settings: WorkspaceSettings,
        logPath: String,
        observer: Observer
    ) async -> BuildOutcome {
        var id = folder.jobID
        if id == nil, let record = folder.record {
            // Submitted just before the daemon stopped, its id unrecorded: Slurm knows it by name.
            id = try? await commands.job(named: record.jobName)
            if let id { try? WorkspaceFiles.writeAtomically(folder.jobIDFile, id + "\n") }
        }
        let log: BuildLog
        switch BuildLog.open(logPath, settings: settings, name: folder.record?.name ?? "NAME") {
        case .success(let opened): log = opened
        case .failure(let why):
            // Not followed, so not left running: its end would go unjudged, its folder gone.
            guard let id else {
                folder.remove()
                return .failed(why.message)
            }
            await Self.outsideCancellation { _ = try? await commands.cancel(id) }
            folder.remove()
            return .failed("\(why.message) (Slurm job \(id) was cancelled)")
        }
        log.say("the daemon started again and follows Slurm job \(id ?? "(never submitted)") from its folder")
        return await follow(folder, jobID: id, settings: settings, log: log, observer: observer)
    }

    private func submit(
        _ order: BuildOrder,
        interpreter: String,
        settings: WorkspaceSettings,
        folder: BuildJobFolder,
        log: BuildLog
    ) async throws -> String {
        // A node runs only what is inside the workspace: the interpreter's copy, and kiln's and uv's.
        let kept = try await InterpreterStore(layout: layout).base(for: interpreter, log: log)
        guard kept.hasPrefix(layout.root + "/") else {
            throw Refusal(
                "Python \(order.spec.base.text) at \(interpreter) could not be copied into the workspace (the build "
                    + "log says why), and a Slurm node can only run a copy there; name a relocatable installation in "
                    + "[python] or set [build] executor = \"local\""
            )
        }
        let tools = try await JobTools(layout: layout).prepare(kiln: try Self.ownExecutable(), uv: uv, log: log)
        folder.remove()
        try WorkspaceFiles.makeDirectory(layout.jobs)
        try WorkspaceFiles.makeDirectory(folder.path)
        let record = BuildJobRecord(
            name: order.name,
            build: order.build,
            specSHA256: order.specSHA256,
            key: order.inputs.key,
            python: order.inputs.python,
            interpreter: kept,
            jobName: "kiln-\(order.name)-\(order.build)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))",
            fromLock: order.lock != nil
        )
        try WorkspaceFiles.writeAtomically(folder.specFile, order.specBytes)
        if let lock = order.lock { try WorkspaceFiles.writeAtomically(folder.lockFile, lock) }
        try WorkspaceFiles.writeAtomically(folder.scriptFile, Self.script(record, folder: folder, tools: tools))
        // The record last: a folder with one is complete, and a restarted daemon follows it.
        try WorkspaceFiles.writeAtomically(folder.recordFile, record.rendered())
        let arguments =
            [
                "--job-name=" + record.jobName, "--output=" + folder.slurmOutput, "--open-mode=append",
                "--chdir=" + folder.path, "--no-requeue",
            ] + settings.slurm.sbatchArguments(buildTimeout: settings.timeout)
        log.say("$ sbatch --parsable " + (arguments + [folder.scriptFile]).map(shellQuoted).joined(separator: " "))
        // Not cancelled halfway: a job Slurm accepted must have its id recorded, so a cancel can reach it.
        let submission: Result<Result<String, SlurmCommands.SubmitRefused>, any Error> =
            await Self.outsideCancellation { [commands] in
                do {
                    return .success(try await commands.submit(arguments, script: folder.scriptFile))
                } catch {
                    return .failure(error)
                }
            }
        switch try submission.get() {
        case .success(let id):
            try WorkspaceFiles.writeAtomically(folder.jobIDFile, id + "\n")
            log.say("submitted as Slurm job \(id); its node writes this log from here on")
            return id
        case .failure(let refused):
            throw Refusal("\(refused); check [slurm] in workspace.toml (`kiln doctor` checks the Slurm setup)")
        }
    }

    /// The job's batch script: kiln from the workspace, through the dynamic loader with kiln's own libraries, so
    /// that the build's tools never load them.
    static func script(_ record: BuildJobRecord, folder: BuildJobFolder, tools: JobTools.Prepared) -> String {
        var command = [tools.loader, "--library-path", tools.libraries, tools.kiln, "build-job"]
        if let uv = tools.uv { command += ["--uv", uv] }
        command.append(folder.path)
        return """
            #!/bin/sh
            # Written by kiln: build \(record.build) of '\(record.name)' as a Slurm job. It runs only what is inside
            # the workspace, and writes only its folder, the environment it builds and the build's log.
            exec \(command.map(shellQuoted).joined(separator: " "))

            """
    }

    /// The running kiln, which the job runs too.
    static func ownExecutable() throws -> String {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw Refusal("cannot tell where the running kiln is (/proc/self/exe)")
        }
        return path
    }

    /// Watches the job's folder and Slurm until the job is over, then judges it.
    private func follow(
        _ folder: BuildJobFolder,
        jobID: String?,
        settings: WorkspaceSettings,
        log: BuildLog,
        observer: Observer
    ) async -> BuildOutcome {
        var deadline: ContinuousClock.Instant?
        var shown: BuildProgress?
        var state: SlurmJobState = jobID == nil ? .forgotten : .pending(reason: "")
        var seen: SlurmJobSeen?
        // Once the job has written its result, Slurm is asked again at once, for a short while, so the job's process
        // has ended before its folder goes.
        var resultLooks = 0
        if let jobID { await queue.follow(jobID) }
        defer {
            if let jobID {
                let queue = queue
                Task { await queue.unfollow(jobID) }
            }
        }
        do {
            while let id = jobID {
                if let progress = folder.progress, progress != shown {
                    shown = progress
                    observer.progress(progress)
                }
                if folder.result != nil {
                    resultLooks += 1
                    if resultLooks > 20 { break }
                    await queue.askSoon()
                }
                // Nothing yet (just followed, or Slurm cannot be asked): the folder is still read, and the queue
                // looked at again at the next turn.
                if let answered = await queue.state(of: id) {
                    state = answered
                    // A job that has begun on its node, or written to its folder, no longer waits.
                    let pending: String? = if case .pending(let reason) = state, !folder.started { reason } else { nil }
                    let now = SlurmJobSeen(
                        id: id,
                        waiting: pending != nil,
                        reason: pending.flatMap(SlurmPendingReason.shown)
                    )
                    if now != seen {
                        seen = now
                        observer.job(now)
                    }
                    // Asked for as it is, the job will never start: waiting would leave the build `building` forever.
                    if let pending, let why = SlurmPendingReason.cannotStart(pending) {
                        _ = await Self.outsideCancellation { try? await commands.cancel(id) }
                        let message =
                            "Slurm job \(id) cannot start: \(why) (Slurm's reason: \(pending)); it was cancelled"
                        log.say("failed: \(message)")
                        folder.remove()
                        return .failed(message)
                    }
                    if !now.waiting, deadline == nil {
                        deadline = ContinuousClock.now + settings.timeout + Self.timeoutGrace
                    }
                    // Over: the result, if any, was written before.
                    if state.isOver { break }
                }
                if let deadline, ContinuousClock.now > deadline {
                    _ = await Self.outsideCancellation { try? await commands.cancel(id) }
                    log.say("the daemon cancelled Slurm job \(id): it ran past the build timeout and its grace")
                    folder.remove()
                    return .failed(
                        "Slurm job \(id) took longer than the timeout (\(DurationText.text(settings.timeout))) and was "
                            + "cancelled; raise [build] timeout in workspace.toml if the build needs more"
                    )
                }
                try await Task.sleep(for: Self.look)
            }
        } catch {
            // Only the wait between two looks throws: cancelled, by a newer save or the daemon stopping.
            guard let id = jobID else { return .cancelled }
            if observer.detaching() {
                log.say("the daemon is stopping; Slurm job \(id) goes on, and the daemon's next start follows it")
                return .cancelled
            }
            await Self.outsideCancellation {
                _ = try? await commands.cancel(id)
                // Wait for the job to be gone, so its tools no longer write into the store or the log.
                for _ in 0..<50 {
                    if let state = try? await commands.state(ofJob: id), state.isOver { break }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            log.say("cancelled: Slurm job \(id) was cancelled (scancel)")
            folder.remove()
            return .cancelled
        }
        return judge(folder, jobID: jobID, state: state, settings: settings, log: log)
    }

    private func judge(
        _ folder: BuildJobFolder,
        jobID: String?,
        state: SlurmJobState,
        settings: WorkspaceSettings,
        log: BuildLog
    ) -> BuildOutcome {
        let record = folder.record
        let result = folder.result
        let registered = record.flatMap { EnvironmentStore.find($0.key, in: layout) }
        let verdict = SlurmJobVerdict.judge(
            jobID: jobID,
            state: state,
            result: result,
            started: folder.started,
            registered: registered != nil,
            timeLimitMinutes: settings.slurm.timeLimitMinutes(buildTimeout: settings.timeout),
            name: record?.name ?? "NAME"
        )
        // Slurm's own words about the job (a cancellation, a time limit, a failed node) belong in the build's log.
        if let output = WorkspaceFiles.readText(folder.slurmOutput, limit: 64 * 1024), !output.isEmpty {
            log.say("Slurm's output for job \(jobID ?? "?"):")
            for line in output.split(separator: "\n").suffix(40) { log.say("  " + line) }
        }
        folder.remove()
        switch verdict {
        case .built:
            guard let registered else { return .failed("the build's environment is not in the store") }
            return .built(registered)
        case .failed(let message):
            if result == nil { log.say("failed: \(message)") }
            return .failed(log.masker.mask(message))
        case .neverRan:
            log.say("the job was never submitted; the build is queued again")
            return .cancelled
        }
    }

    /// Runs `body` even when the calling task is cancelled: cancelling a job must not itself be cancelled.
    @discardableResult
    static func outsideCancellation<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
        await Task { await body() }.value
    }

    struct Refusal: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
