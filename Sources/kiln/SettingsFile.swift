import KilnProtocol
import KilnWorkspace

/// The workspace's `workspace.toml`, read as the daemon reads it: a missing file means every default, and a file
/// the daemon would refuse is a workspace problem (exit 3).
func workspaceSettings(_ layout: WorkspaceLayout) throws -> WorkspaceSettings {
    guard let text = WorkspaceFiles.readText(layout.settingsFile) else { return WorkspaceSettings() }
    do {
        return try WorkspaceSettings.parse(text, path: layout.settingsFile, workspaceRoot: layout.root)
    } catch {
        throw CLIError.workspace(error.description)
    }
}
