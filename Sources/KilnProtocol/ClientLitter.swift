/// The files Finder and Explorer leave in every folder they show on a shared drive: macOS's AppleDouble files
/// (`._name`) and `.DS_Store`, Windows's `Thumbs.db` and `desktop.ini`. In a stage folder they are never
/// environments, and inside an environment they are nothing a person wrote (protocol section 1).
public enum ClientLitter {
    /// Whether `name`, one directory entry, is such a file. Windows's names are matched as Windows matches
    /// them, whatever their case.
    public static func contains(_ name: String) -> Bool {
        if name.hasPrefix("._") { return true }
        switch name.lowercased() {
        case ".ds_store", "thumbs.db", "desktop.ini": return true
        default: return false
        }
    }
}
