import ArgumentParser
import KilnProtocol

struct Activate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the code that turns an environment on in this shell.",
        discussion: """
            bash and zsh: eval "$(kiln activate NAME)"; fish: kiln activate NAME | source. The environment's bin/ \
            comes first on PATH, VIRTUAL_ENV and VIRTUAL_ENV_PROMPT are set, the prompt starts with (NAME), and \
            `deactivate` undoes it all. The shell is --shell, else $SHELL's, else bash.

            A published name means its published version; --draft takes the draft, which only its owner can use.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @OptionGroup var choice: CopyChoice
    @Option(help: "bash, zsh or fish (default: $SHELL's).")
    var shell: ShellKind?

    func run() throws {
        let usable = try usableEnvironment(name, in: try options.layout(), choice: choice)
        print(usable.activation.activation(for: ShellKind.chosen(shell)), terminator: "")
    }
}

extension Stage: ExpressibleByArgument {}
