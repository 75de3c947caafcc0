import ArgumentParser
import Foundation
import KilnProtocol
import KilnWorkspace

#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a command inside an environment: kiln run NAME -- python script.py"
    )

    @OptionGroup var options: WorkspaceOptions
    @Argument var name: String
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after -- (default: python).")
    var command: [String] = []

    func run() throws {
        let (_, status) = try usableEnvironment(name, in: try options.layout(), stage: nil)
        let env = status.environment!
        var argv = command
        if argv.isEmpty { argv = ["python"] }
        setenv("VIRTUAL_ENV", env, 1)
        setenv("PATH", env + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), 1)
        unsetenv("PYTHONHOME")
        let cArgs = argv.map { strdup($0) } + [nil]
        execvp(argv[0], cArgs)
        throw CLIError("cannot run \(argv[0]): \(String(cString: strerror(errno)))")
    }
}
