/// Why `kiln serve` cannot run, in words the person starting it can act on.
public enum DaemonError: Error, CustomStringConvertible {
    case notAWorkspace(String)
    case alreadyServed(String)
    case badSettings(String)
    case cannotStart(String)
    /// The workspace root was moved away, removed or replaced while the daemon ran (`WorkspaceLock.checkRoot`).
    case rootReplaced(String)

    public var description: String {
        switch self {
        case .notAWorkspace(let m), .alreadyServed(let m), .badSettings(let m), .cannotStart(let m),
            .rootReplaced(let m):
            m
        }
    }
}
