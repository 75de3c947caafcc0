import Foundation
import KilnBuild
import KilnProtocol
import KilnWeb
import KilnWorkspace
import Logging
import Metrics
import Synchronization

/// The daemon's single owner of mutable state: which names are waiting to settle, which builds are queued and
/// running. Everything else it reads from disk each time, and hands to `Reconciler.decide`.
///
/// It runs on a thread of its own (`DedicatedThreadExecutor`): its work is disk work, and must not block Swift's
/// cooperative pool.
public actor Daemon {
    public let layout: WorkspaceLayout
    let reader: WorkspaceReader
    let journal: Journal
    let logger: Logger
    /// The package sources' secrets, masked in every failure message the daemon keeps and in its log.
    let secrets: SecretsInUse
    var settings: WorkspaceSettings
    var pythons: [String: String]
    /// `X.Y` -> the exact version of `pythons[X.Y]`: a build input.
    var interpreterVersions: [String: String]
    /// Names seen on disk, so a removal can be recorded. Rebuilt from disk on start.
    var known: Set<String> = []
    /// Names the journal last saw somewhere (`recallJournal`), until the first look at each: one it finds gone
    /// was removed while the daemon was not running.
    var journalOnly: Set<String> = []
    /// Names whose last journal entry is a removal: read at start, kept up to date with every entry written. A copy
    /// of one found on disk came back (moved out of the workspace and in again), and its return is recorded.
    var recordedRemoved: Set<String> = []
    /// Per-name debounce: a change is acted on once the name has been quiet for `settings.settle`.
    var settling: [String: Task<Void, Never>] = [:]
    var rescanPending: Task<Void, Never>?
    /// Builds waiting for a slot, oldest first.
    var queue: [BuildOrder] = [] {
        didSet { if queue.count != oldValue.count { Gauge(label: KilnMetrics.queueLength).record(queue.count) } }
    }
    /// Builds handed to `BuildService`, by name.
    var running: [String: RunningBuild] = [:] {
        didSet { if running.count != oldValue.count { Gauge(label: KilnMetrics.buildsRunning).record(running.count) } }
    }
    /// The last failed build of a name, until its status says so.
    var failures: [String: BuildFailure] = [:]
    /// Names whose last look found nothing to do, with the fingerprint of their files then. A rescan skips a name
    /// whose fingerprint is unchanged; any event, and any change of settings or interpreters, looks in full.
    /// A cache of the disk, so it starts empty and is rebuilt by looking.
    var quiet: [String: [Int]] = [:]
    var storeStamp: [Int] = []
    /// The store's answers during one full look, by key: 10,000 names that share a build would otherwise read its
    /// `complete` file 10,000 times. A look takes the store as it was at the first question about each key, as if
    /// it had read it a moment earlier; nil outside a full look.
    var storeSeen: [String: BuiltEnvironment?]?

    /// Set from any thread once shutdown begins: long walks stop between two names, and no build starts.
    private nonisolated let stopRequested = Atomic<Bool>(false)
    nonisolated var stopping: Bool { stopRequested.load(ordering: .relaxed) }

    let buildJobs: AsyncStream<BuildJob>.Continuation
    private let executor = DedicatedThreadExecutor(name: "kiln-daemon")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    struct RunningBuild {
        var order: BuildOrder
        var cancellation: BuildCancellation
        /// What the build last said it is doing.
        var progress = LatestProgress()
        /// The progress the status was last decided with, and when: a new phase is shown at once, new counts at
        /// most once a second (`progressed`).
        var shown: (progress: BuildProgress?, at: ContinuousClock.Instant)?
        /// A look at the name, waiting for the second to pass.
        var showLater: Task<Void, Never>?
        /// † The Slurm job running it, once Slurm has given its id.
        var slurmJob: SlurmJobSeen?

        init(
            order: BuildOrder,
            cancellation: BuildCancellation,
            progress: LatestProgress,
            slurmJob: SlurmJobSeen? = nil
        ) {
            self.order = order
            self.cancellation = cancellation
            self.progress = progress
            self.slurmJob = slurmJob
        }
    }

    /// `buildJobs` is where builds go once they may start; `BuildService` runs them.
    init(
        layout: WorkspaceLayout,
        settings: WorkspaceSettings,
        pythons: [String: String],
        interpreterVersions: [String: String],
        logger: Logger,
        buildJobs: AsyncStream<BuildJob>.Continuation,
        secrets: SecretsInUse? = nil
    ) {
        self.secrets = secrets ?? SecretsInUse(settings)
        self.layout = layout
        reader = WorkspaceReader(layout: layout)
        journal = Journal(layout: layout)
        self.logger = logger
        self.settings = settings
        self.pythons = pythons
        self.interpreterVersions = interpreterVersions
        self.buildJobs = buildJobs
    }

    /// Reads the settings file; a missing file means every default.
    public static func loadSettings(_ layout: WorkspaceLayout) throws(DaemonError) -> WorkspaceSettings {
        do {
            return try WorkspaceSettings.read(layout)
        } catch {
            throw .badSettings(error.description)
        }
    }

    /// Stops long walks and new builds; called when shutdown begins, from any thread.
    nonisolated func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    // MARK: hints

    /// Something changed about `name`: look again once it has been quiet for the settle time (or `after`).
    public func changed(_ name: String, after: Duration? = nil) {
        // Dot-entries (an editor's or a VCS's) and Finder's and Explorer's files are never environments.
        guard !stopping, !name.hasPrefix("."), !name.isEmpty, !ClientLitter.contains(name) else { return }
        settling[name]?.cancel()
        let settle = after ?? settings.settle
        settling[name] = Task {
            // No tolerance: the settle time is the whole of the wait a user sees before Kiln reacts.
            try? await Task.sleep(until: .now + settle, tolerance: .zero, clock: .continuous)
            guard !Task.isCancelled else { return }
            self.settled(name)
        }
    }

    private func settled(_ name: String) {
        settling[name] = nil
        reconcile(name)
        startBuilds()
    }

    /// The watcher lost track: look at everything, once things are quiet.
    public func rescanSoon(reason: String) {
        guard !stopping, rescanPending == nil else { return }
        logger.info("rescanning the workspace", metadata: ["reason": "\(reason)"])
        let settle = settings.settle
        rescanPending = Task {
            try? await Task.sleep(for: settle)
            self.rescanPending = nil
            self.reconcileAll()
        }
    }

    // MARK: reconciling

    /// Finds the host's interpreters again (one may have been installed or upgraded), asking each new one for its
    /// exact version. Called before each periodic look; the interpreters run off this actor's thread.
    public func refreshInterpreters() async {
        let found = PythonFinder().interpreters(overrides: settings.pythons)
        guard found != pythons else { return }
        let versions = await InterpreterVersion.exact(of: found)
        // Another refresh may have finished while this one waited for the interpreters.
        guard found != pythons else { return }
        pythons = found
        interpreterVersions = versions
        quiet.removeAll()
    }

    /// Looks at every environment on disk: on start, on each periodic rescan, and whenever events cannot be trusted.
    /// Builds it queued start once the whole look is over.
    public func reconcileAll() {
        guard !stopping else { return }
        let started = ContinuousClock.now
        if let fresh = try? Daemon.loadSettings(layout), fresh != settings {
            logger.info("workspace.toml changed; using the new settings")
            settings = fresh
            secrets.add(fresh)
            quiet.removeAll()
        }
        // A build registered or removed in the store can change what a draft or published copy should be.
        let store = WorkspaceFiles.stamp(layout.environments)
        if store != storeStamp {
            storeStamp = store
            quiet.removeAll()
        }
        var names = reader.names().union(known).union(journalOnly).union(running.keys).union(queue.map(\.name))
        names.formUnion(WorkspaceFiles.list(layout.requests).filter { !$0.hasPrefix(".") })
        names.formUnion(WorkspaceFiles.list(layout.scratch).filter { !$0.hasPrefix(".") })
        // A kernelspec left for a name removed while the daemon was down.
        names.formUnion(WorkspaceFiles.list(layout.kernels).filter { !$0.hasPrefix(".") })
        // The benchmarks read this: a full look has begun.
        logger.debug("looking at every environment", metadata: ["names": "\(names.count)"])
        storeSeen = [:]
        defer { storeSeen = nil }
        var skipped = 0
        var looked = 0
        for name in names.sorted() {
            if stopping {
                logger.info(
                    "stopped looking: shutting down",
                    metadata: ["looked": "\(looked)", "names": "\(names.count)"]
                )
                return
            }
            looked += 1
            if let stamp = quiet[name], stamp == reader.stamp(of: name) {
                skipped += 1
                continue
            }
            reconcile(name)
        }
        Metrics.Timer(label: KilnMetrics.rescanDuration).record(since: started)
        // The benchmarks read this: what one full look costs.
        logger.debug(
            "looked at every environment",
            metadata: [
                "names": "\(names.count)", "unchanged": "\(skipped)", "took": "\(ContinuousClock.now - started)",
            ]
        )
        startBuilds()
    }

    /// Decides and acts for one name until the decision is "nothing to do". Never starts a build: the caller does,
    /// once its pass is over (`startBuilds`).
    func reconcile(_ name: String) {
        guard !stopping else { return }
        let started = ContinuousClock.now
        defer { Metrics.Timer(label: KilnMetrics.reconcileDuration).record(since: started) }
        quiet[name] = nil
        for _ in 0..<8 {
            let stamp = reader.stamp(of: name)
            let copies = reader.copies(of: name)
            if removalMayBeUnderWay(copies) {
                changed(name, after: Self.removalQuiet)
                return
            }
            let actions = Reconciler.decide(name: name, copies: copies, context: context(for: name, copies: copies))
            if copies.isEmpty { known.remove(name) } else { known.insert(name) }
            journalOnly.remove(name)
            if actions.isEmpty {
                // Only a settled name is cached: one with a build queued, running or just failed is looked at in full.
                if running[name] == nil, failures[name] == nil, !queue.contains(where: { $0.name == name }) {
                    quiet[name] = stamp
                }
                return
            }
            for action in actions where !perform(action) {
                // The rest of this decision assumed that step; the next event or rescan decides again from disk.
                return
            }
        }
        logger.warning("\(name): still changing after 8 rounds; the next event or rescan looks again")
    }

    /// How long a directory that lost its spec.toml must stay unchanged before it is decided about.
    static let removalQuiet: Duration = .seconds(1)

    /// A directory whose spec.toml is gone and that changed within `removalQuiet` is most likely being removed:
    /// `rm -rf` deletes what is inside first, and on a busy host or a network mount it can pause between two files for
    /// longer than the settle time. Deciding then would move the half-removed directory back to saved/, or write a
    /// status or a restored spec into it, and the removal would fail. Such a name is looked at again once the
    /// directory has been quiet that long (or is gone).
    func removalMayBeUnderWay(_ copies: [EnvironmentCopy]) -> Bool {
        copies.contains { copy in
            guard !copy.isSymlink, case .missing = copy.spec,
                let age = WorkspaceFiles.age(layout.directory(copy.location))
            else { return false }
            return age < Self.removalQuiet
        }
    }

    /// Everything `decide` needs beyond the copies, read now.
    func context(for name: String, copies: [EnvironmentCopy]) -> ReconcileContext {
        var context = ReconcileContext(
            settings: settings,
            pythons: Set(pythons.keys),
            interpreterVersions: interpreterVersions,
            now: Date()
        )
        switch readRequest(name) {
        case .build(let request): context.buildRequest = request
        case .rollback(let request): context.rollbackRequest = request
        case nil: break
        }
        // Only a saved copy's lock is ever installed as it is, or looked up in the store.
        if copies.contains(where: { $0.location == CopyLocation(.saved, name) }),
            case .success(let bytes) = WorkspaceFiles.readFile(
                layout.lock(CopyLocation(.saved, name)),
                limit: 16 * 1024 * 1024
            )
        {
            context.savedLock = bytes
        }
        for key in context.storeKeys(for: copies) {
            context.built[key] = registeredBuild(key)
        }
        context.submission = submissionFiles(name, copies: copies, context: context)
        let published = copies.first(where: { $0.location == CopyLocation(.published, name) })
        // Only an edited published spec needs the approved bytes.
        if let published, let approved = published.status?.specSHA256, published.specSHA256 != approved {
            context.approvedSpec = EnvironmentStore.approvedSpec(
                approved,
                built: context.build(namedBy: published.status),
                in: layout
            )
        }
        // A published copy whose build is not in the store: approved here (and its build removed by hand), or
        // copied in from another workspace, status and all?
        if let status = published?.status, let spec = status.specSHA256, context.build(namedBy: status) == nil {
            context.publishedApprovedHere = WorkspaceFiles.kind(layout.keptSpec(spec)) == .file
        }
        // Only a published copy's build is looked at for ipykernel: its lock is read, not the environment.
        if let published, let done = context.build(namedBy: published.status),
            let lock = WorkspaceFiles.readText(done.lock, limit: 16 * 1024 * 1024)
        {
            context.publishedHasIPykernel = KernelSpec.lockHasIPykernel(lock)
        }
        var kernelspec: [UInt8]?
        if case .success(let bytes) = WorkspaceFiles.readFile(layout.kernelJSON(name), limit: 1024 * 1024) {
            kernelspec = bytes
        }
        let active: ActiveBuild? =
            if let build = running[name] {
                ActiveBuild(
                    specSHA256: build.order.specSHA256,
                    build: build.order.build,
                    started: true,
                    fromLock: build.order.lock != nil,
                    progress: build.progress.current,
                    slurmJob: build.slurmJob
                )
            } else if let order = queue.first(where: { $0.name == name }) {
                ActiveBuild(
                    specSHA256: order.specSHA256,
                    build: order.build,
                    started: false,
                    fromLock: order.lock != nil
                )
            } else {
                nil
            }
        context.activeBuild = active
        context.failure = failures[name]
        context.interruptedReplacement = reader.interruptedReplacement(of: name)
        context.acquaintance =
            known.contains(name) ? .seenOnDisk : journalOnly.contains(name) ? .journalOnly : nil
        context.kernelspec = kernelspec
        context.recordedRemoved = recordedRemoved.contains(name)
        return context
    }

    /// The store's build for `key`, asked once per full look (`storeSeen`), else each time.
    func registeredBuild(_ key: String) -> BuiltEnvironment? {
        if let seen = storeSeen?[key] { return seen }
        let found = EnvironmentStore.find(key, in: layout)
        storeSeen?[key] = .some(found)
        return found
    }

    enum Request {
        case build(BuildRequest)
        case rollback(RollbackRequest)
    }

    /// What `kiln build` or `kiln rollback` asked for in `.kiln/requests/<name>`, if anything: `from_lock = true`
    /// installs the saved copy's lock as it is; `rollback_to` names an archived version. A request file a person
    /// wrote by hand with anything else asks for a plain build.
    func readRequest(_ name: String) -> Request? {
        let path = layout.request(name)
        guard WorkspaceFiles.kind(path) == .file else { return nil }
        let text = WorkspaceFiles.readText(path, limit: 4096) ?? ""
        guard let rollback = RollbackRequestFile.parse(text) else {
            return .build(BuildRequestFile.fromLock(text) ? .fromLock : .resolve)
        }
        // The file's owner asked, whatever it says inside; an admin is whoever may write published/.
        let owner = FileOwner.uid(of: path)
        let version = ArchivedVersions(layout: layout, name: name).version(named: rollback.version)
        return .rollback(
            RollbackRequest(
                version: rollback.version,
                specSHA256: rollback.specSHA256,
                requestedBy: owner.map(FileOwner.userName) ?? "someone",
                mayPublish: owner.map { FileOwner.mayWrite(layout.folder(.published), uid: $0) } ?? false,
                target: version?.status
            )
        )
    }
}
