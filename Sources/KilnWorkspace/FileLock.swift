import Foundation
import SystemPackage

#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock (flock) on a file, which proves across processes on one host that its holder is at work.
///
/// The holder removes the file when it lets go, so lock files do not pile up. That is safe because taking a lock
/// checks that the file locked is still the one at the path: someone who opened the file just before its holder
/// removed it finds it gone once it gets the lock, and tries again with a new file.
public final class FileLock: @unchecked Sendable {
    public let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// Takes the lock if nobody holds it, creating the file; nil when someone holds it.
    public static func tryAcquire(_ path: String) throws(FileError) -> FileLock? {
        while true {
            let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw FileError("create the lock file", path) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let error = errno
                close(fd)
                if error == EWOULDBLOCK || error == EINTR { return nil }
                throw FileError("lock", path, errno: Errno(rawValue: error))
            }
            if sameFile(fd, path) { return FileLock(path: path, descriptor: fd) }
            // Its holder removed it between our open and our lock: take the new one.
            close(fd)
        }
    }

    /// Takes the lock, waiting (without blocking a thread) while someone else holds it. Throws CancellationError if
    /// the task is cancelled while it waits.
    public static func acquire(_ path: String, poll: Duration = .milliseconds(50)) async throws -> FileLock {
        while true {
            if let lock = try tryAcquire(path) { return lock }
            try await Task.sleep(for: poll)
        }
    }

    /// Whether someone holds the lock at `path` now. Creates nothing: a missing file is a lock nobody holds.
    public static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // A shared lock is refused exactly while an exclusive one is held; it is dropped again on close.
        return flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }

    /// Removes the file and lets go. Safe to call twice.
    public func release() {
        guard descriptor >= 0 else { return }
        if sameFile(descriptor, path) { unlink(path) }
        close(descriptor)
        descriptor = -1
    }

    private static func sameFile(_ fd: Int32, _ path: String) -> Bool {
        var open = stat()
        var named = stat()
        guard fstat(fd, &open) == 0, lstat(path, &named) == 0 else { return false }
        return open.st_dev == named.st_dev && open.st_ino == named.st_ino
    }

    private func sameFile(_ fd: Int32, _ path: String) -> Bool { FileLock.sameFile(fd, path) }
}
