/// One thing the daemon must do, as decided by `Reconciler`. The daemon carries actions out in order.
public enum Action: Sendable, Equatable {
    /// Rewrite the copy's `status` (atomically).
    case writeStatus(CopyLocation, Status)
    /// Put a build in the queue (or, if the same spec is already built, let the store answer at once).
    case queueBuild(BuildOrder)
    /// Stop the build queued or running for a name.
    case cancelBuild(name: String)
    /// Rename one copy's directory, never replacing anything.
    case move(from: CopyLocation, to: CopyLocation)
    /// Copy the built environment's `requirements.lock` into the environment directory.
    case installLock(CopyLocation, from: BuiltEnvironment)
    /// An approval over an existing published version: the nested copy takes `published/<name>` in one swap and the
    /// old version goes to the archive.
    case replacePublished(name: String)
    /// Someone edited a published spec: put the approved spec back, and keep the edit as the next version.
    case restorePublishedSpec(name: String, approved: BuiltEnvironment, keepEdit: EditDestination)
    /// Remove the `kiln build` request file of a name: it has been answered.
    case consumeBuildRequest(name: String)
    /// Append a transition to the journal.
    case record(JournalEntry)
}

/// Where the edit of a published spec goes.
public enum EditDestination: Sendable, Equatable {
    /// A new `saved/<name>/spec.toml`, built like any save.
    case saved
    /// Beside the published spec, as `spec.toml.edited`, because another version of the name is already in progress.
    case besidePublished
}

/// A build the reconcile decision asks for.
public struct BuildOrder: Sendable, Equatable {
    public var name: String
    public var specSHA256: String
    public var build: Int
    public var spec: Spec
    /// The exact bytes, stored with the build so a published spec can be restored.
    public var specBytes: [UInt8]

    public init(name: String, specSHA256: String, build: Int, spec: Spec, specBytes: [UInt8]) {
        self.name = name
        self.specSHA256 = specSHA256
        self.build = build
        self.spec = spec
        self.specBytes = specBytes
    }
}
