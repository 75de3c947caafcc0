/// `[daemon] rescan_interval`: a fixed period, or `"auto"` (the default), which leaves the period to the file system
/// the workspace is on (``RescanChoice``).
public enum RescanInterval: Sendable, Equatable {
    /// Rare safety rescans where inotify sees every change (a local file system), frequent ones where it cannot
    /// (network and FUSE mounts, where other hosts' changes make no event here).
    case auto
    /// A period set in `workspace.toml`; zero means no rescans at all, inotify only.
    case every(Duration)

    /// `"auto"` or a duration (`"30s"`, `"10m"`); nil for anything else.
    public static func parse(_ text: String) -> RescanInterval? {
        if text == "auto" { return .auto }
        return DurationText.parse(text).map(RescanInterval.every)
    }
}
