import KilnProtocol

/// The versions `kiln diff` compares, read from the workspace: a copy's spec and lock, or an archived version's.
public enum ReviewedVersions {
    static let lockLimit = 16 * 1024 * 1024

    /// A copy in a stage. It counts as built when its status is a built state of exactly the spec that is there; its
    /// lock is then its `requirements.lock`, else the lock of the build its status names.
    public static func of(_ copy: EnvironmentCopy, in layout: WorkspaceLayout) -> ReviewedVersion {
        let status = copy.status
        let built = copy.matchesBuild
        return ReviewedVersion(
            spec: bytes(of: copy.spec),
            lock: built ? lock(at: layout.lock(copy.location), status: status, in: layout) : nil,
            label: ReviewedVersion.label(
                copy.location.stage.rawValue,
                approved: copy.location.stage == .published ? status.map { $0.approved ?? $0.updated } : nil,
                specSHA256: copy.specSHA256
            )
        )
    }

    /// An archived version: built, since it was published.
    public static func of(_ version: ArchivedVersion, in layout: WorkspaceLayout) -> ReviewedVersion {
        ReviewedVersion(
            spec: bytes(of: WorkspaceFiles.readSpec(version.specPath)),
            lock: lock(at: version.lockPath, status: version.status, in: layout),
            label: ReviewedVersion.label(
                "archived " + version.label,
                approved: version.status.map { $0.approved ?? $0.updated },
                specSHA256: version.specSHA256
            )
        )
    }

    static func bytes(of spec: SpecFile) -> [UInt8]? {
        if case .contents(let bytes) = spec { return bytes }
        return nil
    }

    static func lock(at path: String, status: Status?, in layout: WorkspaceLayout) -> String? {
        if let text = WorkspaceFiles.readText(path, limit: lockLimit) { return text }
        guard let environment = status?.environment,
            let built = EnvironmentStore.find(BuildInputs.key(ofEnvironment: environment), in: layout)
        else { return nil }
        return WorkspaceFiles.readText(built.lock, limit: lockLimit)
    }
}
