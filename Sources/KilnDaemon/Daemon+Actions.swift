import Foundation
import KilnProtocol
import KilnWorkspace

/// Carrying out what `Reconciler.decide` returned. A failed action is logged and left for the next look: the
/// decision is made again from disk, so nothing is retried blindly.
extension Daemon {
    @discardableResult
    func perform(_ action: Action) -> Bool {
        do {
            switch action {
            case .writeStatus(let location, let status):
                try WorkspaceFiles.writeAtomically(layout.status(location), status.rendered())
            case .queueBuild(let order):
                failures[order.name] = nil
                queue.removeAll { $0.name == order.name }
                queue.append(order)
                startBuilds()
            case .cancelBuild(let name):
                queue.removeAll { $0.name == name }
                if let build = running.removeValue(forKey: name) {
                    logger.info("\(name): cancelling build \(build.order.build)")
                    build.task.cancel()
                }
            case .move(let from, let to):
                try WorkspaceFiles.move(layout.directory(from), to: layout.directory(to))
            case .installLock(let location, let built):
                guard case .success(let bytes) = WorkspaceFiles.readFile(built.lock, limit: 16 * 1024 * 1024) else {
                    throw FileError("read", built.lock)
                }
                try WorkspaceFiles.writeAtomically(layout.lock(location), bytes)
            case .replacePublished(let name):
                try replacePublished(name)
            case .restorePublishedSpec(let name, let approved, let keepEdit):
                try restorePublishedSpec(name, approved: approved, keepEdit: keepEdit)
            case .consumeBuildRequest(let name):
                unlink(layout.request(name))
            case .record(let entry):
                logger.info(
                    "\(entry.name): \(entry.from.isEmpty ? "" : entry.from + " ")→ \(entry.to.isEmpty ? "gone" : entry.to) [\(entry.state)] \(entry.message)"
                )
                try journal.append(entry)
            }
        } catch {
            logger.error("could not carry out \(action): \(error)")
            return false
        }
        return true
    }

    /// An approval over an existing published version, in steps that a crash can be recovered from
    /// (`recoverInterruptedReplacements`): nested copy to scratch, one atomic swap, old version to the archive.
    func replacePublished(_ name: String) throws {
        let published = layout.directory(CopyLocation(.published, name))
        let incoming = layout.directory(CopyLocation(.published, name, nested: true))
        let scratch = layout.scratch + "/" + name
        try WorkspaceFiles.makeDirectory(layout.scratch)
        try WorkspaceFiles.move(incoming, to: scratch)
        var swapped = true
        do {
            try WorkspaceFiles.exchange(scratch, published)
        } catch {
            guard WorkspaceFiles.exchangeIsUnsupported(error) else { throw error }
            swapped = false
        }
        if swapped {
            try archive(scratch, name: name)
        } else {
            // No atomic swap on this mount: the old version leaves first, so for a moment there is none.
            logger.notice("\(name): this file system cannot swap directories atomically; replacing in two steps")
            try archive(published, name: name)
            try WorkspaceFiles.move(scratch, to: published)
        }
    }

    func archive(_ path: String, name: String) throws {
        let folder = layout.archive + "/" + name
        try WorkspaceFiles.makeDirectory(folder)
        let old = WorkspaceFiles.readText(path + "/status").flatMap(Status.init(parsing:))
        let stamp = TOMLText.dateTime(Date()).replacingOccurrences(of: ":", with: "")
        let label = stamp + "-" + String((old?.specSHA256 ?? "unknown").prefix(12))
        var target = folder + "/" + label
        var n = 1
        while WorkspaceFiles.kind(target) != .missing {
            n += 1
            target = folder + "/" + label + "-\(n)"
        }
        try WorkspaceFiles.move(path, to: target)
    }

    /// Finishes a replacement that a crash interrupted: whatever sits in the scratch folder is either a new version
    /// on its way in (its status still says pending) or the old one on its way to the archive.
    func recoverInterruptedReplacements() {
        for name in WorkspaceFiles.list(layout.scratch) {
            let path = layout.scratch + "/" + name
            guard WorkspaceFiles.kind(path) == .directory else { continue }
            let status = WorkspaceFiles.readText(path + "/status").flatMap(Status.init(parsing:))
            let published = layout.directory(CopyLocation(.published, name))
            do {
                if status?.stage == .pending {
                    if WorkspaceFiles.kind(published) == .directory {
                        try WorkspaceFiles.exchange(path, published)
                        try archive(path, name: name)
                    } else {
                        try WorkspaceFiles.move(path, to: published)
                    }
                } else {
                    try archive(path, name: name)
                }
                logger.info("\(name): finished a replacement of the published version that was interrupted")
            } catch {
                logger.error("\(name): cannot finish an interrupted replacement in \(path): \(error)")
            }
        }
    }

    func restorePublishedSpec(_ name: String, approved: BuiltEnvironment, keepEdit: EditDestination) throws {
        let location = CopyLocation(.published, name)
        guard case .contents(let edit) = WorkspaceFiles.readSpec(layout.spec(location)) else { return }
        guard case .success(let original) = WorkspaceFiles.readFile(approved.spec, limit: Spec.maximumSize) else {
            throw FileError("read the approved spec", approved.spec)
        }
        var keptInSaved = false
        if keepEdit == .saved {
            let saved = layout.directory(CopyLocation(.saved, name))
            if mkdir(saved, 0o755) == 0 {
                try WorkspaceFiles.writeAtomically(saved + "/spec.toml", edit)
                keptInSaved = true
            }
        }
        if !keptInSaved {
            try WorkspaceFiles.writeAtomically(layout.directory(location) + "/spec.toml.edited", edit)
        }
        try WorkspaceFiles.writeAtomically(layout.spec(location), original)
    }
}
