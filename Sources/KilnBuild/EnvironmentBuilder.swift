import Foundation
import KilnProtocol
import KilnWorkspace
import Subprocess
import SystemPackage

/// Builds one spec into the environment store with real tools: `uv` when the host has it, else `python -m venv` and
/// pip. The environment is registered (its `complete` marker written) only after everything else succeeded.
public struct EnvironmentBuilder: Sendable {
    public let layout: WorkspaceLayout
    /// The `uv` binary, or nil to use venv and pip.
    public let uv: String?

    public init(layout: WorkspaceLayout, uv: String?) {
        self.layout = layout
        self.uv = uv
    }

    /// Runs the build, streaming every tool's output to `logPath`. Honours task cancellation (the tools are stopped,
    /// their whole process group) and `settings.timeout`. `progress` hears each phase and its counts as they change.
    public func build(
        _ order: BuildOrder,
        interpreter: String,
        settings: WorkspaceSettings,
        logPath: String,
        progress: @escaping BuildProgressHandler = { _ in }
    ) async -> BuildOutcome {
        // Held for the whole build: collection (`kiln gc`, in any process) leaves alone what a locked build uses.
        let lock: FileLock
        do {
            try WorkspaceFiles.makeDirectory(layout.building)
            lock = try await FileLock.acquire(layout.buildLock(order.inputs.key))
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed("cannot take the build lock: \(error)")
        }
        defer { lock.release() }
        let log: BuildLog
        switch BuildLog.open(logPath, settings: settings, name: order.name) {
        case .success(let opened): log = opened
        case .failure(let why): return .failed(why.message)
        }
        let started = ContinuousClock.now
        log.say(
            "build \(order.build) of '\(order.name)', spec sha256 \(order.specSHA256), at \(TOMLText.dateTime(Date()))"
        )
        log.say("python \(order.spec.base.text): \(interpreter)")
        log.say("store key \(order.inputs.key), from these build inputs:")
        for line in order.inputs.rendered.split(separator: "\n") { log.say("  " + line) }
        // A registered environment is never built over: another name with the same inputs may have finished it while
        // this order waited, and rebuilding would run the tools against an environment people already use.
        if let existing = EnvironmentStore.find(order.inputs.key, in: layout) {
            log.say("already built from the same inputs, in \(existing.path): nothing to run")
            log.say("done: \(existing.summary)")
            return .built(existing)
        }
        let reporter = BuildProgressReporter(log: log, handler: progress)
        let outcome = await withTaskGroup(of: BuildOutcome?.self) { group in
            group.addTask {
                await self.run(
                    order,
                    interpreter: interpreter,
                    settings: settings,
                    log: log,
                    progress: reporter,
                    started: started
                )
            }
            group.addTask {
                try? await Task.sleep(for: settings.timeout)
                return Task.isCancelled
                    ? nil
                    : .failed(
                        "the build took longer than the timeout (\(settings.timeout)); raise [build] timeout in workspace.toml if it needs more"
                    )
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .cancelled
        }
        switch outcome {
        case .built(let env): log.say("done: \(env.summary)")
        case .failed(let why): log.say("failed: \(why)")
        case .cancelled: log.say("cancelled")
        }
        if case .built = outcome {} else { await removeUnregistered(order.inputs.key) }
        // A failure's reason is quoted in the status and the journal: no secret of the sources leaves in it.
        if case .failed(let why) = outcome { return .failed(log.masker.mask(why)) }
        return outcome
    }

    private func run(
        _ order: BuildOrder,
        interpreter: String,
        settings: WorkspaceSettings,
        log: BuildLog,
        progress: BuildProgressReporter,
        started: ContinuousClock.Instant
    ) async -> BuildOutcome {
        let key = order.inputs.key
        let path = layout.environment(key)
        let metadata = path + "/" + BuiltEnvironment.metadataFolder
        // What gets installed: the spec's libraries, as written, and the policy's required ones.
        let requirements = (order.spec.libraries + settings.policy.required).map(\.line)
        // A folder without the marker is an earlier build that was interrupted: it is ours, and never used.
        await removeUnregistered(key)
        do {
            try WorkspaceFiles.makeDirectory(layout.environments)
            // The environment is made from the workspace's copy of the interpreter, so hosts without this one can
            // run it; resolving only reads the interpreter's details, from wherever it is.
            let base =
                settings.keepPythons
                ? try await InterpreterStore(layout: layout).base(for: interpreter, log: log) : interpreter
            if let uv {
                log.say("installer: uv (\(uv))")
                let work = layout.building + "/" + key
                try? FileManager.default.removeItem(atPath: work)
                try WorkspaceFiles.makeDirectory(work)
                defer { try? FileManager.default.removeItem(atPath: work) }
                try WorkspaceFiles.writeAtomically(
                    work + "/requirements.in",
                    requirements.joined(separator: "\n") + "\n"
                )
                try WorkspaceFiles.writeAtomically(work + "/inputs.toml", log.masker.mask(order.inputs.rendered))
                let target = UVTarget(
                    uv: uv,
                    base: base,
                    interpreter: interpreter,
                    path: path,
                    work: work,
                    settings: settings
                )
                if let lock = order.lock {
                    try await installLock(lock, into: target, log, progress)
                } else {
                    try await resolveAndInstall(requirements, into: target, log, progress)
                }
            } else {
                log.say("installer: uv was not found on this host; falling back to python -m venv and pip (slower)")
                try await step("create", log) { try await tool(base, ["-m", "venv", path], log) }
                try WorkspaceFiles.makeDirectory(metadata)
                try WorkspaceFiles.writeAtomically(metadata + "/inputs.toml", log.masker.mask(order.inputs.rendered))
                let pip = ["-m", "pip", "install", "--disable-pip-version-check"] + sourceArguments(settings)
                if let lock = order.lock {
                    try WorkspaceFiles.writeAtomically(metadata + "/requirements.lock", lock)
                    try await step("install", log) {
                        let args = ["--require-hashes", "--no-deps", "-r", metadata + "/requirements.lock"]
                        try await tool(path + "/bin/python", pip + args, log)
                    }
                } else if !requirements.isEmpty {
                    let report = metadata + "/pip-report.json"
                    // pip resolves, downloads and installs in one run, and says nothing a count could come from.
                    progress.report(BuildProgress(.installing))
                    try await step("install", log) {
                        try await tool(path + "/bin/python", pip + ["--report", report, "--"] + requirements, log)
                    }
                    do {
                        try WorkspaceFiles.writeAtomically(
                            metadata + "/requirements.lock",
                            try PipReport.lock(fromReportAt: report)
                        )
                    } catch let unreadable as PipReport.Unreadable {
                        throw StepFailure(step: "lock", reason: unreadable.description)
                    }
                } else {
                    try WorkspaceFiles.writeAtomically(
                        metadata + "/requirements.lock",
                        "# written by kiln: the spec names no libraries\n"
                    )
                }
            }
            return try await register(
                order,
                path: path,
                settings: settings,
                started: started,
                log: log,
                progress: progress
            )
        } catch is CancellationError {
            return .cancelled
        } catch let failure as StepFailure {
            return .failed(
                "build \(order.build) failed at '\(failure.step)': \(failure.reason); see logs/build-\(order.build).log"
            )
        } catch {
            return .failed("build \(order.build) failed: \(error); see logs/build-\(order.build).log")
        }
    }

    /// With uv: the environment is created while the lock is resolved, then exactly the lock is installed.
    private func resolveAndInstall(
        _ requirements: [String],
        into target: UVTarget,
        _ log: BuildLog,
        _ progress: BuildProgressReporter
    ) async throws {
        let (uv, base, interpreter, path, work) = (target.uv, target.base, target.interpreter, target.path, target.work)
        let settings = target.settings
        let metadata = path + "/" + BuiltEnvironment.metadataFolder
        // Resolving needs only the base interpreter, whose details uv has cached, so it runs while the environment
        // is created; asking a brand-new venv's python would cost uv a fresh interpreter query. The two run at once,
        // so their tools' output interleaves; their timings follow, in step order.
        log.say("step create and step resolve, at the same time")
        progress.report(BuildProgress(.resolving))
        async let created = step("create", log, alongside: true) {
            try await tool(uv, ["venv", "--python", base, "--no-project", "--quiet", path], log)
        }
        async let resolved = step("resolve", log, alongside: true) {
            try await tool(
                uv,
                [
                    "pip", "compile", "--generate-hashes", "--python", interpreter, "--no-header", "--quiet",
                    "--output-file", "requirements.lock",
                ] + sourceArguments(settings) + ["requirements.in"],
                log,
                in: work
            )
        }
        let (createTook, resolveTook) = try await (created, resolved)
        log.say("step create took \(BuildLog.seconds(createTook))")
        log.say("step resolve took \(BuildLog.seconds(resolveTook))")
        try checkLock(at: work + "/requirements.lock", requirements: requirements)
        try WorkspaceFiles.move(work, to: metadata)
        let pins = Self.pins(inLock: WorkspaceFiles.readText(metadata + "/requirements.lock") ?? "")
        try await step("install", log) {
            try await InstallWatch.around(environment: path, total: pins, log: log, reporter: progress) {
                try await tool(
                    uv,
                    ["pip", "sync", "--python", path + "/bin/python"] + sourceArguments(settings)
                        + [metadata + "/requirements.lock"],
                    log
                )
            }
        }
    }

    /// Where a build with uv installs: the tool, the interpreter the environment is made from and the one resolving
    /// reads, the environment, its scratch folder, and the workspace's package sources.
    private struct UVTarget {
        var uv: String
        var base: String
        var interpreter: String
        var path: String
        var work: String
        var settings: WorkspaceSettings
    }

    /// `kiln build --from-lock` with uv: the environment gets exactly the lock's files, checked by hash, and then
    /// the spec's requirements must already be met by them, with no index to fetch anything else from.
    private func installLock(
        _ lock: [UInt8],
        into target: UVTarget,
        _ log: BuildLog,
        _ progress: BuildProgressReporter
    ) async throws {
        let (uv, base, path, work, settings) = (target.uv, target.base, target.path, target.work, target.settings)
        let metadata = path + "/" + BuiltEnvironment.metadataFolder
        try WorkspaceFiles.writeAtomically(work + "/requirements.lock", lock)
        log.say("installing requirements.lock as it is (--from-lock): nothing is resolved")
        try await step("create", log) {
            try await tool(uv, ["venv", "--python", base, "--no-project", "--quiet", path], log)
        }
        try WorkspaceFiles.move(work, to: metadata)
        let pins = Self.pins(inLock: String(decoding: lock, as: UTF8.self))
        try await step("install", log) {
            try await InstallWatch.around(environment: path, total: pins, log: log, reporter: progress) {
                try await tool(
                    uv,
                    ["pip", "sync", "--require-hashes", "--python", path + "/bin/python"] + sourceArguments(settings)
                        + [metadata + "/requirements.lock"],
                    log
                )
            }
        }
        try await step("check the lock meets the spec", log) {
            try await tool(
                uv,
                [
                    "pip", "install", "--dry-run", "--offline", "--no-index", "--python", path + "/bin/python", "-r",
                    metadata + "/requirements.in",
                ],
                log
            )
        }
    }

    /// A resolved lock must pin something for every requirement; an empty or unreadable one fails the build
    /// rather than being installed as "nothing".
    private func checkLock(at lockPath: String, requirements: [String]) throws {
        guard !requirements.isEmpty else { return }
        guard case .success(let bytes) = WorkspaceFiles.readFile(lockPath, limit: 16 * 1024 * 1024) else {
            throw StepFailure(step: "resolve", reason: "the resolver wrote no requirements.lock")
        }
        if let problem = LockFile.problem(bytes, path: "requirements.lock") {
            throw StepFailure(step: "resolve", reason: "the resolver's lock is not usable: \(problem)")
        }
    }

    /// The last steps of every build: every library imports, pip refuses to run, and the `complete` marker
    /// registers the environment.
    private func register(
        _ order: BuildOrder,
        path: String,
        settings: WorkspaceSettings,
        started: ContinuousClock.Instant,
        log: BuildLog,
        progress: BuildProgressReporter
    ) async throws -> BuildOutcome {
        let metadata = path + "/" + BuiltEnvironment.metadataFolder
        // Installed is not yet usable: every library the spec names, and every one the policy adds, must import.
        progress.report(BuildProgress(.verifying))
        let libraries = (order.spec.libraries + settings.policy.required).map(\.name)
        let imported = libraries.filter { !settings.skipImportCheck.contains($0) }
        let verified = VerifiedLocks(layout: layout)
        let record: String? =
            if case .success(let lock) = WorkspaceFiles.readFile(metadata + "/requirements.lock", limit: 16 << 20) {
                VerifiedLocks.key(python: order.inputs.python, lock: lock, libraries: imported)
            } else {
                nil
            }
        if let record, let earlier = verified.earlier(record) {
            log.say(
                "step verify: this requirements.lock, on Python \(order.inputs.python), imported every library before "
                    + "(\(earlier)): not imported again"
            )
        } else {
            try await step("verify", log) {
                let check = ImportCheck(python: path + "/bin/python")
                let failure = try await check.run(libraries, skipping: settings.skipImportCheck, log: log.say) {
                    progress.report(BuildProgress(.verifying, done: $0, total: $1))
                }
                if let failure { throw failure }
            }
            if let record {
                verified.remember(record, "build \(order.build) of '\(order.name)', \(TOMLText.dateTime(Date()))")
            }
        }
        try Task.checkCancellation()
        // Before registration: a build interrupted here has no `complete` marker and is never used.
        try PipGuard.write(into: path + "/bin", version: order.spec.base)
        log.say(
            PipGuard.names(for: order.spec.base).joined(separator: ", ")
                + " in bin/ refuse to run: the environment changes only through its spec"
        )
        try WorkspaceFiles.writeAtomically(metadata + "/spec.toml", order.specBytes)
        let count = Self.pins(inLock: WorkspaceFiles.readText(metadata + "/requirements.lock") ?? "")
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let summary = String(format: "built in %.1f s: %d distribution%@", seconds, count, count == 1 ? "" : "s")
        // Registration: the last write of a build.
        try WorkspaceFiles.writeAtomically(metadata + "/complete", summary + "\n")
        return .built(
            BuiltEnvironment(
                key: order.inputs.key,
                path: path,
                python: path + "/bin/python",
                summary: summary
            )
        )
    }

    /// The daemon writes only inside the workspace (protocol section 5), so the tools' caches live in
    /// `.kiln/cache/` unless the host's environment names one; on the same file system as `.kiln/envs/`, uv can
    /// also link from its cache instead of copying.
    private var toolEnvironment: [Environment.Key: String?] {
        let host = ProcessInfo.processInfo.environment
        var env: [Environment.Key: String?] = ["UV_PYTHON_DOWNLOADS": "never", "PIP_NO_INPUT": "1", "NO_COLOR": "1"]
        if host["UV_CACHE_DIR"] == nil { env["UV_CACHE_DIR"] = layout.kiln + "/cache/uv" }
        if host["PIP_CACHE_DIR"] == nil { env["PIP_CACHE_DIR"] = layout.kiln + "/cache/pip" }
        return env
    }

    /// The distributions a lock pins: one `name==version` line each (hashes and comments are indented or `#`).
    static func pins(inLock lock: String) -> Int {
        lock.split(separator: "\n").filter { $0.contains("==") && !$0.hasPrefix("#") && !$0.hasPrefix(" ") }.count
    }

    /// Where packages come from, per `workspace.toml`.
    private func sourceArguments(_ settings: WorkspaceSettings) -> [String] { settings.installerSourceArguments }

    /// Removes the store's folder for `key` unless a build registered it: a failed or interrupted build's half
    /// environment, often thousands of files, removed on a thread of its own.
    private func removeUnregistered(_ key: String) async {
        let path = layout.environment(key)
        guard WorkspaceFiles.kind(path) == .directory, EnvironmentStore.find(key, in: layout) == nil else { return }
        await OwnThread.run("kiln-remove") { try? FileManager.default.removeItem(atPath: path) }
    }

    private struct StepFailure: Error {
        var step: String
        var reason: String
    }

    /// Runs one step and returns how long it took. A step on its own says when it starts and how long it took; one
    /// running `alongside` another leaves both lines to its caller, which writes them in step order.
    @discardableResult
    private func step(
        _ name: String,
        _ log: BuildLog,
        alongside: Bool = false,
        _ body: () async throws -> Void
    ) async throws -> Duration {
        try Task.checkCancellation()
        let offset = log.size
        if !alongside { log.say("step \(name)") }
        let started = ContinuousClock.now
        do {
            try await body()
        } catch let exit as ToolExit {
            log.say("step \(name) failed after \(BuildLog.seconds(ContinuousClock.now - started))")
            let reason = log.failureReason(since: offset)
            throw StepFailure(step: name, reason: reason.isEmpty ? exit.description : reason)
        } catch let failure where failure is ImportFailure || failure is ImportCheckError {
            log.say("step \(name) failed after \(BuildLog.seconds(ContinuousClock.now - started))")
            throw StepFailure(step: name, reason: "\(failure)")
        }
        let took = ContinuousClock.now - started
        if !alongside { log.say("step \(name) took \(BuildLog.seconds(took))") }
        return took
    }

    private struct ToolExit: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs a tool with arguments (never a shell line), its output going straight to the log. The tool gets its own
    /// session, so a cancel stops it and everything it started.
    private func tool(
        _ executable: String,
        _ arguments: [String],
        _ log: BuildLog,
        in directory: String? = nil
    ) async throws {
        log.say("$ " + ([executable] + arguments).map(shellQuoted).joined(separator: " "))
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(3))]
        // The tool gets the real sources; only what it prints is masked.
        let result = try await log.withToolOutput { output in
            try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: .inherit.updating(toolEnvironment),
                workingDirectory: directory.map { FilePath($0) },
                platformOptions: options,
                output: .fileDescriptor(output, closeAfterSpawningProcess: false),
                error: .fileDescriptor(output, closeAfterSpawningProcess: false)
            )
        }
        try Task.checkCancellation()
        guard result.terminationStatus.isSuccess else {
            throw ToolExit(
                description: "\((executable as NSString).lastPathComponent) ended with \(result.terminationStatus)"
            )
        }
    }
}

/// Quotes an argument for a POSIX shell: the log shows commands a reader can paste, and a Slurm job's script (the
/// only shell script Kiln writes, for `sbatch`) runs them. Kiln never runs a tool through a shell itself.
public func shellQuoted(_ s: String) -> String {
    if !s.isEmpty && s.allSatisfy({ $0.isLetter || $0.isNumber || "-_./=:@+,".contains($0) }) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

extension WorkspaceSettings {
    /// Where packages come from, per `workspace.toml`, as uv's and pip's arguments: every build, and every
    /// `kiln export`, installs from the same sources.
    public var installerSourceArguments: [String] {
        var args: [String] = []
        for link in findLinks { args += ["--find-links", link] }
        if noIndex {
            args.append("--no-index")
        } else if let indexURL {
            args += ["--index-url", indexURL]
        }
        if onlyBinary { args += ["--only-binary", ":all:"] }
        return args
    }
}
