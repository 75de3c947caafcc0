import Foundation

/// What the daemon knows beyond one name's copies: settings, the host, its own build queue, the environment store.
public struct ReconcileContext: Sendable {
    public var settings: WorkspaceSettings
    /// `X.Y` versions this build host has an interpreter for.
    public var pythons: Set<String>
    /// The spec hash of the build queued or running for this name, if any.
    public var activeBuild: String?
    /// The last build of this name failed (and nothing newer has run).
    public var failure: BuildFailure?
    /// Registered builds for the spec hashes the copies mention.
    public var built: [String: BuiltEnvironment]
    /// A `kiln build <name>` request is waiting.
    public var buildRequested: Bool
    /// The daemon had seen this name before: if it is gone, record the removal.
    public var wasKnown: Bool
    public var now: Date

    public init(
        settings: WorkspaceSettings = WorkspaceSettings(),
        pythons: Set<String>,
        activeBuild: String? = nil,
        failure: BuildFailure? = nil,
        built: [String: BuiltEnvironment] = [:],
        buildRequested: Bool = false,
        wasKnown: Bool = false,
        now: Date = Date()
    ) {
        self.settings = settings
        self.pythons = pythons
        self.activeBuild = activeBuild
        self.failure = failure
        self.built = built
        self.buildRequested = buildRequested
        self.wasKnown = wasKnown
        self.now = now
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
