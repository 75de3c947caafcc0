import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make an archived version the published one again (admins only).",
        discussion: """
            Asks the daemon, through a request file in .kiln/requests/, to swap the archived version into \
            published/NAME in one atomic rename; the version it replaces goes to the archive, so a second rollback \
            brings it back. Only someone who may write published/ may roll back. Without --to, the most recently \
            archived version comes back: the one the last approval (or rollback) replaced. Waits for the daemon and \
            exits 0 once the version is published, 1 when it is refused (with the reason), 3 when no daemon serves \
            the workspace (the request stays, and is carried out once one runs) or it does not answer in time.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Option(
        name: .customLong("to"),
        help: "The version to publish: its label from `kiln versions NAME`, or 6 or more hex digits of its spec hash."
    )
    var version: String?
    @Option(help: "Seconds to wait for the daemon to carry the rollback out.")
    var timeout: Double = 60

    func validate() throws {
        guard timeout > 0, timeout <= 24 * 3600 else {
            throw ValidationError("--timeout \(timeout) is not a number of seconds between 0 and a day")
        }
    }

    func run() throws {
        let layout = try options.layout()
        let all = try copies(of: name, in: layout)
        guard let published = all.first(where: { $0.location == CopyLocation(.published, name) }) else {
            throw CLIError.refused("'\(name)' has no published version to roll back")
        }
        guard access(layout.folder(.published), W_OK) == 0 else {
            throw CLIError.refused(
                "you (\(NSUserName())) may not write \(layout.folder(.published)): only the workspace's admins roll "
                    + "back; ask one"
            )
        }
        guard published.status?.state == .published, published.matchesBuild, let current = published.specSHA256 else {
            throw CLIError.refused(
                "published/\(name) is changing (\(published.status?.message ?? "no status")); try again once the "
                    + "daemon has settled it"
            )
        }
        let target = try chooseTarget(layout: layout)
        guard let spec = target.status?.specSHA256, let environment = target.status?.environment else {
            throw CLIError.workspace(
                "\(target.directory)/status is missing or damaged: this version cannot be published"
            )
        }
        guard spec != current else {
            throw CLIError.refused("\(target.label) holds the spec that is published now (\(spec.prefix(12)))")
        }
        guard EnvironmentStore.find(BuildInputs.key(ofEnvironment: environment), in: layout) != nil else {
            throw CLIError.refused(
                "the built environment of \(target.label) (\(environment)) is gone from the store: it cannot be "
                    + "published again; approve a new version instead"
            )
        }
        let request = layout.request(name)
        guard WorkspaceFiles.kind(request) == .missing else {
            throw CLIError.refused(
                "a request for '\(name)' is already waiting in \(request); wait for the daemon to answer it (is "
                    + "`kiln serve` running?)"
            )
        }
        try WorkspaceFiles.makeDirectory(layout.requests)
        try WorkspaceFiles.writeAtomically(
            request,
            RollbackRequestFile.rendered(version: target.label, specSHA256: spec, requested: Date(), by: NSUserName())
        )
        try awaitAnswer(request: request, spec: spec, target: target, layout: layout)
    }

    func chooseTarget(layout: WorkspaceLayout) throws -> ArchivedVersion {
        let archived = ArchivedVersions(layout: layout, name: name).all()
        guard let newest = archived.first else {
            throw CLIError.refused("nothing is archived for '\(name)': only a replaced published version can come back")
        }
        guard let version else { return newest }
        return try archivedVersion(
            version,
            of: name,
            among: archived,
            notFound: "'\(name)' has no archived version '\(version)'; the versions are: "
                + archived.map(\.label).joined(separator: ", ")
        )
    }

    /// The daemon removes the request once it has carried it out or refused it; the published status, or the
    /// journal's refusal, says which.
    func awaitAnswer(request: String, spec: String, target: ArchivedVersion, layout: WorkspaceLayout) throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while WorkspaceFiles.kind(request) != .missing {
            guard DaemonPresence.isServing(layout) else {
                throw CLIError.workspace(
                    "no `kiln serve` holds \(layout.root): the rollback is carried out once one runs (remove "
                        + "\(request) to call it off)"
                )
            }
            guard ContinuousClock.now < deadline else {
                throw CLIError.workspace(
                    "the daemon has not answered the rollback request in \(Int(timeout)) s; it stays in \(request)"
                )
            }
            usleep(100_000)
        }
        let published = WorkspaceReader(layout: layout).read(CopyLocation(.published, name))
        if published.status?.specSHA256 == spec {
            let approved = published.status?.approved.map { " approved \(TOMLText.dateTime($0))" } ?? ""
            let replaced = ArchivedVersions(layout: layout, name: name).all().first?.label ?? "?"
            emit(
                "rolled back '\(name)': published/\(name) is the version\(approved) (spec \(spec.prefix(12))) "
                    + "again; the version it replaced is archived as \(replaced)"
            )
            return
        }
        let refusal = Journal(layout: layout).entries(for: name).last { $0.message.hasPrefix("rollback to ") }
        throw CLIError.refused(refusal?.message ?? "the rollback was not carried out; `kiln history \(name)` says why")
    }
}
