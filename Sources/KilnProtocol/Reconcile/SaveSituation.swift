/// Where a copy in `saved/` stands (protocol rules 1 and 2), from its spec, its status and the daemon's builds.
enum SaveSituation: Equatable {
    /// The directory's name breaks the naming rule.
    case badName(String)
    /// The spec is invalid, or names a library the workspace's policy forbids; the message names the file, the
    /// line and what is wrong.
    case invalid(String)
    /// `kiln build --from-lock` asked for a lock that is missing or is not one.
    case lockRefused(String)
    /// A build of exactly this spec is queued or running.
    case building(ActiveBuild)
    /// What this spec builds is in the store already (its own build just finished, or an earlier one, of this spec
    /// or of another with the same build inputs).
    case alreadyBuilt(BuiltEnvironment, hash: String)
    /// Its build just failed.
    case failed(BuildFailure)
    /// Its status already says its build failed, and nobody asked for a retry.
    case failedEarlier
    /// `on_save = "wait"`: a valid save rests until `kiln build`.
    case restingUntilAsked(hash: String)
    /// It needs a build.
    case needsBuild(BuildOrder)

    var isBuilding: Bool {
        if case .building = self { true } else { false }
    }

    static func classify(_ copy: EnvironmentCopy, context: ReconcileContext) -> SaveSituation {
        let name = copy.location.name
        if let problem = EnvironmentName.problem(with: name) { return .badName(problem) }
        let path = copy.location.description + "/spec.toml"
        let parsed = Spec.parse(copy.spec, path: path, directoryName: name, pythons: context.pythons)
        let spec: Spec
        switch parsed {
        case .success(let s): spec = s
        case .failure(let problem): return .invalid(problem.description)
        }
        guard case .contents(let bytes) = copy.spec else { return .invalid("spec.toml cannot be read") }
        let hash = SHA256Hex.of(bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        if let problem = context.settings.policy.problem(with: spec, text: text, path: path) {
            return .invalid(problem.description)
        }
        var lock: [UInt8]?
        if context.buildRequest == .fromLock {
            let lockPath = copy.location.description + "/requirements.lock"
            guard let saved = context.savedLock else {
                return .lockRefused(
                    "`kiln build \(name) --from-lock` found no \(lockPath) to install: put the lock there, or run "
                        + "`kiln build \(name)` to resolve the spec anew"
                )
            }
            if let problem = LockFile.problem(saved, path: lockPath) {
                return .lockRefused("`kiln build \(name) --from-lock` cannot use the lock: \(problem)")
            }
            lock = saved
        }
        let inputs = context.inputs(for: spec, lock: lock)
        // A build of this spec that resolves is not what `--from-lock` asked for: it is cancelled for the lock's.
        let active = context.activeBuild.flatMap { $0.specSHA256 == hash && (lock == nil || $0.fromLock) ? $0 : nil }
        // Running, or waiting to install a lock: a resolved build in the store is no substitute for the lock asked for.
        if let active, active.started || active.fromLock { return .building(active) }
        // Checked before a queued build: another name with the same inputs may have built it meanwhile, and then the
        // queued build is not needed (`save` cancels it). The lock in the folder, built exactly (`--from-lock`),
        // comes first: it is what the copy says it holds.
        let lockBuild = context.savedLock.flatMap {
            lock == nil ? context.built[context.inputs(for: spec, lock: $0).key] : nil
        }
        if let done = lockBuild ?? context.built[inputs.key] { return .alreadyBuilt(done, hash: hash) }
        if let active { return .building(active) }
        if let failure = context.failure, failure.specSHA256 == hash, !context.buildRequested {
            return .failed(failure)
        }
        // A status carried in from another folder says nothing about this save, except how many builds there were.
        let previous = copy.status?.stage == .saved ? copy.status : nil
        let sameSpec = previous?.specSHA256 == hash
        if sameSpec, previous?.state == .failed, !context.buildRequested { return .failedEarlier }
        // Queued or building when the daemon stopped: it is queued again whatever `on_save` says.
        let interrupted = sameSpec && (previous?.state == .queued || previous?.state == .building)
        if context.settings.onSave == .wait && !context.buildRequested && !interrupted {
            return .restingUntilAsked(hash: hash)
        }
        let order = BuildOrder(
            name: name,
            specSHA256: hash,
            build: (copy.status?.build ?? 0) + 1,
            spec: spec,
            specBytes: bytes,
            inputs: inputs,
            lock: lock
        )
        return .needsBuild(order)
    }
}
