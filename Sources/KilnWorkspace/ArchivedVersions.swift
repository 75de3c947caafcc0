import Foundation
import KilnProtocol

/// The published versions of a name that an approval or a rollback replaced, kept in `.kiln/archive/<name>/<label>/`
/// (rule 5 †). A label is the time the version was archived and the first 12 digits of its spec hash
/// (`2026-11-20T101500Z-9f2c1a2b3c4d`), so labels sort by when each version stopped being the published one.
public struct ArchivedVersions: Sendable {
    public let layout: WorkspaceLayout
    public let name: String

    public init(layout: WorkspaceLayout, name: String) {
        self.layout = layout
        self.name = name
    }

    /// One archived version, as its folder holds it.
    public struct Version: Sendable, Equatable {
        /// The folder's name in `.kiln/archive/<name>/`.
        public var label: String
        public var path: String
        /// Its status when it was archived: stage published, with its `approved` date and its build. Nil when the
        /// file is missing or damaged.
        public var status: Status?
        /// The admin's note on its approval (its `review` file), if any.
        public var review: String?

        public var specPath: String { path + "/spec.toml" }
    }

    /// Every archived version, the most recently archived first.
    public func all() -> [Version] {
        WorkspaceFiles.list(folder).filter(Self.isLabel).sorted(by: >).compactMap(version(named:))
    }

    /// The version in the folder `label`; nil when there is none. A label is one plain folder name: nothing with a
    /// `/`, a leading dot, or a symbolic link is ever read.
    public func version(named label: String) -> Version? {
        guard Self.isLabel(label) else { return nil }
        let path = folder + "/" + label
        guard WorkspaceFiles.kind(path) == .directory else { return nil }
        let review = WorkspaceFiles.readText(path + "/review", limit: 16 * 1024)?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return Version(
            label: label,
            path: path,
            status: WorkspaceFiles.readText(path + "/status").flatMap(Status.init(parsing:)),
            review: review?.isEmpty == true ? nil : review
        )
    }

    /// The version a person means by `query`: a label, or a prefix of at least 6 hex digits of its spec hash (the
    /// most recently archived when several versions hold that spec). Nil when nothing matches.
    public func find(_ query: String) -> Version? {
        if let exact = version(named: query) { return exact }
        let prefix = query.lowercased()
        guard prefix.count >= 6, prefix.allSatisfy(\.isHexDigit) else { return nil }
        return all().first { $0.status?.specSHA256?.hasPrefix(prefix) == true }
    }

    var folder: String { layout.archive + "/" + name }

    static func isLabel(_ label: String) -> Bool {
        !label.isEmpty && !label.hasPrefix(".") && !label.contains("/")
    }
}
