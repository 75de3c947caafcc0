import Foundation
import KilnBuild
import KilnProtocol
import KilnWeb
import KilnWorkspace
import KilnWatch
import Logging
import ServiceLifecycle

/// `kiln serve`: takes the workspace lock, reconciles everything on disk, then watches, rescans and builds until
/// SIGTERM or SIGINT, when builds are stopped and the lock released. With an HTTP address (`http`, else
/// `[http] listen`), it also serves the read-only web view and `/metrics` (KilnWeb) until then.
public enum Server {
    public static func run(root: String, http: HTTPListen? = nil, logger unmasked: Logger) async throws {
        var logger = unmasked
        let layout = WorkspaceLayout(root: root)
        guard WorkspaceFiles.kind(layout.root) == .directory else {
            throw DaemonError.notAWorkspace("\(root) is not a directory; create a workspace with `kiln init \(root)`")
        }
        for stage in Stage.allCases where WorkspaceFiles.kind(layout.folder(stage)) != .directory {
            throw DaemonError.notAWorkspace(
                "\(layout.folder(stage)) is missing, so \(root) is not a Kiln workspace; run `kiln init \(root)` to add what is missing"
            )
        }
        for folder in [
            layout.kiln, layout.environments, layout.requests, layout.archive, layout.scratch, layout.building,
        ] {
            do {
                try WorkspaceFiles.makeDirectory(folder)
            } catch {
                throw DaemonError.cannotStart("\(error); the daemon needs to write inside \(layout.kiln)")
            }
        }
        let lock = try WorkspaceLock(layout: layout)
        let settings = try Daemon.loadSettings(layout)
        let secrets = SecretsInUse(settings)
        logger = MaskingLogHandler.masking(unmasked, with: secrets)
        // Metrics go to Prometheus's registry only when something serves them; before any is recorded.
        let listen = http ?? settings.httpListen
        let registry = listen.map { _ in KilnMetrics.bootstrap() }
        let pythons = PythonFinder().interpreters(overrides: settings.pythons)
        // Asked while the watcher walks the tree: each interpreter is a process start, and the walk is disk work.
        let asking = Task { await InterpreterVersion.exact(of: pythons) }
        let builder = EnvironmentBuilder(layout: layout, uv: ToolFinder().uv())
        let (jobs, jobsContinuation) = AsyncStream.makeStream(of: BuildJob.self)
        let versions = PythonFinder.sortedVersions(pythons.keys)
        logger.info(
            "serving \(layout.root)",
            metadata: [
                "pythons": "\(versions.joined(separator: ", "))",
                "uv": "\(builder.uv ?? "not found: builds use python -m venv and pip")",
                "builds": "\(settings.executor == .slurm ? "as Slurm jobs" : "on this host")",
            ]
        )

        // Decided once, here: `rescan_interval` applies at the next start (protocol section 6).
        let fileSystem = FileSystemProbe.kind(of: layout.root)
        if case .failure(let error) = fileSystem {
            logger.warning("\(error); the safety rescan takes the workspace for a network mount")
        }
        let rescan = RescanChoice.choose(settings.rescanInterval, fileSystem: try? fileSystem.get())
        logger.info("\(rescan.reason)")
        // Said at once, not at the first move that fails: a folder this user cannot write stops its work there.
        if var permissions = WorkspacePermissions.current(of: layout) {
            permissions.daemon = .init(id: geteuid(), name: FileOwner.userName(geteuid()))
            for folder in Stage.allCases.map({ layout.folder($0) }) + [layout.kiln, layout.requests] {
                if let why = permissions.daemonCannotWrite(folder, in: layout) { logger.error("\(why)") }
            }
        }

        let watcher = WorkspaceWatcher(
            configuration: WatchConfiguration(
                root: layout.root,
                stages: Stage.allCases.map(\.rawValue),
                requestsFolder: ".kiln/requests",
                interestingFiles: WorkspaceLayout.watchedFiles
            )
        )
        do {
            try await watcher.start()
        } catch {
            throw DaemonError.cannotStart("\(error)")
        }
        let daemon = Daemon(
            layout: layout,
            settings: settings,
            pythons: pythons,
            interpreterVersions: await asking.value,
            logger: logger,
            buildJobs: jobsContinuation,
            secrets: secrets
        )

        // Slurm jobs an earlier run submitted are followed again before the first look, which then finds them
        // running rather than interrupted.
        await daemon.resumeJobs()

        let schedule = RescanSchedule(interval: rescan.interval)
        let checkRoot: @Sendable () throws(DaemonError) -> Void = { () throws(DaemonError) in try lock.checkRoot() }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(
                service: WatchService(
                    watcher: watcher,
                    daemon: daemon,
                    schedule: schedule,
                    logger: logger,
                    checkRoot: checkRoot
                ),
                // A replaced root stops the daemon the way SIGTERM does: builds stopped, then the exit.
                failureTerminationBehavior: .gracefullyShutdownGroup
            ),
            .init(
                service: RescanService(
                    daemon: daemon,
                    schedule: schedule,
                    logger: logger,
                    watches: { watcher.watchCount },
                    checkRoot: checkRoot
                ),
                failureTerminationBehavior: .gracefullyShutdownGroup
            ),
            .init(
                service: BuildService(
                    daemon: daemon,
                    builder: builder,
                    slurm: SlurmBuilder(layout: layout, uv: builder.uv),
                    jobs: jobs
                )
            ),
            .init(
                service: CollectionService(
                    daemon: daemon,
                    collection: CollectionRunner(
                        collector: Collector(layout: layout, uv: builder.uv),
                        logger: logger
                    ),
                    firstRun: CollectionService.firstRunDelay(),
                    interval: .seconds(24 * 3600)
                )
            ),
        ]
        if let listen, let registry {
            services.append(
                .init(
                    service: WebService(
                        listen: listen,
                        layout: layout,
                        registry: registry,
                        mask: { secrets.mask($0) },
                        watches: { watcher.watchCount },
                        logger: logger
                    ),
                    // A port that is taken stops the daemon as SIGTERM does, saying so: the view was asked for.
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            )
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        do {
            try await group.run()
        } catch let error as DaemonError {
            logger.error("\(error)")
            throw error
        } catch let error as WebServiceError {
            logger.error("\(error)")
            throw DaemonError.cannotStart(error.description)
        }
        withExtendedLifetime(lock) {}
        logger.info("stopped")
    }
}
