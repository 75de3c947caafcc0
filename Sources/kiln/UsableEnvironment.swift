import ArgumentParser
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

/// A built environment that can be used: where it lives, and which copy it is.
struct UsableEnvironment {
    var location: CopyLocation
    var environment: String
    var python: String

    var name: String { location.name }
    var activation: ActivationScript { ActivationScript(name: name, environment: environment) }
}

/// `--draft`, shared by the commands that use an environment: `activate`, `shell`, `run`.
struct CopyChoice: ParsableArguments {
    @Flag(help: "Use the draft (only its owner can) even when the name is also published.")
    var draft = false

    /// The option `--draft` replaced: `--stage draft` is `--draft`, `--stage published` takes only the published copy.
    @Option(help: .hidden)
    var stage: Stage?

    func validate() throws {
        if let stage, stage != .draft && stage != .published {
            throw ValidationError("--stage must be draft or published")
        }
        if draft && stage == .published { throw ValidationError("--draft and --stage published contradict") }
    }

    /// The stages to look in, in order: the published copy first, as everyone means the approved one, unless the
    /// draft is asked for.
    var stages: [Stage] {
        if draft || stage == .draft { return [.draft] }
        if stage == .published { return [.published] }
        return [.published, .draft]
    }
}

/// Picks the copy of a name that can be used (protocol: only built environments in draft/ and published/, and a
/// draft only by its owner).
func usableEnvironment(_ name: String, in layout: WorkspaceLayout, choice: CopyChoice) throws -> UsableEnvironment {
    try usableEnvironment(name, in: layout, stages: choice.stages)
}

/// The same, looking in `stages` in order (`CopyChoice.stages` for the commands that take `--draft`).
func usableEnvironment(_ name: String, in layout: WorkspaceLayout, stages: [Stage]) throws -> UsableEnvironment {
    let all = try copies(of: name, in: layout)
    for stage in stages {
        guard let copy = all.first(where: { $0.location == CopyLocation(stage, name) }), let status = copy.status,
            copy.isSettled, copy.matchesBuild
        else { continue }
        if stage == .draft { try ensureOwnDraft(copy, in: layout, all: all) }
        guard let environment = status.environment, let python = status.python else {
            throw CLIError.workspace(
                "\(layout.status(copy.location)) says '\(status.state.rawValue)' but does not name its environment "
                    + "and python; the file is damaged: `kiln serve` fills them in when it next looks at '\(name)' "
                    + "— is it running?"
            )
        }
        guard WorkspaceFiles.kind(python) != .missing else {
            throw CLIError.workspace(
                "the built environment of \(copy.location) is gone: \(python) does not exist; `kiln serve` builds "
                    + "it again when it next looks at '\(name)' — is it running?"
            )
        }
        return UsableEnvironment(location: copy.location, environment: environment, python: python)
    }
    let places = stages.count == 1 ? "\(stages[0].rawValue)/" : "draft/ or published/"
    throw CLIError.refused(
        "'\(name)' cannot be used: only a built environment in \(places) can, and \(whereabouts(all, in: layout))"
    )
}

/// A draft is its owner's until an admin approves it: whoever owns `draft/<name>` (the one who saved it; the
/// daemon moves a folder, it never changes its owner). Anyone else is refused, and told whose it is.
private func ensureOwnDraft(_ copy: EnvironmentCopy, in layout: WorkspaceLayout, all: [EnvironmentCopy]) throws {
    let directory = layout.directory(copy.location)
    guard let owner = FileOwner.uid(of: directory) else {
        throw CLIError.workspace("cannot read who owns \(directory): \(String(cString: strerror(errno)))")
    }
    guard owner != geteuid() else { return }
    let published = all.contains { $0.location == CopyLocation(.published, copy.location.name) && $0.matchesBuild }
    throw CLIError.refused(
        "\(copy.location) is \(FileOwner.userName(owner))'s draft, and only its owner can use a draft"
            + (published ? "; without --draft you get the published '\(copy.location.name)'" : "")
    )
}
