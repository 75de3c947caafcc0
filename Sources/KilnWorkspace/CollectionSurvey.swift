import Foundation
import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// What collection looks at on disk: the things it may remove (`CollectionEntry`), and every file that may name a
/// built environment. It only reads; `CollectionRemoval` removes and marks.
public struct CollectionSurvey: Sendable {
    public let layout: WorkspaceLayout

    /// The file that says since when nothing has referred to an environment (in its `.kiln-build/`) or to a python
    /// copy (in its folder): one UTC date-time, as statuses write them.
    public static let marker = "unreferenced-since"
    /// What a collection names the folders it moved out of the way to delete, in `.kiln/tmp/`. A dot-name: the
    /// other entries there are replacements in progress, named by environment.
    public static let trashPrefix = ".gc-"

    public init(layout: WorkspaceLayout) { self.layout = layout }

    /// Where an entry lives.
    public func path(_ entry: CollectionEntry) -> String {
        switch entry.kind {
        case .environment: layout.environment(entry.name)
        case .python: layout.pythons + "/" + entry.name
        case .scratch: layout.building + "/" + entry.name
        case .leftover: layout.scratch + "/" + entry.name
        case .tool: layout.tools + "/" + entry.name
        }
    }

    /// The file that registers an entry: removed first when it cannot be moved away in one rename.
    public func registration(_ entry: CollectionEntry) -> String? {
        switch entry.kind {
        case .environment: layout.environment(entry.name) + "/" + BuiltEnvironment.metadataFolder + "/complete"
        case .python: layout.pythons + "/" + entry.name + "/complete"
        case .tool: layout.tools + "/" + entry.name + "/complete"
        case .scratch, .leftover: nil
        }
    }

    /// Where an entry's `unreferenced-since` marker is; nil for what is never marked.
    public func markerPath(_ entry: CollectionEntry) -> String? {
        switch entry.kind {
        case .environment:
            layout.environment(entry.name) + "/" + BuiltEnvironment.metadataFolder + "/" + CollectionSurvey.marker
        case .python: layout.pythons + "/" + entry.name + "/" + CollectionSurvey.marker
        case .tool: layout.tools + "/" + entry.name + "/" + CollectionSurvey.marker
        case .scratch, .leftover: nil
        }
    }

    /// Everything collection may remove, with its lock and marker read now.
    public func entries() -> [CollectionEntry] {
        var entries: [CollectionEntry] = []
        for name in folders(in: layout.environments) {
            var entry = CollectionEntry(
                kind: .environment,
                name: name,
                locked: FileLock.isHeld(layout.buildLock(name))
            )
            entry.registered = registration(entry).map { WorkspaceFiles.kind($0) == .file } ?? false
            entry.unreferencedSince = markerPath(entry).flatMap(CollectionSurvey.readMarker)
            if let config = WorkspaceFiles.readText(layout.environment(name) + "/pyvenv.cfg", limit: 64 * 1024) {
                entry.pythons = CollectionReferences.pythons(in: config)
            }
            entries.append(entry)
        }
        for name in folders(in: layout.pythons) {
            var entry = CollectionEntry(kind: .python, name: name)
            entry.registered = registration(entry).map { WorkspaceFiles.kind($0) == .file } ?? false
            entry.unreferencedSince = markerPath(entry).flatMap(CollectionSurvey.readMarker)
            entries.append(entry)
        }
        for name in folders(in: layout.tools) {
            var entry = CollectionEntry(kind: .tool, name: name)
            entry.registered = registration(entry).map { WorkspaceFiles.kind($0) == .file } ?? false
            entry.unreferencedSince = markerPath(entry).flatMap(CollectionSurvey.readMarker)
            entries.append(entry)
        }
        for name in folders(in: layout.building) {
            entries.append(CollectionEntry(kind: .scratch, name: name, locked: FileLock.isHeld(layout.buildLock(name))))
        }
        for name in WorkspaceFiles.list(layout.scratch) where name.hasPrefix(CollectionSurvey.trashPrefix) {
            entries.append(CollectionEntry(kind: .leftover, name: name))
        }
        return entries
    }

