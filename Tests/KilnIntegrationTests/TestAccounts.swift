import Foundation

/// Ordinary users and groups made for one test with `useradd`/`groupadd`, removed again when it ends. Root ignores
/// file modes, so a permission is proved only by acting as one of them (`runuser -u USER -- ...`).
final class TestAccounts: @unchecked Sendable {
    /// A suffix unique to this run, so names never meet another run's (names stay under 32 characters).
    let suffix = String(UUID().uuidString.lowercased().filter(\.isHexDigit).prefix(8))
    private(set) var users: [String] = []
    private(set) var groups: [String] = []

    /// `kt<role><suffix>`, for instance `ktadmins1a2b3c4d`.
    func name(_ role: String) -> String { "kt\(role)\(suffix)" }

    @discardableResult
    func group(_ role: String) throws -> String {
        let name = name(role)
        let made = TestWorkspace.run("/usr/sbin/groupadd", [name])
        guard made.status == 0 else { throw Failure("groupadd \(name): \(made.output)") }
        groups.append(name)
        return name
    }

    /// A user without a home folder, in `groups`; `system` makes a service account as an admin would.
    @discardableResult
    func user(_ role: String, groups: [String] = [], system: Bool = false) throws -> String {
        let name = name(role)
        var arguments = ["-M", "-s", system ? "/usr/sbin/nologin" : "/bin/sh"]
        if system { arguments.append("--system") }
        if !groups.isEmpty { arguments += ["-G", groups.joined(separator: ",")] }
        let made = TestWorkspace.run("/usr/sbin/useradd", arguments + [name])
        guard made.status == 0 else { throw Failure("useradd \(name): \(made.output)") }
        users.append(name)
        return name
    }

    deinit {
        for user in users { _ = TestWorkspace.run("/usr/sbin/userdel", [user]) }
        for group in groups { _ = TestWorkspace.run("/usr/sbin/groupdel", [group]) }
    }

    /// Runs a shell command line as `user`, in `directory`, with umask 022 (what most people have): the command's
    /// status and its output, the system's refusals included.
    static func run(as user: String, in directory: String, _ command: String) -> (status: Int32, output: String) {
        TestWorkspace.run(
            "/usr/sbin/runuser",
            ["-u", user, "--", "/bin/sh", "-c", "umask 022 && cd \"$0\" && \(command)", directory]
        )
    }

    /// Runs kiln as `user`.
    static func kiln(as user: String, _ arguments: [String]) -> (status: Int32, output: String) {
        TestWorkspace.run("/usr/sbin/runuser", ["-u", user, "--", TestWorkspace.kiln] + arguments)
    }
}
