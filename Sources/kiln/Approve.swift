import ArgumentParser
import KilnProtocol
import KilnWorkspace

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
}
