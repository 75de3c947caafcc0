import Foundation
import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Follows `.kiln/journal.jsonl` as the daemon appends to it: each `poll()` returns the entries whose lines were
/// completed since the last one.
///
/// It polls rather than asking inotify: a workspace is often on a network mount, where the daemon runs on another
/// host, and inotify hears only the writes of its own host. Each poll opens the file anew and compares its size
/// with what was read, which costs one `open` and one `fstat` when nothing happened, so polling every 200 ms is
/// cheap, and the fresh open is what makes an NFS client look at the server again (close-to-open consistency)
/// rather than trust its cached size.
///
/// - A line without its newline yet (a write in progress, or on its way over the network) waits for the newline.
/// - A journal that does not exist yet is read from its beginning once it does.
/// - A journal replaced by another file (another inode), or truncated below what was read, is read again from its
///   beginning.
public struct JournalFollower: Sendable {
    public let path: String
    private var position: JournalPosition?
    /// The start of a line whose newline has not arrived.
    private var partial: [UInt8] = []
    /// The most read in one poll: a huge journal replaced under a follower is taken in over several polls.
    static let maxRead = 4 * 1024 * 1024

    /// A follower of `journal` that starts at `position` (where `Journal.latest` stopped), or at the beginning of
    /// whatever journal appears when there is none.
    public init(_ journal: Journal, from position: JournalPosition?) {
        path = journal.path
        self.position = position
    }

    /// The entries appended since the last poll, oldest first; damaged lines are skipped.
    public mutating func poll() -> [JournalEntry] {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            // Gone (or not there yet): whatever journal comes next is new, and read from its start.
            position = nil
            partial = []
            return []
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return [] }
        let identity = JournalPosition.Identity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        let size = Int(info.st_size)
        var here = position ?? JournalPosition(identity: identity, offset: 0)
        if here.identity != identity || size < here.offset + partial.count {
            here = JournalPosition(identity: identity, offset: 0)
            partial = []
        }
        let start = here.offset + partial.count
        let count = min(size - start, JournalFollower.maxRead)
        guard count > 0 else {
            position = here
            return []
        }
        var chunk = [UInt8](repeating: 0, count: count)
        let read = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(start)) }
        guard read > 0 else {
            position = here
            return []
        }
        partial.append(contentsOf: chunk[..<read])
        var entries: [JournalEntry] = []
        var lineStart = partial.startIndex
        while let newline = partial[lineStart...].firstIndex(of: 10) {
            if let entry = Journal.decode(partial[lineStart..<newline]) { entries.append(entry) }
            lineStart = newline + 1
        }
        here.offset += lineStart
        partial.removeSubrange(..<lineStart)
        position = here
        return entries
    }
}
