import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// One daemon per workspace: an exclusive lock on `.kiln/daemon.lock`, which also names the holder.
///
/// The lock is held on the workspace directory the daemon started on. If that directory is moved away or removed and
/// the path comes to name another one (`mv WS WS.old && mkdir WS`, `mv OTHER WS`), the lock no longer protects what
/// the path names: `checkRoot` says so, and the daemon exits rather than act on a tree another daemon may serve.
public final class WorkspaceLock: Sendable {
    private let fd: Int32
    private let root: String
    /// The locked workspace directory's device and inode.
    private let identity: (device: UInt64, inode: UInt64)

    /// Takes the lock, or throws an error that names the host and process holding it.
    public init(layout: WorkspaceLayout) throws(DaemonError) {
        let path = layout.daemonLock
        guard let identity = Self.identity(of: layout.root) else {
            throw .notAWorkspace(
                "\(layout.root) is not a directory; create a workspace with `kiln init \(layout.root)`"
            )
        }
        let fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotStart("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder =
                WorkspaceFiles.readText(path, limit: 1024)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw .alreadyServed(
                "\(layout.root) is already served by another kiln serve (\(holder.isEmpty ? "holder unknown" : holder)); "
                    + "stop that one first: one daemon per workspace"
            )
        }
        let me = "host \(ProcessInfo.processInfo.hostName), process \(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = me.withCString { pwrite(fd, $0, strlen($0), 0) }
        self.fd = fd
        self.root = layout.root
        self.identity = identity
    }

    /// Throws `.rootReplaced` if the workspace path no longer names the directory locked at start.
    public func checkRoot() throws(DaemonError) {
        guard let now = Self.identity(of: root) else {
            throw .rootReplaced(
                "the workspace root \(root) was moved away or removed while the daemon served it; nothing was "
                    + "deleted. Stopping: serve the workspace where it now is, or put it back and start "
                    + "`kiln serve \(root)` again (the systemd unit restarts it)"
            )
        }
        guard now != identity else { return }
        throw .rootReplaced(
            "the workspace root \(root) was replaced: the path now names another directory than the one this "
                + "daemon locked at start (moved away, and another put in its place); nothing was deleted. Stopping, "
                + "so a new daemon serves what is there now: start `kiln serve \(root)` again (the systemd unit "
                + "restarts it)"
        )
    }

    /// The device and inode of the directory at `path`, not following a final symbolic link.
    private static func identity(of path: String) -> (device: UInt64, inode: UInt64)? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
