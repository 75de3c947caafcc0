import Foundation
import KilnProtocol
import KilnWorkspace
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Carrying out what `Reconciler.decide` returned. These functions decide nothing: a failed action is logged and
/// the rest of its decision dropped, and the decision is made again from disk at the next look.
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
            case .cancelBuild(let name):
                cancelBuild(name)
            case .move(let from, let to):
                try WorkspaceFiles.move(layout.directory(from), to: layout.directory(to))
            case .installLock(let location, let built):
                switch WorkspaceFiles.readFile(built.lock, limit: 16 * 1024 * 1024) {
                case .success(let bytes): try WorkspaceFiles.writeAtomically(layout.lock(location), bytes)
                case .failure(let error): throw error
                }
            case .createEnvironment(let location, let spec):
                try createEnvironment(location, spec: spec)
            case .writeSpec(let location, let bytes):
                try WorkspaceFiles.writeAtomically(layout.spec(location), bytes)
            case .keepEditBeside(let location, let bytes):
                try WorkspaceFiles.writeAtomically(layout.spec(location) + ".edited", bytes)
            case .moveToScratch(let location):
                try WorkspaceFiles.makeDirectory(layout.scratch)
                try WorkspaceFiles.move(layout.directory(location), to: layout.scratch(location.name))
            case .swapScratchWithPublished(let name):
                try swapIntoPublished(name)
            case .moveScratchToPublished(let name):
                try WorkspaceFiles.move(layout.scratch(name), to: layout.directory(CopyLocation(.published, name)))
            case .archiveScratch(let name, let time):
                // Nothing left there when the file system could not swap and the old version went first.
                if WorkspaceFiles.kind(layout.scratch(name)) != .missing {
                    try archive(layout.scratch(name), name: name, at: time)
                }
            case .consumeBuildRequest(let name), .consumeRollbackRequest(let name):
                unlink(layout.request(name))
            case .moveArchivedToScratch(let name, let version):
                guard let archived = ArchivedVersions(layout: layout, name: name).version(named: version) else {
                    throw FileError("find", layout.archive + "/" + name + "/" + version)
                }
                try WorkspaceFiles.makeDirectory(layout.scratch)
                try WorkspaceFiles.move(archived.directory, to: layout.scratch(name))
            case .writeKernelspec(let name, let bytes):
                try WorkspaceFiles.makeDirectory(layout.kernel(name))
                try WorkspaceFiles.writeAtomically(layout.kernelJSON(name), bytes)
                logger.info("\(name): Jupyter kernelspec written in .kiln/jupyter/kernels/\(name)")
            case .removeKernelspec(let name):
                guard unlink(layout.kernelJSON(name)) == 0 || errno == ENOENT else {
                    throw FileError("remove", layout.kernelJSON(name))
                }
                rmdir(layout.kernel(name))
                logger.info("\(name): Jupyter kernelspec removed")
            case .keepSpec(let bytes):
                try WorkspaceFiles.makeDirectory(layout.keptSpecs)
                let kept = layout.keptSpec(SHA256Hex.of(bytes))
                if WorkspaceFiles.kind(kept) != .file { try WorkspaceFiles.writeAtomically(kept, bytes) }
            case .writeChanges(let location, let bytes):
                try WorkspaceFiles.writeAtomically(layout.changes(location), bytes)
            case .record(let entry):
                log(entry)
                try journal.append(entry)
                if entry.to.isEmpty && entry.state == "removed" {
                    recordedRemoved.insert(entry.name)
                } else {
                    recordedRemoved.remove(entry.name)
                }
            }
        } catch {
            logger.error("could not carry out \(action): \(error)\(permissionHint(error))")
            return false
        }
        return true
    }

    /// Made complete beside the workspace's stages, then moved into place without replacing anything: a crash never
    /// leaves an environment directory without its spec.
    private func createEnvironment(_ location: CopyLocation, spec: [UInt8]) throws {
        try WorkspaceFiles.makeDirectory(layout.scratch)
        // A dot-name: the scratch folder's other entries are interrupted replacements, named by environment.
        let staging = layout.scratch + "/.new-\(location.name)-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(staging, 0o755) == 0 else { throw FileError("create", staging) }
        do {
            try WorkspaceFiles.writeAtomically(staging + "/spec.toml", spec)
            try WorkspaceFiles.move(staging, to: layout.directory(location))
        } catch {
            unlink(staging + "/spec.toml")
            rmdir(staging)
            throw error
        }
    }

    /// For a refusal by the file system: which directory the daemon's user cannot write, and the command that fixes
    /// it (the same words as `kiln doctor`'s).
    func permissionHint(_ error: any Error) -> String {
        guard let error = error as? FileError, error.isPermissionDenied else { return "" }
        guard var permissions = WorkspacePermissions.current(of: layout) else { return "" }
        permissions.daemon = .init(id: geteuid(), name: FileOwner.userName(geteuid()))
        for directory in error.directoriesInvolved where WorkspaceFiles.kind(directory) == .directory {
            if let why = permissions.daemonCannotWrite(directory, in: layout) { return "; " + why }
        }
        return ""
    }

    /// One line per transition; a failed build at warning level, since someone has to act on it.
    private func log(_ entry: JournalEntry) {
        let place: String =
            switch (entry.from.isEmpty, entry.to.isEmpty) {
            case (_, true): "\(entry.from.isEmpty ? "" : entry.from + " ")→ gone"
            case (true, false): "→ \(entry.to)"
            case (false, false): entry.from == entry.to ? entry.to : "\(entry.from) → \(entry.to)"
            }
        let level: Logger.Level = entry.state == EnvironmentState.failed.rawValue ? .warning : .info
        logger.log(level: level, "\(entry.name): \(place) [\(entry.state)] \(entry.message)")
    }

    /// The new version in `.kiln/tmp/<name>` takes `published/<name>` in one atomic swap. Where the file system
    /// cannot swap (FUSE, NFS), the old version goes to the archive first, so for a moment there is none.
    private func swapIntoPublished(_ name: String) throws {
        let published = layout.directory(CopyLocation(.published, name))
        do {
            try WorkspaceFiles.exchange(layout.scratch(name), published)
        } catch {
            guard WorkspaceFiles.exchangeIsUnsupported(error) else { throw error }
            logger.notice("\(name): this file system cannot swap directories atomically; replacing in two steps")
            try archive(published, name: name, at: Date())
            try WorkspaceFiles.move(layout.scratch(name), to: published)
        }
    }

    /// Moves an old published version into `.kiln/archive/<name>/<time>-<spec hash>`, never over another.
    private func archive(_ path: String, name: String, at time: Date) throws {
        let folder = layout.archive + "/" + name
        try WorkspaceFiles.makeDirectory(folder)
        let old = WorkspaceFiles.readText(path + "/status").flatMap(Status.init(parsing:))
        let stamp = TOMLText.dateTime(time).replacingOccurrences(of: ":", with: "")
        let label = stamp + "-" + String((old?.specSHA256 ?? "unknown").prefix(12))
        var target = folder + "/" + label
        var n = 1
        while WorkspaceFiles.kind(target) != .missing {
            n += 1
            target = folder + "/" + label + "-\(n)"
        }
        try WorkspaceFiles.move(path, to: target)
    }
}
