/// Everything the disk says about one copy of an environment: the input of a reconcile decision.
public struct EnvironmentCopy: Sendable, Equatable {
    public var location: CopyLocation
    /// The environment directory itself is a symbolic link: the daemon never follows it.
    public var isSymlink: Bool
    public var spec: SpecFile
    public var status: Status?
    /// An admin's note (`review`), trimmed.
    public var review: String?

    public init(
        location: CopyLocation,
        isSymlink: Bool = false,
        spec: SpecFile,
        status: Status? = nil,
        review: String? = nil
    ) {
        self.location = location
        self.isSymlink = isSymlink
        self.spec = spec
        self.status = status
        self.review = review
    }

    public var specSHA256: String? { spec.sha256 }

    /// The spec, when it is valid on a host with these `X.Y` interpreters.
    public func parsedSpec(pythons: Set<String>) -> Spec? {
        let parsed = Spec.parse(
            spec,
            path: location.description + "/spec.toml",
            directoryName: location.name,
            pythons: pythons
        )
        return try? parsed.get()
    }

    /// The status agrees with the folder the copy is in, and its state is one that folder may hold.
    public var isSettled: Bool {
        guard let status, !location.nested, status.stage == location.stage else { return false }
        return EnvironmentState.allowed(in: location.stage).contains(status.state)
    }

    /// The status describes a build of exactly the spec that is there now.
    public var matchesBuild: Bool {
        guard let status, status.state.isBuilt, let hash = specSHA256 else { return false }
        return status.specSHA256 == hash
    }
}
