/// Paths of a validated `WatchConfiguration`.
struct WatchLayout: Sendable {
    let root: String
    let stages: [String]
    let interestingFiles: Set<String>
    /// The requests folder's components below the root, e.g. `[".kiln", "requests"]`.
    let requestsComponents: [String]

    init(_ configuration: WatchConfiguration) throws(WatchError) {
        var root = configuration.root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        guard root.hasPrefix("/") else {
            throw .invalidConfiguration("the workspace root \"\(configuration.root)\" must be an absolute path.")
        }
        for stage in configuration.stages where !Self.isSingleComponent(stage) {
            throw .invalidConfiguration("the stage \"\(stage)\" must be a plain folder name.")
        }
        let components = configuration.requestsFolder.split(separator: "/").map(String.init).filter { $0 != "." }
        guard !components.isEmpty, components.allSatisfy(Self.isSingleComponent) else {
            throw .invalidConfiguration(
                "the requests folder \"\(configuration.requestsFolder)\" must be a folder below the root, "
                    + "such as .kiln/requests."
            )
        }
        if configuration.stages.contains(components[0]) {
            throw .invalidConfiguration("the requests folder \"\(configuration.requestsFolder)\" is inside a stage.")
        }
        self.root = root
        self.stages = configuration.stages
        self.interestingFiles = configuration.interestingFiles
        self.requestsComponents = components
    }

    private static func isSingleComponent(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/")
    }

    /// `root` joined with relative components; the root `/` does not double its slash.
    func path(_ components: String...) -> String {
        path(components)
    }

    func path(_ components: [String]) -> String {
        components.reduce(root) { $0 == "/" ? "/" + $1 : $0 + "/" + $1 }
    }

    func stagePath(_ stage: String) -> String { path(stage) }

    func environmentPath(stage: String, name: String) -> String { path(stage, name) }

    /// Folders between the root and the requests folder, with the next component of each.
    var requestsAncestors: [(relativePath: String, child: String)] {
        (1..<requestsComponents.count).map { depth in
            (requestsComponents[..<depth].joined(separator: "/"), requestsComponents[depth])
        }
    }

    var requestsPath: String { path(requestsComponents) }

    /// Root entries whose creation, removal or renaming invalidates what the watcher knows.
    func isSignificantRootEntry(_ name: String) -> Bool {
        stages.contains(name) || name == requestsComponents[0]
    }
}
