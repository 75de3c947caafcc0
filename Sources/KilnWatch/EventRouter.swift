/// Turns one inotify event into actions. Pure: no I/O, so every rule is tested with plain values.
struct EventRouter: Sendable {
    let stages: [String]
    let interestingFiles: Set<String>
    let requestsRoot: String

    init(layout: WatchLayout) {
        self.init(
            stages: layout.stages,
            interestingFiles: layout.interestingFiles,
            requestsRoot: layout.requestsComponents[0]
        )
    }

    init(stages: [String], interestingFiles: Set<String>, requestsRoot: String) {
        self.stages = stages
        self.interestingFiles = interestingFiles
        self.requestsRoot = requestsRoot
    }

    /// The daemon's build logs: appended all the time, never a reason to look.
    static let logsFolder = "logs"

    /// - Parameters:
    ///   - event: the event, copied.
    ///   - target: what its descriptor watches, if known and attached; for `IN_IGNORED`, what it watched.
    func actions(for event: InotifyEvent, target: WatchTarget?) -> [WatchAction] {
        if event.wd == -1 || event.has(InotifyMask.queueOverflow) {
            return [.resync(reason: WatchHint.overflowReason)]
        }
        guard let target else { return [] }
        if event.has(InotifyMask.ignored) {
            // A removed environment was already reported by its stage folder's IN_DELETE.
            return target.isStructural ? [.resync(reason: "the watch on \(describe(target)) was dropped")] : []
        }
        if event.has(InotifyMask.unmount) {
            return [.resync(reason: "the filesystem holding \(describe(target)) was unmounted")]
        }
        switch target {
        case .root:
            return rootActions(for: event)
        case .stage(let stage):
            return stageActions(for: event, stage: stage)
        case .environment(let stage, let name):
            return environmentActions(for: event, stage: stage, name: name)
        case .requestsAncestor(let relativePath, let child):
            guard event.name == child, event.has(InotifyMask.entryChanges) else { return [] }
            return [.resync(reason: "\(relativePath)/\(child) was \(verb(event))")]
        case .requests:
            guard let name = event.name, !event.isDirectory,
                event.has(InotifyMask.closeWrite | InotifyMask.movedTo)
            else { return [] }
            return [.hint(.request(name: name))]
        }
    }

    private func rootActions(for event: InotifyEvent) -> [WatchAction] {
        if event.has(InotifyMask.deleteSelf | InotifyMask.moveSelf) {
            return [.resync(reason: "the workspace root itself was \(verb(event))")]
        }
        guard let name = event.name, stages.contains(name) || name == requestsRoot,
            event.has(InotifyMask.entryChanges)
        else { return [] }
        return [.resync(reason: "\(name) was \(verb(event)) in the workspace root")]
    }

    private func stageActions(for event: InotifyEvent, stage: String) -> [WatchAction] {
        guard let name = event.name else { return [] }
        let hint = WatchAction.hint(.environment(stage: stage, name: name))
        if !event.has(InotifyMask.entryChanges) {
            // An environment directory's mode or ACL changed: one the daemon's user could not read may now be
            // readable, so it is watched (again: a watch it has is kept) and looked at.
            guard event.has(InotifyMask.attributes), event.isDirectory else { return [] }
            return [.watchEnvironment(stage: stage, name: name), hint]
        }
        // Only real directories carry IN_ISDIR: a symbolic link to one gets its hint but never a watch.
        guard event.isDirectory else { return [hint] }
        if event.has(InotifyMask.create | InotifyMask.movedTo) {
            // Watch first, hint second: the daemon then lists a directory whose later changes are seen.
            return [.watchEnvironment(stage: stage, name: name), hint]
        }
        if event.has(InotifyMask.movedFrom) {
            return [.detachEnvironment(stage: stage, name: name), hint]
        }
        return [hint]
    }

    private func environmentActions(for event: InotifyEvent, stage: String, name: String) -> [WatchAction] {
        guard let entry = event.name else { return [] }
        let hint = [WatchAction.hint(.environment(stage: stage, name: name))]
        if event.isDirectory {
            // A subdirectory (a nested environment after `mv pending/foo published/`) but not the logs.
            guard entry != Self.logsFolder, event.has(InotifyMask.entryChanges) else { return [] }
            return hint
        }
        // IN_CREATE of a file is left out: IN_CLOSE_WRITE follows once it is written, and reading earlier
        // would see it half-written. status, logs and editor droppings are not interesting files.
        guard interestingFiles.contains(entry),
            event.has(InotifyMask.closeWrite | InotifyMask.movedTo | InotifyMask.movedFrom | InotifyMask.delete)
        else { return [] }
        return hint
    }

    private func describe(_ target: WatchTarget) -> String {
        switch target {
        case .root: "the workspace root"
        case .stage(let stage): "the stage folder \(stage)"
        case .environment(let stage, let name): "\(stage)/\(name)"
        case .requestsAncestor(let relativePath, _): relativePath
        case .requests: "the requests folder"
        }
    }

    private func verb(_ event: InotifyEvent) -> String {
        if event.has(InotifyMask.create) { return "created" }
        if event.has(InotifyMask.delete | InotifyMask.deleteSelf) { return "removed" }
        if event.has(InotifyMask.movedTo) { return "moved in" }
        if event.has(InotifyMask.movedFrom) { return "moved away" }
        if event.has(InotifyMask.moveSelf) { return "moved" }
        return "changed"
    }
}
