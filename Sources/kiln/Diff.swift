import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

/// `kiln diff NAME [FROM] [TO]`: what a version changes against another, spec and locks (see `EnvironmentDiff`).
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a version of an environment changes: the spec's fields, and every distribution added, "
            + "removed, upgraded or downgraded.",
        discussion: """
            FROM and TO are each `saved`, `draft`, `pending`, `published`, or an archived version in \
            .kiln/archive/NAME/ (its folder's label, or at least 6 hex digits that begin its spec hash). By default \
            FROM is the published version (without one, everything is added) and TO the version in progress (the \
            copy in saved/, draft/ or pending/). The distributions come from each version's requirements.lock \
            (else its build's lock in the store), resolved dependencies included; a version not built yet has none. \
            Exits 1 when NAME or a version does not exist, listing what does.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument(help: "The environment.") var name: String
    @Argument(help: "The version to compare against (default: published).") var from: String?
    @Argument(help: "The version to show the changes of (default: the one in progress).") var to: String?
    @Flag(help: "Print JSON, for scripts: name, from, to, spec, distributions, pinned, summary.")
    var json = false

    static let stages: [Stage] = [.saved, .draft, .pending, .published]

    func run() throws {
        let layout = try options.layout()
        let name = try validName(self.name)
        let copies = MoveWait.read(name, in: layout)
        for copy in copies {
            switch CopyCondition(copy, layout: layout) {
            case .moving(let reason), .damaged(let reason): throw CLIError.workspace(reason)
            default: continue
            }
        }
        let archived = ArchivedVersions(layout: layout, name: name).all()
        guard !copies.isEmpty || !archived.isEmpty else {
            throw CLIError.refused("no environment named '\(name)' in \(layout.root); `kiln list` shows what there is")
        }
        let versions = Versions(name: name, layout: layout, copies: copies, archived: archived)
        let old: ReviewedVersion =
            if let from { try versions.find(from) } else { versions.published ?? .nothing("nothing published") }
        let new: ReviewedVersion
        if let to {
            new = try versions.find(to)
        } else if let inProgress = versions.inProgress {
            new = inProgress
        } else {
            throw CLIError.refused(
                "'\(name)' has no version in progress (in saved/, draft/ or pending/) to compare; name two versions: "
                    + "`kiln diff \(name) FROM TO` (\(versions.available))"
            )
        }
        let diff = EnvironmentDiff(from: old, to: new)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(DiffJSON(name: name, diff: diff)), as: UTF8.self))
            return
        }
        print(diff.rendered(name: name), terminator: "")
    }

    /// The versions of one name, by what a person types.
    struct Versions {
        var name: String
        var layout: WorkspaceLayout
        var copies: [EnvironmentCopy]
        var archived: [ArchivedVersion]

        func copy(in stage: Stage) -> EnvironmentCopy? {
            copies.first { $0.location == CopyLocation(stage, name) }
        }

        var published: ReviewedVersion? { copy(in: .published).map { ReviewedVersions.of($0, in: layout) } }

        var inProgress: ReviewedVersion? {
            [Stage.pending, .draft, .saved].lazy.compactMap { copy(in: $0) }.first.map {
                ReviewedVersions.of($0, in: layout)
            }
        }

        /// What exists, for a message: `there are: draft, published, archived 2026-11-20T101010Z-9f2c1a2b3c4d`.
        var available: String {
            let names =
                Diff.stages.filter { copy(in: $0) != nil }.map(\.rawValue) + archived.map { "archived " + $0.label }
            return names.isEmpty ? "there are none" : "there are: " + names.joined(separator: ", ")
        }

        func find(_ word: String) throws -> ReviewedVersion {
            if let stage = Stage(rawValue: word), Diff.stages.contains(stage) {
                guard let found = copy(in: stage) else {
                    throw CLIError.refused("'\(name)' has no version in \(stage.rawValue)/ (\(available))")
                }
                return ReviewedVersions.of(found, in: layout)
            }
            let version = try archivedVersion(
                word,
                of: name,
                among: archived,
                notFound: "'\(name)' has no version '\(word)': a version is saved, draft, pending, published, an "
                    + "archived version's label in .kiln/archive/\(name)/, or at least 6 hex digits of its spec hash "
                    + "(\(available))"
            )
            return ReviewedVersions.of(version, in: layout)
        }
    }
}
