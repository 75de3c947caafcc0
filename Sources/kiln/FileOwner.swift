#if canImport(Glibc)
import Glibc
#endif

/// Who owns a file, as the file system says: a draft belongs to whoever owns its directory.
enum FileOwner {
    /// The owner's uid; nil when the path cannot be read.
    static func uid(of path: String) -> uid_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_uid
    }

    /// The user's name from the password database, or "uid N" for a uid it does not know (a network account seen
    /// from another host).
    static func userName(_ uid: uid_t) -> String {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &found) == 0, found != nil, let name = entry.pw_name
        else { return "uid \(uid)" }
        return String(cString: name)
    }
}
