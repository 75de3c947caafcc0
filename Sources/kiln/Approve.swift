import ArgumentParser
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct Approve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Approve a pending environment: moves pending/<name> into published/, as `mv` would.",
        discussion:
            "If a published version exists, the daemon replaces it atomically and keeps the old one in .kiln/archive/."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Option(help: "A note for the owner, saved as the review file.")
    var note: String?

    func run() throws {
        let layout = try options.layout()
        try Approve.mayPublish(layout, action: "approve '\(name)'")
        let pending = try copy(name, in: .pending, of: layout, action: "approve")
        guard pending.status?.state == .awaitingApproval, pending.matchesBuild else {
            let state = pending.status.map { "'\($0.state.rawValue)' (\($0.message))" } ?? "no status"
            throw CLIError.refused(
                "cannot approve '\(name)' yet: its status is \(state), not awaiting-approval; the daemon marks a "
                    + "submission once it has checked it (is `kiln serve` running?)"
            )
        }
        if let note { try WorkspaceFiles.writeAtomically(layout.review(pending.location), note + "\n") }
        let published = CopyLocation(.published, name)
        // Exactly what `mv pending/NAME published/` does: into the folder when it exists.
        let target =
            WorkspaceFiles.kind(layout.directory(published)) == .directory
            ? CopyLocation(.published, name, nested: true) : published
        try WorkspaceFiles.move(layout.directory(pending.location), to: layout.directory(target))
        print("approved '\(name)'")
    }

    /// Refuses, before anything is touched, someone who may not write `published/`: the same judgement the daemon
    /// makes of a rollback request, so a plain `mv` and the command agree.
    static func mayPublish(_ layout: WorkspaceLayout, action: String) throws {
        let published = layout.folder(.published)
        guard !FileOwner.mayWrite(published, uid: geteuid()) else { return }
        let admins = WorkspacePermissions.current(of: layout)?.admins.name ?? "?"
        throw CLIError.refused(
            "only members of the admins' group \(admins) may \(action): you (\(FileOwner.userName(geteuid()))) "
                + "cannot write \(published); an admin can, or `sudo usermod -aG \(admins) \(FileOwner.userName(geteuid()))` "
                + "makes you one"
        )
    }
}
