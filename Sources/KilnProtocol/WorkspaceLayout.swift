/// Every path in a workspace, in one place (protocol section 1).
public struct WorkspaceLayout: Sendable, Equatable {
    /// The workspace's absolute path, without a trailing slash.
    public let root: String

    public init(root: String) {
        var r = root
        while r.count > 1 && r.hasSuffix("/") { r.removeLast() }
        self.root = r
    }

    public func folder(_ stage: Stage) -> String { root + "/" + stage.rawValue }
    public func directory(_ location: CopyLocation) -> String { root + "/" + location.description }
    public func spec(_ location: CopyLocation) -> String { directory(location) + "/spec.toml" }
    public func status(_ location: CopyLocation) -> String { directory(location) + "/status" }
    public func review(_ location: CopyLocation) -> String { directory(location) + "/review" }
    public func lock(_ location: CopyLocation) -> String { directory(location) + "/requirements.lock" }
    /// † What a submission would change against the published version, written by the daemon in pending/.
    public func changes(_ location: CopyLocation) -> String { directory(location) + "/changes" }
    public func logs(_ location: CopyLocation) -> String { directory(location) + "/logs" }
    public func log(_ location: CopyLocation, build: Int) -> String { logs(location) + "/build-\(build).log" }

    public var settingsFile: String { root + "/workspace.toml" }
    /// The daemon's own folder.
    public var kiln: String { root + "/.kiln" }
    /// Built environments, one folder per store key (`BuildInputs.key`).
    public var environments: String { kiln + "/envs" }
    public func environment(_ key: String) -> String { environments + "/" + key }
    /// Locks whose libraries imported on an interpreter, so a rebuild of the same lock skips the import check.
    public var verifiedLocks: String { kiln + "/verified" }
    public func verifiedLock(_ key: String) -> String { verifiedLocks + "/" + key }
    /// Approved specs, by their SHA-256: what an edited published spec is restored to.
    public var keptSpecs: String { kiln + "/specs" }
    public func keptSpec(_ sha256: String) -> String { keptSpecs + "/" + sha256 }
    /// Files that ask the daemon to build a name (`kiln build`), so a request works from any host.
    public var requests: String { kiln + "/requests" }
    public func request(_ name: String) -> String { requests + "/" + name }
    /// Published versions that a newer approval replaced, kept for a rollback.
    public var archive: String { kiln + "/archive" }
    /// Copies of the base interpreters builds use, one folder per installation, so that every host that mounts the
    /// workspace can run its environments.
    public var pythons: String { kiln + "/pythons" }
    /// Where a build resolves its lock before its environment folder exists.
    public var building: String { kiln + "/building" }
    /// Held by a build from its start to its end, so a collection (in any process on the host) leaves alone what
    /// it works on.
    public func buildLock(_ key: String) -> String { building + "/" + key + ".lock" }
    /// Held by a collection while it runs: one at a time.
    public var collectionLock: String { kiln + "/gc.lock" }
    /// Scratch space for moves that must happen in two steps.
    public var scratch: String { kiln + "/tmp" }
    /// Where a new published version waits during a replacement (and what a crash there leaves behind).
    public func scratch(_ name: String) -> String { scratch + "/" + name }
    /// The folder to put in `JUPYTER_PATH`: the daemon keeps a kernelspec for every published environment below it.
    public var jupyter: String { kiln + "/jupyter" }
    public var kernels: String { jupyter + "/kernels" }
    /// The kernelspec folder of a published environment, named as the environment is.
    public func kernel(_ name: String) -> String { kernels + "/" + name }
    public func kernelJSON(_ name: String) -> String { kernel(name) + "/kernel.json" }
    public var journal: String { kiln + "/journal.jsonl" }
    public var daemonLock: String { kiln + "/daemon.lock" }
    /// † One folder per build running as a Slurm job (`[build] executor = "slurm"`): what the job builds, and what it
    /// reports back. The daemon's record of its jobs: it finds them again here after a restart.
    public var jobs: String { kiln + "/jobs" }
    /// The folder of build `build` of `name` as a Slurm job.
    public func job(_ name: String, build: Int) -> String { jobs + "/\(name).\(build)" }
    /// † What a Slurm node runs a build with, copied from the daemon's host: `kiln` with its libraries, and `uv`.
    public var tools: String { kiln + "/tools" }

    /// The files inside an environment directory whose changes the daemon must look at.
    public static let watchedFiles: Set<String> = ["spec.toml", "review"]
}
