import Foundation

/// `.kiln/requests/<name>`, the file `kiln build` writes so a request works from any host (rule 2): who asked,
/// when, and whether to install the saved copy's `requirements.lock` as it is (`--from-lock`).
public enum BuildRequestFile {
    public static func rendered(requested: Date, by user: String, fromLock: Bool) -> String {
        var out = "requested = \(TOMLText.dateTime(requested))\nby = \(TOMLText.quote(user))\n"
        if fromLock { out += "from_lock = true\n" }
        return out
    }

    /// The request asks for a rebuild from the lock. Anything unreadable asks for a plain build.
    public static func fromLock(_ text: String) -> Bool {
        guard case .success(let table) = TOMLGate.parse(text) else { return false }
        return table["from_lock"]?.bool == true
    }
}
