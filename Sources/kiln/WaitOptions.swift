import ArgumentParser
import KilnProtocol

/// `--wait` and `--timeout`, for the commands that start a build (`kiln build`, `kiln new`).
struct WaitOptions: ParsableArguments {
    @Flag(
        help: """
            Follow the build to its end, showing its progress, and exit with its result: 0 when it is ready, 1 when \
            it failed or the spec is invalid, 3 when no daemon serves the workspace, 4 when --timeout runs out.
            """
    )
    var wait = false

    @Option(help: "With --wait, give up waiting after this many seconds (the build goes on).")
    var timeout: Double?

    func validate() throws {
        if let timeout {
            guard wait else { throw ValidationError("--timeout needs --wait") }
            guard timeout > 0, timeout <= 7 * 24 * 3600 else {
                throw ValidationError("--timeout \(timeout) is not a number of seconds between 0 and a week")
            }
        }
    }

    /// Follows the build of `name` when `--wait` was given.
    func followBuild(of name: String, in layout: WorkspaceLayout) throws {
        guard wait else { return }
        var follower = LogFollower(
            layout: layout,
            name: name,
            waitingAtMost: timeout.map { .milliseconds(Int($0 * 1000)) }
        )
        try follower.run()
    }
}
