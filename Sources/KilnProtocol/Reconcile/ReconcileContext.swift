import Foundation

/// What the daemon knows beyond one name's copies: settings, the host, its own build queue, the environment store,
/// and the time. A decision reads nothing else, so equal contexts give equal decisions.
public struct ReconcileContext: Sendable, Equatable {
    public var settings: WorkspaceSettings
    /// `X.Y` versions this build host has an interpreter for.
    public var pythons: Set<String>
    /// `X.Y` -> the exact version of that interpreter (`3.11.9`): a build input.
    public var interpreterVersions: [String: String]
    /// The build queued or running for this name, if any.
    public var activeBuild: ActiveBuild?
    /// The last build of this name failed (and nothing newer has run).
    public var failure: BuildFailure?
    /// Registered builds, by store key: those the copies' statuses name, and those their specs would build
    /// (`BuildInputs.key`, see `storeKeys(for:)`).
    public var built: [String: BuiltEnvironment]
    /// The exact bytes of the approved spec of `published/<name>`, when its `spec.toml` no longer matches them
    /// (kept at approval in `.kiln/specs/`, so an edited published spec can be restored).
    public var approvedSpec: [UInt8]?
    /// A replacement of the published version that a crash interrupted: a directory left in `.kiln/tmp/<name>`.
    public var interruptedReplacement: InterruptedReplacement?
    /// A `kiln build <name>` request is waiting.
    public var buildRequest: BuildRequest?
    /// † A `kiln rollback <name>` request is waiting.
    public var rollbackRequest: RollbackRequest?
    /// What is at `saved/<name>/requirements.lock`: a lock that came with the folder, or that `--from-lock` installs.
    public var savedLock: [UInt8]?
    /// How the daemon knows this name, if it does: if it is gone, record the removal.
    public var acquaintance: Acquaintance?
    /// † The journal's last word on the name is its removal. A copy found now came back (moved out of the workspace
    /// and in again, or restored from a backup): its return is recorded, so the journal says where it is.
    public var recordedRemoved = false
    /// The bytes of the kernelspec the daemon keeps for the name (`.kiln/jupyter/kernels/<name>/kernel.json`), or
    /// nil when there is none.
    public var kernelspec: [UInt8]?
    /// The build that `published/<name>`'s status names pins ipykernel in its lock: Jupyter can start a kernel in it.
    public var publishedHasIPykernel: Bool
    /// † The spec of `published/<name>` was approved in this workspace (`.kiln/specs/` keeps it). Asked only when the
    /// build its status names is not in the store: a published folder copied in from another workspace, status and
    /// all, was never approved here, and is treated as any copy from outside (rule 7).
    public var publishedApprovedHere = true
    /// The time every status and journal entry of this decision carries.
    public var now: Date
    /// † What the daemon read for the summary of a submission (`SubmissionReview`); nil for a name with no copy in
    /// pending/. A pending copy's summary is kept up to date only when it is there.
    public var submission: SubmissionFiles? = nil

    public init(
        settings: WorkspaceSettings = WorkspaceSettings(),
        pythons: Set<String>,
        interpreterVersions: [String: String] = [:],
        activeBuild: ActiveBuild? = nil,
        failure: BuildFailure? = nil,
        built: [String: BuiltEnvironment] = [:],
        approvedSpec: [UInt8]? = nil,
        interruptedReplacement: InterruptedReplacement? = nil,
        buildRequest: BuildRequest? = nil,
        rollbackRequest: RollbackRequest? = nil,
        savedLock: [UInt8]? = nil,
        wasKnown: Bool = false,
        acquaintance: Acquaintance? = nil,
        kernelspec: [UInt8]? = nil,
        publishedHasIPykernel: Bool = false,
        now: Date
    ) {
        self.settings = settings
        self.pythons = pythons
        self.interpreterVersions = interpreterVersions
        self.activeBuild = activeBuild
        self.failure = failure
        self.built = built
        self.approvedSpec = approvedSpec
        self.interruptedReplacement = interruptedReplacement
        self.buildRequest = buildRequest
        self.rollbackRequest = rollbackRequest
        self.savedLock = savedLock
        self.acquaintance = acquaintance ?? (wasKnown ? .seenOnDisk : nil)
        self.kernelspec = kernelspec
        self.publishedHasIPykernel = publishedHasIPykernel
        self.now = now
    }
}

extension ReconcileContext {
    /// The daemon knows this name, from disk or from the journal: if it is gone, record the removal.
    public var wasKnown: Bool {
        get { acquaintance != nil }
        set { acquaintance = newValue ? (acquaintance ?? .seenOnDisk) : nil }
    }

