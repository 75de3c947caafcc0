import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Whether a `kiln serve` holds the workspace: while it runs, it holds an exclusive flock on `.kiln/daemon.lock`.
enum DaemonPresence {
    static func isServing(_ layout: WorkspaceLayout) -> Bool {
        let fd = open(layout.daemonLock, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        // A shared lock cannot be had while the daemon holds its exclusive one. Had, it is let go at once, so a
        // daemon starting this very moment is not kept out.
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}
