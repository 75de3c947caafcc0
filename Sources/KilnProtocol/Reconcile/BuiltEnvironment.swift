/// A finished build in the environment store (`.kiln/envs/<spec sha256>/`).
///
/// A build is registered only when its `complete` marker is written, after everything else: a folder without one is a
/// build that was interrupted, and is never used.
public struct BuiltEnvironment: Sendable, Equatable {
    public var specSHA256: String
    public var path: String
    public var python: String
    /// One line for the status message, e.g. "built in 2.1 s: 14 distributions".
    public var summary: String

    public init(specSHA256: String, path: String, python: String, summary: String) {
        self.specSHA256 = specSHA256
        self.path = path
        self.python = python
        self.summary = summary
    }

    /// Kiln's own files inside a built environment.
    public static let metadataFolder = ".kiln-build"
    public var metadata: String { path + "/" + BuiltEnvironment.metadataFolder }
    /// The exact spec this was built from: what a published environment is restored to after an edit.
    public var spec: String { metadata + "/spec.toml" }
    public var lock: String { metadata + "/requirements.lock" }
    public var marker: String { metadata + "/complete" }
}
