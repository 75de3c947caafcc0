#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose read end is watched for `IN_MODIFY`, so that `stop()` can interrupt
/// `inotifytools_next_event`, which otherwise only returns at its next whole-second timeout.
///
/// The library gives no way to wake its `select()`; but writing to a pipe is an inotify event on the pipe's
/// inode, reachable through /proc/self/fd. If that watch cannot be added, stopping simply takes up to a second.
struct WakeUpPipe {
    let readFD: Int32
    let writeFD: Int32

    /// A close-on-exec, non-blocking pipe, or nil if none could be made.
    static func make() -> WakeUpPipe? {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC | O_NONBLOCK) == 0 else { return nil }
        return WakeUpPipe(readFD: fds[0], writeFD: fds[1])
    }

    /// The path that resolves to the pipe's inode.
    var watchPath: String { "/proc/self/fd/\(readFD)" }

    /// Writes one byte; non-blocking, so a full pipe (never read) cannot stall the caller.
    static func wake(writeFD: Int32) {
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }
}
