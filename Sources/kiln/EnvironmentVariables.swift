import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The variables an environment runs under, as `kiln activate` sets them in a shell: set in kiln's own process,
/// which then becomes the command (`kiln run`) or the shell (`kiln shell`).
enum EnvironmentVariables {
    static func apply(_ usable: UsableEnvironment) {
        setenv("VIRTUAL_ENV", usable.environment, 1)
        setenv("VIRTUAL_ENV_PROMPT", usable.name, 1)
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        setenv("PATH", usable.activation.bin + ":" + path, 1)
        unsetenv("PYTHONHOME")
    }

    /// Replaces kiln with `argv`, found on `PATH` (the environment's `bin/` first); returns only on failure.
    static func exec(_ argv: [String], in name: String) -> CLIError {
        let cArgs = argv.map { strdup($0) } + [nil]
        execvp(argv[0], cArgs)
        return CLIError.refused("cannot run \(argv[0]) in '\(name)': \(String(cString: strerror(errno)))")
    }
}
