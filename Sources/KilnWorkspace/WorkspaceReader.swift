import Foundation
import KilnProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Reads what the disk says about environments; the reconcile decision takes its answers as input.
public struct WorkspaceReader: Sendable {
    public let layout: WorkspaceLayout

    public init(layout: WorkspaceLayout) { self.layout = layout }

    /// Every name that has a directory (or a link) in some stage folder. Dot-entries and what Finder and
    /// Explorer leave behind are never environments.
    public func names() -> Set<String> {
        var names = Set<String>()
        for stage in Stage.allCases {
            for entry in WorkspaceFiles.list(layout.folder(stage)) where !entry.hasPrefix(".") {
                if ClientLitter.contains(entry) { continue }
                let kind = WorkspaceFiles.kind(layout.folder(stage) + "/" + entry)
                if kind == .directory || kind == .symlink { names.insert(entry) }
            }
        }
        return names
    }

    /// All copies of `name`, in stage order, the nested published one last.
    public func copies(of name: String) -> [EnvironmentCopy] {
        var copies: [EnvironmentCopy] = []
        for stage in Stage.allCases {
            let location = CopyLocation(stage, name)
            switch WorkspaceFiles.kind(layout.directory(location)) {
            case .directory:
                copies.append(read(location))
                if stage == .published {
                    let nested = CopyLocation(.published, name, nested: true)
                    if WorkspaceFiles.kind(layout.directory(nested)) == .directory { copies.append(read(nested)) }
                }
            case .symlink:
                copies.append(EnvironmentCopy(location: location, isSymlink: true, spec: .missing))
            default:
                continue
            }
        }
        return copies
    }

    /// A cheap fingerprint of everything `copies(of:)` would read for `name`: identity, size and times of each
    /// stage's directory and of the files inside it, taken with lstat only. Equal fingerprints mean the files
    /// were not touched (ctime also catches an edit that kept its mtime), so a rescan can skip the reading.
    public func stamp(of name: String) -> [Int] {
        var stamp: [Int] = []
        func add(_ path: String) -> Bool {
            let one = WorkspaceFiles.stamp(path)
            stamp += one
            return one.count > 1 && (one[1] & Int(S_IFMT)) == Int(S_IFDIR)
        }
        for stage in Stage.allCases {
            var locations = [CopyLocation(stage, name)]
            if stage == .published { locations.append(CopyLocation(.published, name, nested: true)) }
            for location in locations where add(layout.directory(location)) {
                _ = add(layout.spec(location))
                _ = add(layout.status(location))
                _ = add(layout.review(location))
            }
        }
        _ = add(layout.request(name))
        // A kernelspec removed or changed by hand is put right at the next rescan.
        _ = add(layout.kernelJSON(name))
        return stamp
    }

    /// What a replacement of the published version left in `.kiln/tmp/<name>` when a crash interrupted it, if any.
    public func interruptedReplacement(of name: String) -> InterruptedReplacement? {
        let path = layout.scratch(name)
        guard WorkspaceFiles.kind(path) == .directory else { return nil }
        let status = WorkspaceFiles.readText(path + "/status").flatMap(Status.init(parsing:))
        return InterruptedReplacement(
            incoming: status?.stage == .pending,
            publishedExists: WorkspaceFiles.kind(layout.directory(CopyLocation(.published, name))) == .directory,
            specSHA256: status?.specSHA256
        )
    }

    public func read(_ location: CopyLocation) -> EnvironmentCopy {
        let status = WorkspaceFiles.readText(layout.status(location)).flatMap(Status.init(parsing:))
        let review = WorkspaceFiles.readText(layout.review(location), limit: 16 * 1024).map(PersonText.note)
        return EnvironmentCopy(
            location: location,
            spec: WorkspaceFiles.readSpec(layout.spec(location)),
            status: status,
            review: review?.isEmpty == true ? nil : review
        )
    }
}
