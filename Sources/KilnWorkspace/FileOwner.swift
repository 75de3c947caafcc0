#if canImport(Glibc)
import Glibc
#endif

/// Who owns a file, and who may write a folder, as the file system says: a draft belongs to whoever owns its
/// directory, and an admin is whoever may write `published/`.
public enum FileOwner {
    /// The owner's uid; nil when the path cannot be read.
    public static func uid(of path: String) -> uid_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_uid
    }

    /// The user's name from the password database, or "uid N" for a uid it does not know (a network account seen
    /// from another host).
    public static func userName(_ uid: uid_t) -> String {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &found) == 0, found != nil, let name = entry.pw_name
        else { return "uid \(uid)" }
        return String(cString: name)
    }

    /// Whether the user `uid` may create and remove entries in `directory`, by its owner, group, mode bits and
    /// access ACL, as the kernel would judge that user (root may always). The daemon runs as another user than the
    /// person who asked it for something, so it cannot ask `access(2)`.
    public static func mayWrite(_ directory: String, uid: uid_t) -> Bool {
        var info = stat()
        guard stat(directory, &info) == 0 else { return false }
        if uid == 0 { return true }
        let mode = info.st_mode
        if info.st_uid == uid { return mode & S_IWUSR != 0 && mode & S_IXUSR != 0 }
        let wanted: UInt16 = 3  // write and search
        let memberOf = groups(of: uid)
        if let acl = PosixACL.read(directory), let mask = acl.entry(.mask)?.permissions {
            if let named = acl.entry(.user, id: uid) { return named.permissions & mask & wanted == wanted }
            let groupEntries = acl.entries.filter {
                ($0.tag == .groupObject && memberOf.contains(info.st_gid))
                    || ($0.tag == .group && memberOf.contains($0.id))
            }
            if !groupEntries.isEmpty { return groupEntries.contains { $0.permissions & mask & wanted == wanted } }
            return mode & S_IWOTH != 0 && mode & S_IXOTH != 0
        }
        if memberOf.contains(info.st_gid) { return mode & S_IWGRP != 0 && mode & S_IXGRP != 0 }
        return mode & S_IWOTH != 0 && mode & S_IXOTH != 0
    }

    /// The user's primary group and every group it is a member of; empty for a uid the password database lacks.
    public static func groups(of uid: uid_t) -> Set<gid_t> {
        var entry = passwd()
        var found: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &found) == 0, found != nil, let name = entry.pw_name
        else { return [] }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, entry.pw_gid, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, entry.pw_gid, &list, &count) >= 0 else { return [entry.pw_gid] }
        }
        return Set(list.prefix(Int(count)))
    }
}
