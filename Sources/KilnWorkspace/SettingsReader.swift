import KilnProtocol

extension WorkspaceSettings {
    /// Reads `workspace.toml` of `layout`; a missing file means every default. A problem names the file by its full
    /// path and the line. The one reader for the daemon, the commands and a Slurm build job.
    public static func read(_ layout: WorkspaceLayout) throws(SpecProblem) -> WorkspaceSettings {
        guard let text = WorkspaceFiles.readText(layout.settingsFile) else { return WorkspaceSettings() }
        return try parse(text, path: layout.settingsFile, workspaceRoot: layout.root)
    }
}
