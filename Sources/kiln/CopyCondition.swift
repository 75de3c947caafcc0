import KilnProtocol
import KilnWorkspace

/// What the CLI makes of one copy before it reports on it or acts on it.
enum CopyCondition: Equatable {
    /// The status agrees with the folder.
    case settled(Status)
    /// The status names another stage than the folder (or a state that folder cannot hold): a move the daemon has
    /// not caught up with yet.
    case moving(String)
    /// The status file is there but is not one the daemon wrote.
    case damaged(String)
    /// No status yet: the daemon has not looked at it.
    case noStatus
    /// The stage entry is a symbolic link, which the daemon never follows.
    case symlink

    init(_ copy: EnvironmentCopy, layout: WorkspaceLayout) {
        let name = copy.location.name
        if copy.isSymlink {
            self = .symlink
        } else if let status = copy.status {
            if copy.isSettled {
                self = .settled(status)
            } else if status.stage != copy.location.stage || copy.location.nested {
                self = .moving(
                    "a move of '\(name)' is in progress (status says \(status.stage.rawValue), folder is "
                        + "\(copy.location)); the daemon has not caught up — is `kiln serve` running?"
                )
            } else {
                self = .moving(
                    "\(copy.location)/status says '\(status.state.rawValue)', which a copy in "
                        + "\(status.stage.rawValue)/ cannot be; the daemon has not caught up — is `kiln serve` running?"
                )
            }
        } else if WorkspaceFiles.kind(layout.status(copy.location)) != .missing {
            self = .damaged(
                "\(layout.status(copy.location)) is damaged: it is not a status the daemon wrote (TOML with a stage "
                    + "and a state); `kiln serve` writes it again when it next looks at '\(name)' — is it running?"
            )
        } else {
            self = .noStatus
        }
    }

    var isMoving: Bool {
        if case .moving = self { return true }
        return false
    }

    /// A short account for `kiln list` and for messages that name where every copy is.
    func summary(daemonServing: Bool) -> String {
        switch self {
        case .settled(let status): status.message
        case .moving(let reason): "moving: " + reason
        case .damaged(let reason): reason
        case .noStatus: daemonServing ? "waiting for the daemon" : "no status yet: start `kiln serve`"
        case .symlink: "a symbolic link, which the daemon never follows; put a folder here instead"
        }
    }

    var stateText: String {
        switch self {
        case .settled(let status): status.state.rawValue
        case .moving: "moving"
        case .damaged: "damaged"
        case .noStatus, .symlink: "unknown"
        }
    }
}
