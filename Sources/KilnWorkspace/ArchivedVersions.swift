import Foundation
import KilnProtocol

/// One published version that a newer approval replaced, kept in `.kiln/archive/<name>/<label>/` (rule 5).
public struct ArchivedVersion: Sendable, Equatable {
    /// The folder's name: `<time of the replacement>-<12 hex digits of its spec hash>`.
    public var label: String
    /// The folder's path.
    public var directory: String
    /// Its status as it was when it was replaced (published, with its `approved` date); nil when unreadable.
    public var status: Status?
    /// The SHA-256 of its `spec.toml`'s bytes; nil when it has none.
    public var specSHA256: String?
    /// The admin's review note, trimmed; nil when there is none.
    public var review: String?

    public var specPath: String { directory + "/spec.toml" }
    public var lockPath: String { directory + "/requirements.lock" }
}

/// The archived versions of a name, and the lookup of one by what a person types: its folder label, or a unique
/// prefix of at least 6 hex digits of its spec hash. `kiln diff`, `kiln versions` and `kiln rollback` name
/// versions the same way.
public enum ArchivedVersions {
    /// Oldest first (labels begin with the time).
    public static func list(_ name: String, in layout: WorkspaceLayout) -> [ArchivedVersion] {
        let folder = layout.archive + "/" + name
        return WorkspaceFiles.list(folder).filter { !$0.hasPrefix(".") }.sorted().compactMap { label in
            let directory = folder + "/" + label
            guard WorkspaceFiles.kind(directory) == .directory else { return nil }
            let review = WorkspaceFiles.readText(directory + "/review", limit: 16 * 1024)?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return ArchivedVersion(
                label: label,
                directory: directory,
                status: WorkspaceFiles.readText(directory + "/status").flatMap(Status.init(parsing:)),
                specSHA256: WorkspaceFiles.readSpec(directory + "/spec.toml").sha256,
                review: review?.isEmpty == true ? nil : review
            )
        }
    }

    /// Why a lookup found no single version.
    public enum LookupProblem: Error, Sendable, Equatable {
        case notFound
        /// More than one version's spec hash begins with the prefix: their labels.
        case ambiguous([String])
    }

    /// The version whose label is `query`, else the one whose spec hash (its status's, or its spec's) begins with
    /// `query` when that is at least 6 hex digits.
    public static func find(
        _ query: String,
        among versions: [ArchivedVersion]
    ) -> Result<
        ArchivedVersion, LookupProblem
    > {
        if let exact = versions.first(where: { $0.label == query }) { return .success(exact) }
        let prefix = query.lowercased()
        guard prefix.count >= 6, prefix.allSatisfy(\.isHexDigit) else { return .failure(.notFound) }
        let matches = versions.filter { version in
            [version.status?.specSHA256, version.specSHA256].contains { $0?.hasPrefix(prefix) == true }
        }
        switch matches.count {
        case 0: return .failure(.notFound)
        case 1: return .success(matches[0])
        default: return .failure(.ambiguous(matches.map(\.label)))
        }
    }
}