    /// A `kiln build <name>` request is waiting, of either kind.
    public var buildRequested: Bool { buildRequest != nil }

    /// The build inputs of a spec on this host, with these settings.
    public func inputs(for spec: Spec, lock: [UInt8]? = nil) -> BuildInputs {
        BuildInputs(spec: spec, settings: settings, pythonVersion: interpreterVersions[spec.base.text], lock: lock)
    }

    /// The registered build a status names through its `environment` path.
    public func build(namedBy status: Status?) -> BuiltEnvironment? {
        guard let environment = status?.environment else { return nil }
        return built[BuildInputs.key(ofEnvironment: environment)]
    }

    /// Every store key a decision about these copies may look up: what their statuses name, what their specs would
    /// build, and what the saved copy's lock would. The daemon fills `built` for exactly these.
    ///
    /// A spec is parsed only where a decision needs its inputs: in saved/, and in a copy whose spec is not the one
    /// its status names (an edit that may leave the inputs as they were). A settled built copy costs no parse.
    public func storeKeys(for copies: [EnvironmentCopy]) -> Set<String> {
        var keys = Set<String>()
        // A rollback's target must still have its build.
        if let environment = rollbackRequest?.target?.environment {
            keys.insert(BuildInputs.key(ofEnvironment: environment))
        }
        for copy in copies {
            if let environment = copy.status?.environment { keys.insert(BuildInputs.key(ofEnvironment: environment)) }
            guard copy.location.stage == .saved || copy.specSHA256 != copy.status?.specSHA256,
                let spec = copy.parsedSpec(pythons: pythons)
            else { continue }
            keys.insert(inputs(for: spec).key)
            if copy.location.stage == .saved, let savedLock { keys.insert(inputs(for: spec, lock: savedLock).key) }
        }
        return keys
    }
}

/// The files a submission's summary is computed from, besides the copies' specs and statuses.
public struct SubmissionFiles: Sendable, Equatable {
    /// The pending copy's lock: its `requirements.lock`, else its build's lock in the store.
    public var lock: [UInt8]?
    /// The published version's lock, found the same way; nil when nothing is published or it cannot be read.
    public var publishedLock: [UInt8]?
    /// What `pending/<name>/changes` holds now; nil when there is no such file.
    public var changes: [UInt8]?

    public init(lock: [UInt8]? = nil, publishedLock: [UInt8]? = nil, changes: [UInt8]? = nil) {
        self.lock = lock
        self.publishedLock = publishedLock
        self.changes = changes
    }
}

/// `kiln build <name>`, as its request file says.
public enum BuildRequest: Sendable, Equatable {
    /// Build, or retry, resolving the spec anew.
    case resolve
    /// `--from-lock`: install exactly `saved/<name>/requirements.lock`.
    case fromLock
}

/// A build the daemon has queued, or started, for a name.
public struct ActiveBuild: Sendable, Equatable {
    public var specSHA256: String
    /// Its attempt number: `logs/build-<build>.log`.
    public var build: Int
    /// The build tools are running (not just waiting for a slot).
    public var started: Bool
    /// It installs the saved copy's lock (`kiln build --from-lock`), whose request is already answered.
    public var fromLock: Bool
    /// What the running build last said it is doing; nil before it has said anything.
    public var progress: BuildProgress?
    /// † The Slurm job it runs as (`[build] executor = "slurm"`), once submitted.
    public var slurmJob: SlurmJobSeen?

    public init(
        specSHA256: String,
        build: Int,
        started: Bool,
        fromLock: Bool = false,
        progress: BuildProgress? = nil,
        slurmJob: SlurmJobSeen? = nil
    ) {
        self.specSHA256 = specSHA256
        self.build = build
        self.started = started
        self.fromLock = fromLock
        self.progress = progress
        self.slurmJob = slurmJob
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

/// What sits in `.kiln/tmp/<name>` after a crash during an approval over a published version, or a rollback.
public struct InterruptedReplacement: Sendable, Equatable {
    /// The directory there is the new version on its way in (its status still says pending); otherwise it is the
    /// old version on its way to the archive, or a rollback's target (see `specSHA256`).
    public var incoming: Bool
    /// `published/<name>` exists.
    public var publishedExists: Bool
    /// The spec its status names: a rollback's target on its way in has a published status like an outgoing
    /// version, and is told apart by being the spec the rollback request names.
    public var specSHA256: String?

    public init(incoming: Bool, publishedExists: Bool, specSHA256: String? = nil) {
        self.incoming = incoming
        self.publishedExists = publishedExists
        self.specSHA256 = specSHA256
    }
}
