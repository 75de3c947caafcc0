import Foundation

/// What the daemon knows beyond one name's copies: settings, the host, its own build queue, the environment store,
/// and the time. A decision reads nothing else, so equal contexts give equal decisions.
public struct ReconcileContext: Sendable, Equatable {
    public var settings: WorkspaceSettings
    /// `X.Y` versions this build host has an interpreter for.
    public var pythons: Set<String>
    /// The build queued or running for this name, if any.
    public var activeBuild: ActiveBuild?
    /// The last build of this name failed (and nothing newer has run).
    public var failure: BuildFailure?
    /// Registered builds for the spec hashes the copies mention.
    public var built: [String: BuiltEnvironment]
    /// The exact bytes of the approved spec of `published/<name>`, when its `spec.toml` no longer matches them
    /// (read from the store, so an edited published spec can be restored).
    public var approvedSpec: [UInt8]?
    /// A replacement of the published version that a crash interrupted: a directory left in `.kiln/tmp/<name>`.
    public var interruptedReplacement: InterruptedReplacement?
    /// A `kiln build <name>` request is waiting.
    public var buildRequested: Bool
    /// The daemon had seen this name before: if it is gone, record the removal.
    public var wasKnown: Bool
    /// The bytes of the kernelspec the daemon keeps for the name (`.kiln/jupyter/kernels/<name>/kernel.json`), or
    /// nil when there is none.
    public var kernelspec: [UInt8]?
    /// The build that `published/<name>`'s status names pins ipykernel in its lock: Jupyter can start a kernel in it.
    public var publishedHasIPykernel: Bool
    /// The time every status and journal entry of this decision carries.
    public var now: Date

    public init(
        settings: WorkspaceSettings = WorkspaceSettings(),
        pythons: Set<String>,
        activeBuild: ActiveBuild? = nil,
        failure: BuildFailure? = nil,
        built: [String: BuiltEnvironment] = [:],
        approvedSpec: [UInt8]? = nil,
        interruptedReplacement: InterruptedReplacement? = nil,
        buildRequested: Bool = false,
        wasKnown: Bool = false,
        kernelspec: [UInt8]? = nil,
        publishedHasIPykernel: Bool = false,
        now: Date
    ) {
        self.settings = settings
        self.pythons = pythons
        self.activeBuild = activeBuild
        self.failure = failure
        self.built = built
        self.approvedSpec = approvedSpec
        self.interruptedReplacement = interruptedReplacement
        self.buildRequested = buildRequested
        self.wasKnown = wasKnown
        self.kernelspec = kernelspec
        self.publishedHasIPykernel = publishedHasIPykernel
        self.now = now
    }
}

/// A build the daemon has queued, or started, for a name.
public struct ActiveBuild: Sendable, Equatable {
    public var specSHA256: String
    /// Its attempt number: `logs/build-<build>.log`.
    public var build: Int
    /// The build tools are running (not just waiting for a slot).
    public var started: Bool
    /// What the running build last said it is doing; nil before it has said anything.
    public var progress: BuildProgress?

    public init(specSHA256: String, build: Int, started: Bool, progress: BuildProgress? = nil) {
        self.specSHA256 = specSHA256
        self.build = build
        self.started = started
        self.progress = progress
    }
}

/// How a build ended when it did not succeed.
public struct BuildFailure: Sendable, Equatable {
    public var specSHA256: String
    public var build: Int
    public var message: String

    public init(specSHA256: String, build: Int, message: String) {
        self.specSHA256 = specSHA256
        self.build = build
        self.message = message
    }
}

/// What sits in `.kiln/tmp/<name>` after a crash during an approval over a published version.
public struct InterruptedReplacement: Sendable, Equatable {
    /// The directory there is the new version on its way in (its status still says pending); otherwise it is the
    /// old version on its way to the archive.
    public var incoming: Bool
    /// `published/<name>` exists.
    public var publishedExists: Bool

    public init(incoming: Bool, publishedExists: Bool) {
        self.incoming = incoming
        self.publishedExists = publishedExists
    }
}
