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
            throw CLIError(error.message)
        }
    }
}

/// An error a person caused, printed as it is, with a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Checks a name given on the command line.
func validName(_ name: String) throws -> String {
    if let problem = EnvironmentName.problem(with: name) { throw CLIError(problem) }
    return name
}

/// The copies of a name, or an error saying there are none.
func copies(of name: String, in layout: WorkspaceLayout) throws -> [EnvironmentCopy] {
    let copies = WorkspaceReader(layout: layout).copies(of: try validName(name))
    guard !copies.isEmpty else {
        throw CLIError("no environment named '\(name)' in \(layout.root); `kiln list` shows what there is")
    }
    return copies
}

/// One copy in the given stage, with an error naming where it is instead.
func copy(_ name: String, in stage: Stage, of layout: WorkspaceLayout, action: String) throws -> EnvironmentCopy {
    let all = try copies(of: name, in: layout)
    guard let found = all.first(where: { $0.location == CopyLocation(stage, name) }) else {
        let whereabouts = all.map(\.location.description).joined(separator: ", ")
        throw CLIError("cannot \(action) '\(name)': it is not in \(stage.rawValue)/ (it is at \(whereabouts))")
    }
    return found
}
