/// What to watch: a workspace root, its stage folders, its requests folder.
public struct WatchConfiguration: Sendable {
    /// The workspace's absolute path.
    public var root: String
    /// The stage folders directly under `root`, e.g. `["saved", "draft", "pending", "published"]`.
    public var stages: [String]
    /// The requests folder, relative to `root`, e.g. `".kiln/requests"`; the caller creates it before `start()`.
    public var requestsFolder: String
    /// Files inside an environment directory whose changes matter, e.g. `["spec.toml", "review"]`.
    public var interestingFiles: Set<String>

    /// Describes a workspace to watch.
    public init(root: String, stages: [String], requestsFolder: String, interestingFiles: Set<String>) {
        self.root = root
        self.stages = stages
        self.requestsFolder = requestsFolder
        self.interestingFiles = interestingFiles
    }
}
