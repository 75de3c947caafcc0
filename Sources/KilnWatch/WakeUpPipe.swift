#if canImport(Glibc)
import Glibc
#endif

/// A pipe whose read end is watched for `IN_MODIFY`: writing a byte puts an event into the watcher's own
/// inotify queue.
///
/// `stop()` uses it to interrupt `inotifytools_next_event`, which otherwise only returns at its next
/// whole-second timeout: the library gives no way to wake its `select()`. The watching thread uses it as a
/// marker behind the events queued so far (see `WatchLoop.deferResync`). The pipe's inode is reachable
/// through /proc/self/fd. If that watch cannot be added, stopping takes up to a second and resyncs are not
/// batched.
struct WakeUpPipe {
    let readFD: Int32
    let writeFD: Int32

    /// A close-on-exec, non-blocking pipe, or nil if none could be made.
    static func make() -> WakeUpPipe? {
        var fds: [Int32] = [-1, -1]
        // pipe2() needs _GNU_SOURCE, which Glibc's Swift module does not define; the flags are set right after.
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
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
