/// A finished build in the environment store (`.kiln/envs/<key>/`, the key of its `BuildInputs`).
///
/// A build is registered only when its `complete` marker is written, after everything else: a folder without one is a
/// build that was interrupted, and is never used.
public struct BuiltEnvironment: Sendable, Equatable {
    /// The store key: its folder's name.
    public var key: String
    public var path: String
    public var python: String
    /// One line for the status message, e.g. "built in 2.1 s: 14 distributions".
    public var summary: String

    public init(key: String, path: String, python: String, summary: String) {
        self.key = key
        self.path = path
        self.python = python
        self.summary = summary
    }

    /// Kiln's own files inside a built environment.
    public static let metadataFolder = ".kiln-build"
    public var metadata: String { path + "/" + BuiltEnvironment.metadataFolder }
    /// The spec of the build that made it (specs with the same inputs share it).
    public var spec: String { metadata + "/spec.toml" }
    public var lock: String { metadata + "/requirements.lock" }
    /// Its `BuildInputs.rendered`: why these specs share it.
    public var inputs: String { metadata + "/inputs.toml" }
    public var marker: String { metadata + "/complete" }
}
