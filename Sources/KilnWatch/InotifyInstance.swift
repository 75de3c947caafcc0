import SystemPackage
import CInotifyTools

#if canImport(Glibc)
import Glibc
#endif

/// The process's libinotifytools instance. Used from the watching thread only: the library's state is
/// global and not thread-safe.
///
/// The library initialises inotify and reads events (`inotifytools_next_event`). Watches are added and
/// removed with `inotify_add_watch`/`inotify_rm_watch` on the library's own descriptor, because the
/// library cannot say reliably which descriptor a path got (see `WatchTable`) and keeps a filename entry
/// per watch that it can never free once the kernel has dropped the watch. Its event reading does not
/// use that table, so bypassing it is safe.
final class InotifyInstance {
    /// The library's inotify descriptor, found in /proc/self/fd: 3.22.6 has no getter for it.
    let descriptor: Int32
    private var isOpen = true

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Initialises libinotifytools and makes its descriptor close-on-exec.
    static func open(root: String) throws(WatchError) -> InotifyInstance {
        let before = inotifyDescriptors()
        guard inotifytools_initialize() != 0 else {
            throw .initialisation(root: root, errno: inotifytools_error())
        }
        discardBufferedEvents()
        let opened = inotifyDescriptors().subtracting(before)
        // Zero means the library was already initialised by other code in this process; two, that another
        // thread created an instance at the same moment. Either way we cannot tell which one is the library's.
        guard opened.count == 1, let descriptor = opened.first else {
            inotifytools_cleanup()
            throw .descriptorNotFound()
        }
        // inotifytools_next_event uses select(), whose fd_set cannot hold higher descriptors.
        guard descriptor < FD_SETSIZE else {
            inotifytools_cleanup()
            throw .descriptorTooHigh(descriptor)
        }
        // The library calls inotify_init(), not inotify_init1(IN_CLOEXEC): without this every build
        // subprocess would inherit the descriptor.
        let flags = fcntl(descriptor, F_GETFD)
        if flags >= 0 {
            _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC)
        }
        return InotifyInstance(descriptor: descriptor)
    }

    /// Adds (or, for an inode already watched, updates) a watch; returns its descriptor or the errno.
    func addWatch(path: String, mask: UInt32) -> Result<Int32, Errno> {
        let wd = inotify_add_watch(descriptor, path, mask)
        return wd >= 0 ? .success(wd) : .failure(Errno(rawValue: errno))
    }

    /// Removes a watch; the kernel then queues `IN_IGNORED` for it. Failure means it was already gone.
    func removeWatch(_ wd: Int32) {
        _ = inotify_rm_watch(descriptor, wd)
    }

    /// The next event, nil after `timeoutSeconds` without one, or the errno if reading failed for good.
    func nextEvent(timeoutSeconds: Int) -> Result<InotifyEvent?, Errno> {
        // A timeout of 0 would block forever in this library.
        guard let event = inotifytools_next_event(max(1, timeoutSeconds)) else {
            let code = inotifytools_error()
            // error is 0 on a timeout; EINTR is a signal arriving during select().
            return code == 0 || code == EINTR ? .success(nil) : .failure(Errno(rawValue: code))
        }
        // The event lives in a static buffer that the next call overwrites.
        return .success(InotifyEvent(copying: event))
    }

    /// Closes the descriptor (dropping every watch) and frees the library's state.
    func close() {
        guard isOpen else { return }
        isOpen = false
        // Whatever the library still buffers is discarded by the next open(); draining here could go on
        // for as long as the workspace keeps producing events.
        inotifytools_cleanup()
    }

    /// Empties the library's static read buffer, which `inotifytools_cleanup` does not reset: events read
    /// from one instance but not yet returned would otherwise come out of the next instance, with
    /// descriptors that mean something else there. A zero timeout makes `inotifytools_next_events` return
    /// nil instead of blocking once the buffer and the kernel queue are empty (`inotifytools_next_event`
    /// turns 0 into "forever").
    private static func discardBufferedEvents() {
        while inotifytools_next_events(0, 1) != nil {}
    }

    /// Descriptors of this process that are inotify instances.
    private static func inotifyDescriptors() -> Set<Int32> {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var found: Set<Int32> = []
        var target = [CChar](repeating: 0, count: 64)
        while let entry = readdir(directory) {
            let name = DirectoryListing.entryName(entry)
            guard let fd = Int32(name) else { continue }
            let length = readlink("/proc/self/fd/\(fd)", &target, target.count - 1)
            guard length > 0 else { continue }
            let link = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if link == "anon_inode:inotify" {
                found.insert(fd)
            }
        }
        return found
    }
}
