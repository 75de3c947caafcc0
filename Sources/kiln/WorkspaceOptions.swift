import ArgumentParser
import KilnProtocol
import KilnWorkspace

/// `--workspace`, shared by every command that works on an existing workspace.
struct WorkspaceOptions: ParsableArguments {
    @Option(name: .long, help: "The workspace folder (default: $KILN_WORKSPACE, then the current folder or a parent).")
    var workspace: String?

    func layout() throws -> WorkspaceLayout {
        do {
            return try WorkspaceLocator.locate(explicit: workspace)
        } catch {
            throw CLIError.workspace(error.message)
        }
    }
}
