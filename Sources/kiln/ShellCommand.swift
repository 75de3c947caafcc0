import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct ShellCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Start a shell with an environment on; `exit` returns to this one.",
        discussion: """
            The shell (--shell, else $SHELL's, else bash) reads your own startup files, then puts the \
            environment's bin/ first on PATH and (NAME) in front of the prompt; VIRTUAL_ENV and VIRTUAL_ENV_PROMPT \
            are set. A published name means its published version; --draft takes the draft, which only its owner \
            can use.
            """
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @OptionGroup var choice: CopyChoice
    @Option(help: "bash, zsh or fish (default: $SHELL's).")
    var shell: ShellKind?

    func run() throws {
        let usable = try usableEnvironment(name, in: try options.layout(), choice: choice)
        let kind = ShellKind.chosen(shell)
        // The person's own binary when $SHELL is that shell; else the shell by name, from PATH.
        let login = ProcessInfo.processInfo.environment["SHELL"] ?? ""
        let executable = (login as NSString).lastPathComponent == kind.rawValue ? login : kind.rawValue
        let session = try ShellSession(usable, shell: kind, executable: executable)
        EnvironmentVariables.apply(usable)
        for (key, value) in session.variables { setenv(key, value, 1) }
        let failure = EnvironmentVariables.exec(session.argv, in: name)
        if let folder = session.folder { try? FileManager.default.removeItem(atPath: folder) }
        throw failure
    }
}