    /// † The copies in `.kiln/tools/` that a Slurm job's script (`.kiln/jobs/*/job.sh`) names: its job may be
    /// running, or waiting for a node.
    public func toolsNamedByJobs() -> Set<String> {
        var names = Set<String>()
        let tools = folders(in: layout.tools)
        for folder in BuildJobFolder.all(in: layout) {
            guard let script = WorkspaceFiles.readText(folder.scriptFile, limit: 64 * 1024) else { continue }
            for name in tools where script.contains(layout.tools + "/" + name + "/") {
                names.insert(name)
            }
        }
        return names
    }

    /// † The interpreter copies in `.kiln/pythons/` that a Slurm job's `job.toml` builds with.
    public func pythonsNamedByJobs() -> Set<String> {
        var names = Set<String>()
        for folder in BuildJobFolder.all(in: layout) {
            guard let interpreter = folder.record?.interpreter, interpreter.hasPrefix(layout.pythons + "/") else {
                continue
            }
            if let name = interpreter.dropFirst(layout.pythons.count + 1).split(separator: "/").first {
                names.insert(String(name))
            }
        }
        return names
    }

    /// Whether any build holds its lock now.
    public func buildRunning() -> Bool {
        WorkspaceFiles.list(layout.building).contains {
            $0.hasSuffix(".lock") && FileLock.isHeld(layout.building + "/" + $0)
        }
    }

    /// Every environment name that something in the workspace refers to: the `status` of every copy in a stage
    /// (a nested published one too), of every rollback target in `.kiln/archive/<name>/`, of a replacement in
    /// progress in `.kiln/tmp/<name>`, and the daemon's kernelspecs. Each file's text is searched for paths into the
    /// store, so a damaged status still keeps what it names.
    public func references() -> Set<String> {
        var names = Set<String>()
        func scan(_ path: String) {
            guard let text = WorkspaceFiles.readText(path) else { return }
            names.formUnion(CollectionReferences.environments(in: text))
        }
        for stage in Stage.allCases {
            let folder = layout.folder(stage)
            for name in folders(in: folder, dotted: true) {
                scan(folder + "/" + name + "/status")
                if stage == .published, WorkspaceFiles.kind(folder + "/" + name + "/" + name) == .directory {
                    scan(folder + "/" + name + "/" + name + "/status")
                }
            }
        }
        for name in folders(in: layout.archive, dotted: true) {
            for version in folders(in: layout.archive + "/" + name, dotted: true) {
                scan(layout.archive + "/" + name + "/" + version + "/status")
            }
        }
        for name in folders(in: layout.scratch, dotted: true) where !name.hasPrefix(CollectionSurvey.trashPrefix) {
            scan(layout.scratch + "/" + name + "/status")
        }
        for name in folders(in: layout.kernels, dotted: true) { scan(layout.kernelJSON(name)) }
        return names
    }

    /// The directories in `folder` (never through a link); dot-names only when `dotted`.
    private func folders(in folder: String, dotted: Bool = false) -> [String] {
        WorkspaceFiles.list(folder).filter {
            (dotted || !$0.hasPrefix(".")) && WorkspaceFiles.kind(folder + "/" + $0) == .directory
        }.sorted()
    }

    /// The time a marker holds; its modification time if its text is not one (a person may have touched it).
    static func readMarker(_ path: String) -> Date? {
        guard WorkspaceFiles.kind(path) == .file else { return nil }
        if let text = WorkspaceFiles.readText(path, limit: 256),
            let date = ISO8601DateFormatter().date(from: text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return date
        }
        var st = stat()
        guard lstat(path, &st) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(st.st_mtim.tv_sec))
    }
}
