import ArgumentParser
import KilnProtocol
import KilnWorkspace

/// A built environment that can be used: where it lives, and which copy it is.
struct UsableEnvironment {
    var location: CopyLocation
    var environment: String
    var python: String
}

/// Picks the copy of a name that can be used: a built draft, else the published one (protocol: only draft and
/// published environments can be activated).
func usableEnvironment(_ name: String, in layout: WorkspaceLayout, stage: Stage?) throws -> UsableEnvironment {
    let all = try copies(of: name, in: layout)
    let order: [Stage] = stage.map { [$0] } ?? [.draft, .published]
    for s in order {
        guard let copy = all.first(where: { $0.location == CopyLocation(s, name) }), let status = copy.status,
            copy.isSettled, copy.matchesBuild
        else { continue }
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
    let places = stage.map { "\($0.rawValue)/" } ?? "draft/ or published/"
    throw CLIError.refused(
        "'\(name)' cannot be used: only a built environment in \(places) can, and \(whereabouts(all, in: layout))"
    )
}

struct Activate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the shell line that activates an environment: eval \"$(kiln activate NAME)\"."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Option(help: "draft or published (default: the draft if built, else the published one).")
    var stage: Stage?

    func validate() throws {
        if let stage, stage != .draft && stage != .published {
            throw ValidationError("--stage must be draft or published")
        }
    }

    func run() throws {
        let usable = try usableEnvironment(name, in: try options.layout(), stage: stage)
        print(". \(shellQuote(usable.environment + "/bin/activate"))")
    }
}

extension Stage: ExpressibleByArgument {}

func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
