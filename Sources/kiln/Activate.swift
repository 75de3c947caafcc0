import ArgumentParser
import KilnProtocol
import KilnWorkspace

/// Picks the copy of a name that can be used: a built draft, else the published one (protocol: only draft and
/// published environments can be activated).
func usableEnvironment(_ name: String, in layout: WorkspaceLayout, stage: Stage?) throws -> (EnvironmentCopy, Status) {
    let all = try copies(of: name, in: layout)
    let order: [Stage] = stage.map { [$0] } ?? [.draft, .published]
    for s in order {
        guard let copy = all.first(where: { $0.location == CopyLocation(s, name) }), let status = copy.status,
            copy.isSettled, copy.matchesBuild, let python = status.python,
            WorkspaceFiles.kind(python) != .missing
        else { continue }
        return (copy, status)
    }
    let whereabouts = all.map { "\($0.location) is \($0.status?.state.rawValue ?? "without status")" }
    throw CLIError(
        "'\(name)' cannot be used: only a built environment in draft/ or published/ can (\(whereabouts.joined(separator: "; ")))"
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
        let (_, status) = try usableEnvironment(name, in: try options.layout(), stage: stage)
        print(". \(shellQuote(status.environment! + "/bin/activate"))")
    }
}

extension Stage: ExpressibleByArgument {}

func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
