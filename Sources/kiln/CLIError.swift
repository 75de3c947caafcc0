/// An error the CLI reports: a message a person can act on, and the exit code a script can rely on.
struct CLIError: Error, CustomStringConvertible {
    /// The exit codes, as `kiln help` and the README list them.
    enum Code: Int32, Sendable {
        /// Refused: not built, not allowed, an invalid spec, a failed build.
        case refused = 1
        /// The command line is wrong.
        case usage = 2
        /// The workspace or the daemon: no workspace, a file that cannot be read or written, a damaged file, a
        /// daemon that cannot start or has not caught up.
        case workspace = 3
        /// `--wait --timeout` ran out before the build ended; the build goes on.
        case timedOut = 4
    }

    var code: Code
    var description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    static func refused(_ message: String) -> CLIError { CLIError(.refused, message) }
    static func usage(_ message: String) -> CLIError { CLIError(.usage, message) }
    static func workspace(_ message: String) -> CLIError { CLIError(.workspace, message) }
}
