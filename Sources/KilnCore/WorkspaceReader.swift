/// Reads what the disk says about environments; the reconcile decision takes its answers as input.
public struct WorkspaceReader: Sendable {
    public let layout: WorkspaceLayout

    public init(layout: WorkspaceLayout) { self.layout = layout }

    /// Every name that has a directory (or a link) in some stage folder. Dot-entries are never environments.
    public func names() -> Set<String> {
        var names = Set<String>()
        for stage in Stage.allCases {
            for entry in WorkspaceFiles.list(layout.folder(stage)) where !entry.hasPrefix(".") {
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

    public func read(_ location: CopyLocation) -> EnvironmentCopy {
        let status = WorkspaceFiles.readText(layout.status(location)).flatMap(Status.init(parsing:))
        let review = WorkspaceFiles.readText(layout.review(location), limit: 16 * 1024)?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return EnvironmentCopy(
            location: location,
            spec: WorkspaceFiles.readSpec(layout.spec(location)),
            status: status,
            review: review?.isEmpty == true ? nil : review
        )
    }
}

import Foundation
