import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// One daemon per workspace: an exclusive lock on `.kiln/daemon.lock`, which also names the holder.
public final class WorkspaceLock: Sendable {
    private let fd: Int32

    /// Takes the lock, or throws an error that names the host and process holding it.
    public init(layout: WorkspaceLayout) throws(DaemonError) {
        let path = layout.daemonLock
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
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
