import Foundation
import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Carries out a `CollectionPlan`: markers, and removals that a crash at any instant leaves safe.
///
/// A removal first moves the thing out of its place in one rename (into `.kiln/tmp/.gc-…`), so it is unregistered
/// at once and entirely, then deletes it there; what a crash leaves in `.kiln/tmp/` is deleted by the next
/// collection. An environment or a build's scratch is moved only while holding its build lock, so a build that
/// starts meanwhile waits for the rename and then builds anew, and one already running is never touched.
public struct CollectionRemoval: Sendable {
    public let survey: CollectionSurvey
    var layout: WorkspaceLayout { survey.layout }

    public init(survey: CollectionSurvey) { self.survey = survey }

    /// Why a removal did not happen.
    public enum Skip: Error, Sendable, CustomStringConvertible {
        /// A build started using it after the collection looked.
        case inUse(String)
        case failed(FileError)

        public var description: String {
            switch self {
            case .inUse(let why): why
            case .failed(let error): error.description
            }
        }
    }

    public func mark(_ entry: CollectionEntry, at now: Date) throws(FileError) {
        guard let path = survey.markerPath(entry) else { return }
        try WorkspaceFiles.writeAtomically(path, TOMLText.dateTime(now) + "\n")
    }

    public func unmark(_ entry: CollectionEntry) throws(FileError) {
        guard let path = survey.markerPath(entry) else { return }
        guard unlink(path) == 0 || errno == ENOENT else { throw FileError("remove", path) }
    }

    /// Moves the entry out of the way, then deletes it.
    public func remove(_ entry: CollectionEntry) throws(Skip) {
        switch entry.kind {
        case .environment, .scratch:
            let lock: FileLock?
            do {
                try WorkspaceFiles.makeDirectory(layout.building)
                lock = try FileLock.tryAcquire(layout.buildLock(entry.name))
            } catch {
                throw .failed(error)
            }
            guard let lock else { throw .inUse("a build of it started") }
            let trash: String
            do {
                trash = try moveAside(entry)
            } catch {
                lock.release()
                throw error
            }
            lock.release()
            try delete(trash)
        case .python:
            // A build picks its python before its environment names it: none is removed while one runs.
            guard !survey.buildRunning() else { throw .inUse("a build is running, and may be using it") }
            try delete(try moveAside(entry))
        case .leftover:
            try delete(survey.path(entry))
        case .tool:
            // A job submitted since the survey may name it.
            guard !survey.toolsNamedByJobs().contains(entry.name) else { throw .inUse("a Slurm job's script names it") }
            try delete(try moveAside(entry))
        }
    }

    /// `unregister`, a failure of which skips the entry.
    private func moveAside(_ entry: CollectionEntry) throws(Skip) -> String {
        do {
            return try unregister(entry)
        } catch {
            throw .failed(error)
        }
    }

    /// Stale build locks (a build killed with SIGKILL leaves its file): removed while holding them, so a build that
    /// opened one just now takes a new file instead.
    public func removeStaleLocks() {
        for name in WorkspaceFiles.list(layout.building) where name.hasSuffix(".lock") {
            (try? FileLock.tryAcquire(layout.building + "/" + name))?.release()
        }
    }

    /// Renames the entry into `.kiln/tmp/`; returns where it went. Where that rename cannot be done (another file
    /// system), its registration goes first and it is deleted in place.
    private func unregister(_ entry: CollectionEntry) throws(FileError) -> String {
        let path = survey.path(entry)
        try WorkspaceFiles.makeDirectory(layout.scratch)
        let trash =
            layout.scratch + "/" + CollectionSurvey.trashPrefix + entry.kind.rawValue + "-" + entry.name + "-"
            + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        if rename(path, trash) == 0 { return trash }
        guard errno == EXDEV else { throw FileError("move \(path) to", trash) }
        if let registration = survey.registration(entry) {
            guard unlink(registration) == 0 || errno == ENOENT else { throw FileError("remove", registration) }
        }
        return path
    }

    /// Deletes a tree without following links, making a folder writable first where it is not (a copied
    /// interpreter may come with read-only folders); a failure leaves the rest for the next collection.
    private func delete(_ path: String) throws(Skip) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if st.st_mode & S_IFMT == S_IFDIR {
            if st.st_mode & S_IRWXU != S_IRWXU { chmod(path, (st.st_mode & 0o7777) | S_IRWXU) }
            for entry in WorkspaceFiles.list(path) { try delete(path + "/" + entry) }
            guard rmdir(path) == 0 || errno == ENOENT else { throw .failed(FileError("remove", path)) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw .failed(FileError("remove", path)) }
        }
    }
}
