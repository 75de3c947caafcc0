/// Where to look again.
///
/// A hint says nothing about what changed, only where: the daemon reads the disk and decides.
/// Hints may be redundant; for a change made through this machine, one is never missing.
public enum WatchHint: Sendable, Hashable {
    /// Something changed in or about `<stage>/<name>` (created, removed, moved in or out,
    /// an interesting file or a subdirectory inside changed).
    case environment(stage: String, name: String)
    /// A file in the requests folder was written or moved in; `name` is its file name.
    case request(name: String)
    /// The watcher can no longer vouch for what it saw (queue overflow, a stage folder
    /// created/removed/moved, a watch that could not be added): look at everything.
    case rescan(reason: String)
    /// The inotify watch limit is reached: some directories are not watched, and their changes show no events.
    /// Sent once per watcher, however many directories go unwatched; `message` names the directory first
    /// refused, the limit in force and the sysctl that raises it. Only rescans find what happens in them.
    case watchesExhausted(message: String)
}

extension WatchHint {
    /// The reason a `.rescan` gives when the inotify event queue overflowed (a rescan's reason may join several): the
    /// daemon counts these (`kiln_inotify_overflows_total`).
    public static let overflowReason =
        "the inotify event queue overflowed (more than fs.inotify.max_queued_events events were waiting); events were lost"
}
