import KilnProtocol
import KilnWorkspace

/// The workspace's `workspace.toml`, read as the daemon reads it: a missing file means every default, and a file
/// the daemon would refuse is a workspace problem (exit 3).
func workspaceSettings(_ layout: WorkspaceLayout) throws -> WorkspaceSettings {
    do {
        return try WorkspaceSettings.read(layout)
    } catch {
        throw CLIError.workspace(error.description)
    }
}
