/// What the watching thread should do about one event; decided by `EventRouter`, carried out by `WatchLoop`.
enum WatchAction: Equatable, Sendable {
    /// Pass this hint on.
    case hint(WatchHint)
    /// Watch the new directory `<stage>/<name>` (or re-attach the descriptor of one moved here).
    case watchEnvironment(stage: String, name: String)
    /// `<stage>/<name>` moved away; its descriptor may turn up again under another name.
    case detachEnvironment(stage: String, name: String)
    /// Re-walk the tree, add missing watches, drop stale ones, then hint `.rescan(reason:)`.
    case resync(reason: String)
}
