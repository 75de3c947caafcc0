import CInotifyTools

/// The inotify bits Kiln uses, as `UInt32` like `inotify_event.mask`.
///
/// Swift imports the `IN_*` macros as `Int32` and does not import composite ones such as `IN_ALL_EVENTS`,
/// so the sets we ask for are spelled out here. None of them contains `IN_OPEN`, `IN_ACCESS` or
/// `IN_CLOSE_NOWRITE`: the daemon's own rescans would then generate events, and on a big tree loop into
/// an overflow.
enum InotifyMask {
    static let modify = UInt32(IN_MODIFY)
    static let closeWrite = UInt32(IN_CLOSE_WRITE)
    static let movedFrom = UInt32(IN_MOVED_FROM)
    static let movedTo = UInt32(IN_MOVED_TO)
    static let create = UInt32(IN_CREATE)
    static let delete = UInt32(IN_DELETE)
    static let deleteSelf = UInt32(IN_DELETE_SELF)
    static let moveSelf = UInt32(IN_MOVE_SELF)
    static let attributes = UInt32(IN_ATTRIB)

    static let unmount = UInt32(IN_UNMOUNT)
    static let queueOverflow = UInt32(IN_Q_OVERFLOW)
    static let ignored = UInt32(IN_IGNORED)
    static let isDirectory = UInt32(IN_ISDIR)

    static let onlyDirectory = UInt32(IN_ONLYDIR)
    static let dontFollow = UInt32(IN_DONT_FOLLOW)
    static let excludeUnlinked = UInt32(IN_EXCL_UNLINK)

    /// Entries appearing, disappearing or being renamed in a directory.
    static let entryChanges = create | delete | movedFrom | movedTo

    /// Every watch is on a real directory, never through a symbolic link, and ignores files that are
    /// unlinked but still open (a deleted log being appended to).
    static let directoryOptions = onlyDirectory | dontFollow | excludeUnlinked

    /// The root: stage folders and the requests folder's first component come and go; the root itself may go.
    static let root = entryChanges | deleteSelf | moveSelf | directoryOptions
    /// A stage folder: environments come and go; an environment's mode or ACL changes (the fix for a directory
    /// the daemon's user could not read or write, which then has no watch of its own).
    static let stage = entryChanges | attributes | directoryOptions
    /// An environment: files finished being written, renamed over, removed; subdirectories appearing.
    /// `IN_CLOSE_WRITE` rather than `IN_MODIFY` so the daemon does not read a half-written file.
    static let environment = entryChanges | closeWrite | directoryOptions
    /// A folder between the root and the requests folder (`.kiln`): only its next component matters.
    static let requestsAncestor = entryChanges | directoryOptions
    /// The requests folder: files finished being written or renamed in.
    static let requests = closeWrite | movedTo | directoryOptions
    /// The wake-up pipe that lets `stop()` interrupt a blocked read.
    static let wakeUp = modify
}
