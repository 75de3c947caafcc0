import Foundation

/// `kiln rollback <name>`: an admin asks the daemon to make an archived version the published one again (rule 5 †).
/// Like a build request it is a file, `.kiln/requests/<name>`, so it works from any host that sees the workspace; the
/// daemon carries it out and removes it.
public struct RollbackRequest: Sendable, Equatable {
    /// The archived version's folder in `.kiln/archive/<name>/`.
    public var version: String
    /// The spec that version holds, as the admin saw it: the request is for that spec, not for whatever the folder
    /// holds later.
    public var specSHA256: String
    /// Who asked: the request file's owner.
    public var requestedBy: String
    /// That user may write `published/`: an admin. The file system says who is one, not Kiln.
    public var mayPublish: Bool
    /// The status of `.kiln/archive/<name>/<version>/`, nil when there is no such version (or it has no status).
    public var target: Status?

    public init(version: String, specSHA256: String, requestedBy: String, mayPublish: Bool, target: Status?) {
        self.version = version
        self.specSHA256 = specSHA256
        self.requestedBy = requestedBy
        self.mayPublish = mayPublish
        self.target = target
    }
}

/// The request file's text for a rollback. A request file without `rollback_to` asks for a build.
public enum RollbackRequestFile {
    public static func rendered(version: String, specSHA256: String, requested: Date, by user: String) -> String {
        "requested = \(TOMLText.dateTime(requested))\nby = \(TOMLText.quote(user))\n"
            + "rollback_to = \(TOMLText.quote(version))\nspec_sha256 = \(TOMLText.quote(specSHA256))\n"
    }

    /// The version and spec a request file asks to roll back to; nil when it is not a rollback request.
    public static func parse(_ text: String) -> (version: String, specSHA256: String)? {
        guard case .success(let table) = TOMLGate.parse(text), let version = table["rollback_to"]?.string else {
            return nil
        }
        return (version, table["spec_sha256"]?.string ?? "")
    }
}
