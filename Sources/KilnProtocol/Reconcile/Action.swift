import Foundation

/// One thing the daemon must do, as decided by `Reconciler`. The daemon carries actions out in order and stops at the
/// first that fails: the rest of a decision assumed it, and the next look decides again from disk.
public enum Action: Sendable, Equatable {
    /// Rewrite the copy's `status` (atomically).
    case writeStatus(CopyLocation, Status)
    /// Put a build in the queue. It starts once the current reconcile pass is over and a slot is free.
    case queueBuild(BuildOrder)
    /// Stop the build queued or running for a name.
    case cancelBuild(name: String)
    /// Rename one copy's directory, never replacing anything.
    case move(from: CopyLocation, to: CopyLocation)
    /// Copy the built environment's `requirements.lock` into the environment directory.
    case installLock(CopyLocation, from: BuiltEnvironment)
    /// Create an environment directory that must not exist yet, holding only `spec.toml` with these bytes.
    case createEnvironment(CopyLocation, spec: [UInt8])
    /// Replace a copy's `spec.toml` (atomically) with these bytes.
    case writeSpec(CopyLocation, [UInt8])
    /// Write `spec.toml.edited` beside a copy's `spec.toml`: an edit kept, not built.
    case keepEditBeside(CopyLocation, [UInt8])
    /// Move a copy into the scratch folder `.kiln/tmp/<name>`, the first step of replacing a published version.
    case moveToScratch(CopyLocation)
    /// Swap `.kiln/tmp/<name>` with `published/<name>` in one step (where the file system cannot, the old version
    /// goes to the archive first, then the new one takes its place).
    case swapScratchWithPublished(name: String)
    /// Move `.kiln/tmp/<name>` to `published/<name>`, which does not exist.
    case moveScratchToPublished(name: String)
    /// † Move the archived version `.kiln/archive/<name>/<version>` into `.kiln/tmp/<name>`: the first step of a
    /// rollback, which then swaps it with the published version as an approval does.
    case moveArchivedToScratch(name: String, version: String)
    /// Move `.kiln/tmp/<name>`, an old published version, into `.kiln/archive/<name>/`, labelled with the time.
    case archiveScratch(name: String, at: Date)
    /// Remove the `kiln build` request file of a name: it has been answered.
    case consumeBuildRequest(name: String)
    /// † Remove the `kiln rollback` request file of a name: it has been carried out, or refused (the journal says so).
    case consumeRollbackRequest(name: String)
    /// Write the workspace's kernelspec for a published environment, `.kiln/jupyter/kernels/<name>/kernel.json`.
    case writeKernelspec(name: String, [UInt8])
    /// Remove the workspace's kernelspec for a name (its folder, with `kernel.json`).
    case removeKernelspec(name: String)
    /// Keep these spec bytes in `.kiln/specs/<sha256>`: an approved spec, restored if the published one is edited.
    case keepSpec([UInt8])
    /// † Write `changes` beside a pending copy's spec (atomically): what approving it would change.
    case writeChanges(CopyLocation, [UInt8])
    /// Append a transition to the journal.
    case record(JournalEntry)
}

/// A build the reconcile decision asks for.
public struct BuildOrder: Sendable, Equatable {
    public var name: String
    public var specSHA256: String
    public var build: Int
    public var spec: Spec
    /// The exact bytes, kept with the build.
    public var specBytes: [UInt8]
    /// What determines the result; its key names the folder in the store.
    public var inputs: BuildInputs
    /// `kiln build --from-lock`: the `requirements.lock` to install as it is, instead of resolving.
    public var lock: [UInt8]?

    public init(
        name: String,
        specSHA256: String,
        build: Int,
        spec: Spec,
        specBytes: [UInt8],
        inputs: BuildInputs,
        lock: [UInt8]? = nil
    ) {
        self.name = name
        self.specSHA256 = specSHA256
        self.build = build
        self.spec = spec
        self.specBytes = specBytes
        self.inputs = inputs
        self.lock = lock
    }
}
