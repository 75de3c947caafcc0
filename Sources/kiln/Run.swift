import ArgumentParser
import KilnProtocol

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside an environment: kiln run NAME -- python script.py",
        discussion: """
            The command runs as in an activated shell (the environment's bin/ first on PATH, VIRTUAL_ENV and \
            VIRTUAL_ENV_PROMPT set) and replaces kiln, so the exit code is the command's own. A published name means \
            its published version; --draft takes the draft, which only its owner can use.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @OptionGroup var choice: CopyChoice
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after -- (default: python).")
    var command: [String] = []

    func run() throws {
        let usable = try usableEnvironment(name, in: try options.layout(), choice: choice)
        EnvironmentVariables.apply(usable)
        throw EnvironmentVariables.exec(command.isEmpty ? ["python"] : command, in: name)
    }
}
