import ArgumentParser
import KilnProtocol
import KilnWorkspace

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit a built draft for publishing: moves draft/<name> to pending/<name>."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String

    func run() throws {
        let layout = try options.layout()
        let draft = try copy(name, in: .draft, of: layout, action: "submit")
        guard draft.matchesBuild else {
            throw CLIError.refused(
                "cannot submit '\(name)': its spec does not match its build (\(draft.status?.message ?? "no status")); "
                    + "wait for the rebuild"
            )
        }
        try ensureFree(CopyLocation(.pending, name), in: layout, action: "submit")
        try WorkspaceFiles.move(layout.directory(draft.location), to: layout.directory(CopyLocation(.pending, name)))
        print("submitted '\(name)': it waits in pending/ for an admin")
    }
}
