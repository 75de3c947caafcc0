import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct Reject: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a pending environment back to its owner: writes the review note and moves it to draft/."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Option(help: "Why: becomes the status message the owner sees.")
    var reason: String

    func run() throws {
        let layout = try options.layout()
        try Approve.mayPublish(layout, action: "reject '\(name)'")
        let pending = try copy(name, in: .pending, of: layout, action: "reject")
        try ensureFree(CopyLocation(.draft, name), in: layout, action: "reject")
        try WorkspaceFiles.writeAtomically(layout.review(pending.location), reason + "\n")
        try WorkspaceFiles.move(layout.directory(pending.location), to: layout.directory(CopyLocation(.draft, name)))
        print("rejected '\(name)': back in draft/ with your note")
    }
}
