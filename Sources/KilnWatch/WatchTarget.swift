/// What a watch descriptor stands for in the workspace.
///
/// Kept by Kiln itself rather than asked of libinotifytools, whose path bookkeeping goes stale
/// (see `WatchTable`).
enum WatchTarget: Hashable, Sendable {
    /// The workspace root.
    case root
    /// A stage folder, `<root>/<stage>`.
    case stage(String)
    /// An environment directory, `<root>/<stage>/<name>`.
    case environment(stage: String, name: String)
    /// A folder between the root and the requests folder (`<root>/.kiln` for `.kiln/requests`), watched only
    /// so the requests folder's own removal or creation is seen; `child` is the next component towards it.
    case requestsAncestor(relativePath: String, child: String)
    /// The requests folder.
    case requests

    /// Folders whose watch going away means the watcher's picture of the tree is incomplete.
    var isStructural: Bool {
        switch self {
        case .root, .stage, .requestsAncestor, .requests: true
        case .environment: false
        }
    }
}
