import Foundation
import KilnProtocol

/// One published version that a newer approval or a rollback replaced, kept in `.kiln/archive/<name>/<label>/`
/// (rule 5).
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

/// The archived versions of a name, and the lookup of one by what a person types: its folder label, or a prefix of
/// at least 6 hex digits of its spec hash. `kiln diff`, `kiln versions` and `kiln rollback` name versions the same
/// way, and the daemon finds a rollback's target here.
///
/// Labels begin with the time the version was archived, so they sort by when each stopped being the published one.
public struct ArchivedVersions: Sendable {
    public let layout: WorkspaceLayout
    public let name: String

    public init(layout: WorkspaceLayout, name: String) {
        self.layout = layout
        self.name = name
    }

    /// Why a lookup found no single version.
    public enum LookupProblem: Error, Sendable, Equatable {
        case notFound
        /// Versions with different specs whose hashes begin with the prefix: their labels.
        case ambiguous([String])
    }

    /// Every archived version, the most recently archived first.
    public func all() -> [ArchivedVersion] {
        WorkspaceFiles.list(folder).sorted(by: >).compactMap(version(named:))
    }

    /// The version in the folder `label`; nil when there is none. A label is one plain folder name: nothing with a
    /// `/` or a leading dot, and no symbolic link, is ever read.
    public func version(named label: String) -> ArchivedVersion? {
        guard !label.isEmpty, !label.hasPrefix("."), !label.contains("/") else { return nil }
        let directory = folder + "/" + label
        guard WorkspaceFiles.kind(directory) == .directory else { return nil }
        let review = WorkspaceFiles.readText(directory + "/review", limit: 16 * 1024).map(PersonText.note)
        return ArchivedVersion(
            label: label,
            directory: directory,
            status: WorkspaceFiles.readText(directory + "/status").flatMap(Status.init(parsing:)),
            specSHA256: WorkspaceFiles.readSpec(directory + "/spec.toml").sha256,
            review: review?.isEmpty == true ? nil : review
        )
    }

    /// The version a person means by `query`.
    public func find(_ query: String) -> Result<ArchivedVersion, LookupProblem> {
        Self.find(query, among: all())
    }

    /// The version whose label is `query`, else the one whose spec hash (its status's, or its spec's) begins with
    /// `query` when that is at least 6 hex digits. Several versions of one spec (approved twice) are one choice:
    /// the most recently archived of them.
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
        guard let newest = matches.max(by: { $0.label < $1.label }) else { return .failure(.notFound) }
        let specs = Set(matches.map { $0.status?.specSHA256 ?? $0.specSHA256 ?? $0.label })
        return specs.count == 1 ? .success(newest) : .failure(.ambiguous(matches.map(\.label).sorted()))
    }

    var folder: String { layout.archive + "/" + name }
}
