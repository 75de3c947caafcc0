import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside an environment: kiln run NAME -- python script.py",
        discussion: "The command replaces kiln, so the exit code is the command's own."
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after -- (default: python).")
    var command: [String] = []

    func run() throws {
        let usable = try usableEnvironment(name, in: try options.layout(), stage: nil)
        let argv = command.isEmpty ? ["python"] : command
        setenv("VIRTUAL_ENV", usable.environment, 1)
        setenv(
            "PATH",
            usable.environment + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            1
        )
        unsetenv("PYTHONHOME")
        let cArgs = argv.map { strdup($0) } + [nil]
        execvp(argv[0], cArgs)
        throw CLIError.refused("cannot run \(argv[0]) in '\(name)': \(String(cString: strerror(errno)))")
    }
}
