import SystemPackage
#if canImport(Glibc)
import Glibc
#endif

/// Directory reads that never follow a symbolic link.
enum DirectoryListing {
    /// Whether `path` is a directory itself, not a link to one.
    static func isRealDirectory(_ path: String) -> Bool {
        var info = stat()
        guard lstat(path, &info) == 0 else { return false }
        return info.st_mode & S_IFMT == S_IFDIR
    }

    /// Names of the real directories (not links to them) directly inside `path`, or the errno of opening it.
    static func subdirectories(of path: String) -> Result<[String], Errno> {
        guard let directory = opendir(path) else { return .failure(Errno(rawValue: errno)) }
        defer { closedir(directory) }
        let directoryFD = dirfd(directory)
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = entryName(entry)
            if name == "." || name == ".." { continue }
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_DIR):
                names.append(name)
            case Int32(DT_UNKNOWN):
                // Some filesystems (older XFS, some network ones) do not fill d_type.
                var info = stat()
                if fstatat(directoryFD, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFDIR {
                    names.append(name)
                }
            default:
                continue
            }
        }
        return .success(names)
    }
}

extension DirectoryListing {
    /// `d_name`, read in place up to its NUL. Never as the 256-byte tuple Swift imports it as: readdir packs entries
    /// by their real length, so copying the whole tuple can read past the end of the buffer.
    static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        return String(cString: UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: CChar.self))
    }
}
