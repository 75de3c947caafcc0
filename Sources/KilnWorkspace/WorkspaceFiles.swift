import CLinuxFiles
import Foundation
import KilnProtocol
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the protocol needs, done so that a crash never leaves a half-written file and a move never
/// replaces what a person put somewhere. Nothing here follows a symbolic link a user placed.
public enum WorkspaceFiles {
    public enum Kind: Sendable, Equatable { case missing, file, directory, symlink, other }

    /// What is at `path`, without following a final symbolic link.
    public static func kind(_ path: String) -> Kind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .missing }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    /// Identity, mode, size, mtime and ctime of `path` (not following a link), or `[-1]` if there is nothing.
    public static func stamp(_ path: String) -> [Int] {
        var st = stat()
        guard lstat(path, &st) == 0 else { return [-1] }
        return [
            Int(st.st_ino), Int(st.st_mode), Int(st.st_size), st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
            st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
        ]
    }

    /// How long ago `path` (not following a link) last changed, by its mtime against this host's clock; nil when
    /// there is nothing there, or when its time is ahead of the clock (another host's clock on a network mount).
    public static func age(_ path: String) -> Duration? {
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let age =
            Duration.seconds(now.tv_sec - st.st_mtim.tv_sec) + .nanoseconds(now.tv_nsec - st.st_mtim.tv_nsec)
        return age < .zero ? nil : age
    }

    /// Reads a spec file with the protocol's limits: a regular file, not a link, at most 64 KiB.
    public static func readSpec(_ path: String) -> SpecFile {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            return errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        switch st.st_mode & S_IFMT {
        case S_IFLNK: return .symlink
        case S_IFREG: break
        default: return .notRegularFile
        }
        if Int(st.st_size) > Spec.maximumSize { return .tooLarge(bytes: Int(st.st_size)) }
        switch readFile(path, limit: Spec.maximumSize) {
        case .success(let bytes):
            return bytes.count > Spec.maximumSize ? .tooLarge(bytes: bytes.count) : .contents(bytes)
        case .failure(let error):
            return error.errno == .noSuchFileOrDirectory ? .missing : .unreadable(error.description)
        }
    }

    /// Reads a small file the daemon or an admin wrote (status, review), not following links.
    public static func readText(_ path: String, limit: Int = 256 * 1024) -> String? {
        guard case .success(let bytes) = readFile(path, limit: limit) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads at most `limit + 1` bytes, so a caller can tell "too large" apart.
    public static func readFile(_ path: String, limit: Int) -> Result<[UInt8], FileError> {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return .failure(FileError("read", path)) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while out.count <= limit {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(FileError("read", path))
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return .success(out)
    }

    /// Writes beside, flushes, then renames over `path`: readers see the old file or the new one, never a mix.
    public static func writeAtomically(_ path: String, _ text: String) throws(FileError) {
        try writeAtomically(path, Array(text.utf8))
    }

    public static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws(FileError) {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        let temp =
            String(path[..<slash]) + "." + String(path[slash...])
            + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("create", temp) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let error = FileError("write", temp)
                close(fd)
                unlink(temp)
                throw error
            }
            written += n
        }
        if fsync(fd) != 0 {
            let error = FileError("flush", temp)
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let error = FileError("rename \(temp) to", path)
            unlink(temp)
            throw error
        }
    }

    /// Appends one line with a single write, so lines from two writers never interleave.
    public static func appendLine(_ path: String, _ line: String) throws(FileError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileError("open", path) }
        defer { close(fd) }
        let bytes = Array((line + "\n").utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count else { throw FileError("append to", path) }
    }

    /// Moves `from` to `to`, failing rather than replacing anything already at `to`.
    ///
    /// FUSE and NFS mounts often refuse renameat2's flags (EINVAL). There a directory is moved by first claiming
    /// `to` with mkdir, which is exclusive even on NFS, then renaming over that empty directory; a file by link and
    /// unlink.
    public static func move(_ from: String, to: String) throws(FileError) {
        if kiln_rename_noreplace(from, to) == 0 { return }
        guard errno == EINVAL || errno == ENOSYS || errno == ENOTSUP else {
            var error = FileError("move \(from) to", to)
            error.source = from
            throw error
        }
        if kind(from) == .directory {
            guard mkdir(to, 0o700) == 0 else { throw FileError("move \(from) to", to) }
            guard rename(from, to) == 0 else {
                let error = FileError("move \(from) to", to)
                rmdir(to)
                throw error
            }
        } else {
            guard link(from, to) == 0 else { throw FileError("move \(from) to", to) }
            unlink(from)
        }
    }

    /// Whether the file system refused the atomic swap itself (rather than the paths), as FUSE and NFS may.
    public static func exchangeIsUnsupported(_ error: FileError) -> Bool {
        [.invalidArgument, .noFunction, .notSupported].contains(error.errno)
    }

    /// Swaps two existing paths in one step.
    public static func exchange(_ a: String, _ b: String) throws(FileError) {
        guard kiln_rename_exchange(a, b) == 0 else { throw FileError("swap \(a) with", b) }
    }

    /// Creates a directory and its parents.
    public static func makeDirectory(_ path: String) throws(FileError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw FileError("create directory", path, errno: .permissionDenied)
        }
    }

    /// The names in a directory, without `.` and `..`; empty if it cannot be read.
    public static func list(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = entryName(entry)
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// `d_name`, read in place up to its NUL. Never as the 256-byte tuple Swift imports it as: readdir packs entries
    /// by their real length, so copying the whole tuple can read past the end of the buffer (a crash seen listing
    /// /usr/bin).
    static func entryName(_ entry: UnsafeMutablePointer<dirent>) -> String {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        return String(cString: UnsafeRawPointer(entry).advanced(by: offset).assumingMemoryBound(to: CChar.self))
    }
}
