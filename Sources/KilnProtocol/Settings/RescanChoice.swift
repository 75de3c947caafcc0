/// The period of the daemon's safety rescan, decided once at start from `rescan_interval` and the workspace's file
/// system, with the reason the daemon logs.
public struct RescanChoice: Sendable, Equatable {
    /// Zero: no periodic rescan (inotify only).
    public let interval: Duration
    /// One line for the log and `kiln doctor`: what was chosen and why.
    public let reason: String

    /// `"auto"`'s period where inotify sees every change: rare, since a rescan of 10,000 environments costs about
    /// a fifth of a second of CPU and is there only for what events cannot report (an overflow is rescanned at once).
    public static let trusted: Duration = .seconds(600)
    /// `"auto"`'s period on network and FUSE mounts, where a rescan is the only way other hosts' changes are seen.
    public static let untrusted: Duration = .seconds(30)

    public init(interval: Duration, reason: String) {
        self.interval = interval
        self.reason = reason
    }

    /// `fileSystem` is nil when the daemon could not ask (`statfs` failed): taken for a network file system.
    public static func choose(_ setting: RescanInterval, fileSystem: FileSystemKind?) -> RescanChoice {
        let on = fileSystem.map { "workspace on \($0)" } ?? "workspace on a file system that could not be asked"
        switch setting {
        case .every(let period) where period <= .zero:
            return RescanChoice(interval: .zero, reason: "\(on): rescan_interval = \"0s\", inotify only, no rescan")
        case .every(let period):
            let text = DurationText.text(period)
            return RescanChoice(interval: period, reason: "\(on): rescan_interval = \"\(text)\", rescan every \(text)")
        case .auto:
            guard let fileSystem, fileSystem.isLocal else {
                let why =
                    fileSystem?.name == nil
                    ? "taken for a network file system, where inotify may miss changes"
                    : "a network or FUSE file system, where inotify misses other hosts' changes"
                return RescanChoice(
                    interval: untrusted,
                    reason: "\(on): \(why), rescan every \(DurationText.text(untrusted))"
                )
            }
            return RescanChoice(
                interval: trusted,
                reason: "\(on): inotify trusted, safety rescan every \(DurationText.text(trusted))"
            )
        }
    }
}
