/// The watcher's own map from watch descriptor to what it watches.
///
/// libinotifytools 3.22.6 keeps a filename table, but it cannot be trusted: it never handles `IN_IGNORED`,
/// its removal functions fail (and keep the entry) once the kernel has dropped a watch, and a directory
/// recreated under a name it has seen before is looked up as the old, dead descriptor. So the table lives
/// here, keyed by the descriptor the kernel returned.
///
/// An environment whose directory was moved away (`IN_MOVED_FROM`) is *detached*: its descriptor still
/// watches the moved directory, wherever it went. If the directory reappears in a stage folder, adding a
/// watch there returns the same descriptor and the entry is re-attached under the new name; if not (it left
/// the workspace), the watcher removes the watch after a grace period.
struct WatchTable {
    private var targets: [Int32: WatchTarget] = [:]
    /// Attached entries only, so a target maps to the directory now at its path.
    private var descriptors: [WatchTarget: Int32] = [:]
    /// Kept apart so sweeping looks at the few detached entries, not the whole table.
    private var detachedSince: [Int32: ContinuousClock.Instant] = [:]

    var count: Int { targets.count }

    var allDescriptors: Set<Int32> { Set(targets.keys) }

    var hasDetached: Bool { !detachedSince.isEmpty }

    /// The target for `wd`, or nil if unknown or detached. Events from a moved-away directory are covered by
    /// the hint its `IN_MOVED_TO` produces, or concern a directory that left the workspace.
    func target(for wd: Int32) -> WatchTarget? {
        detachedSince[wd] == nil ? targets[wd] : nil
    }

    /// The attached descriptor for `target`.
    func descriptor(for target: WatchTarget) -> Int32? {
        descriptors[target]
    }

    /// Records that `wd` now watches `target`: a new watch, or one that moved with its directory.
    ///
    /// Returns the descriptor that was attached to `target` before, if it differs: that directory was
    /// replaced without the watcher seeing it go; it is detached, and the caller should remove its watch.
    @discardableResult
    mutating func attach(
        _ wd: Int32,
        to target: WatchTarget,
        at instant: ContinuousClock.Instant = .now
    ) -> Int32? {
        if let previous = targets[wd], descriptors[previous] == wd {
            descriptors[previous] = nil
        }
        var displaced: Int32? = nil
        if let other = descriptors[target], other != wd {
            detachedSince[other] = instant
            displaced = other
        }
        targets[wd] = target
        descriptors[target] = wd
        detachedSince[wd] = nil
        return displaced
    }

    /// Marks the environment at `stage/name` as moved away; see the type's discussion.
    mutating func detachEnvironment(stage: String, name: String, at instant: ContinuousClock.Instant = .now) {
        let target = WatchTarget.environment(stage: stage, name: name)
        guard let wd = descriptors.removeValue(forKey: target) else { return }
        detachedSince[wd] = instant
    }

    /// Descriptors detached at or before `instant`.
    func detached(before instant: ContinuousClock.Instant) -> [Int32] {
        detachedSince.compactMap { wd, since in since <= instant ? wd : nil }
    }

    /// Forgets `wd` (after `IN_IGNORED`, or after removing its watch). Returns what it was, attached or not.
    @discardableResult
    mutating func remove(_ wd: Int32) -> WatchTarget? {
        detachedSince[wd] = nil
        guard let target = targets.removeValue(forKey: wd) else { return nil }
        if descriptors[target] == wd {
            descriptors[target] = nil
        }
        return target
    }
}
